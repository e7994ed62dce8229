"""Sample-quality metrics on feature / probability arrays: pure jitted JAX, blocked so 10k x 10k sets fit.

Inputs are features `[n, d]` (or class probabilities `[n, K]`) already produced by an evaluator network;
results come back as Python floats (or small numpy arrays). Each module registers what it computes in
`METRICS` (see `base`); every module is imported here, so a new metric is one new module.
"""

from jaxgan import registry
from jaxgan.metrics.base import (METRICS, MIN_SAMPLES, MetricInputs, compute_all, curve_names, min_samples,
                                 scalar_names, table_names)
from jaxgan.metrics.classes import class_accuracy, label_purity, per_class_accuracy
from jaxgan.metrics.fid import FeatureStats, feature_statistics, fid, frechet_distance
from jaxgan.metrics.inception_score import inception_score
from jaxgan.metrics.kid import kid, mmd2_unbiased
from jaxgan.metrics.nearest_neighbours import density_coverage, knn_radii, precision_recall

registry.import_submodules(__name__)

__all__ = [
    "METRICS",
    "MIN_SAMPLES",
    "FeatureStats",
    "MetricInputs",
    "class_accuracy",
    "compute_all",
    "curve_names",
    "density_coverage",
    "feature_statistics",
    "fid",
    "frechet_distance",
    "inception_score",
    "kid",
    "knn_radii",
    "label_purity",
    "min_samples",
    "mmd2_unbiased",
    "per_class_accuracy",
    "precision_recall",
    "scalar_names",
    "table_names",
]
