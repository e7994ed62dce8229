"""Sample-quality metrics on feature / probability arrays: pure jitted JAX, blocked so 10k x 10k sets fit.

Inputs are features `[n, d]` (or class probabilities `[n, K]`) already produced by an evaluator network;
results come back as Python floats (or small numpy arrays).
"""

from jaxgan.metrics.classes import class_accuracy, per_class_accuracy
from jaxgan.metrics.fid import FeatureStats, feature_statistics, fid, frechet_distance
from jaxgan.metrics.inception_score import inception_score
from jaxgan.metrics.kid import kid, mmd2_unbiased
from jaxgan.metrics.nearest_neighbours import density_coverage, knn_radii, precision_recall

__all__ = [
    "FeatureStats",
    "class_accuracy",
    "density_coverage",
    "feature_statistics",
    "fid",
    "frechet_distance",
    "inception_score",
    "kid",
    "knn_radii",
    "mmd2_unbiased",
    "per_class_accuracy",
    "precision_recall",
]
