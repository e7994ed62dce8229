"""Sample quality of a trained GAN, measured in the evaluator network's feature space (jaxgan.evaluator).

One evaluation: draw `num_samples` images (optionally by discriminator rejection sampling), pass them and the
real reference set through the evaluator, and compute every metric registered in `jaxgan.metrics`; today

    fid                 Fréchet distance of the fake features to the statistics of the whole reference split
    is, is_std          inception score of the evaluator's class probabilities (mean, std over 10 splits)
    precision, recall   improved precision/recall, k=3 (Kynkäänniemi et al. 2019)
    density, coverage   k=5 (Naeem et al. 2020)
    kid, kid_std        kernel inception distance (unbiased MMD^2, cubic kernel)
    class_accuracy      (conditional generators only) how often the evaluator's argmax is the requested class
    label_purity        fraction of samples whose evaluator class is the majority class of their latent label:
                        1 when each label/mixture component produces a single class (GM-GAN clustering)

The k-NN and KID metrics compare with a fixed random subset of the reference features of the same size as the
fake set (capped at the reference size), so they are not dominated by the set-size imbalance.

Reference features of a real set are cached beside the evaluator (`ref-<split>-<sha256>.npz`), keyed by the
set's content, so a split is passed through the evaluator once per machine.

A generator counts as conditional when sampling with given labels is meant to produce those classes, which
is true exactly when its training signal depends on the labels: the objective's generator loss reads them
(GM-GAN supervised / separate objectives) or the discriminator reads them (a cGAN), as each part declares
when it registers (`conditional`). GM-GAN unsupervised uses labels only to pick mixture components whose
classes it never learns to match, so it is not. `config.conditional = True/False` overrides the parts.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
from typing import Any

import jax
import ml_collections
import numpy as np

from jaxgan import metrics
from jaxgan.data import datasets as data
from jaxgan.data import heldout
from jaxgan.eval import rejection
from jaxgan.eval import evaluator as evaluator_lib
from jaxgan.parts import losses, models
from jaxgan.run import workdir as workdir_lib

EVAL_STREAM = 0xE7A1  # fold_in constant: the evaluation noise is fixed for a run, so steps compare like for like
SUBSET_SEED = 0
GENERATE_BATCH = 500


# ------------------------------------------------------------------------------------------ reference set
@dataclasses.dataclass(frozen=True)
class Reference:
    """A real set in feature space: features `[N, F]` of every image and their mean/covariance."""

    dataset: dict  # Dataset.describe() of the set
    features: np.ndarray
    stats: metrics.FeatureStats

    def subset(self, num: int) -> np.ndarray:
        """A fixed random `min(num, N)` rows of the features (the same rows for every call and run)."""
        order = np.random.default_rng(SUBSET_SEED).permutation(self.features.shape[0])
        return self.features[np.sort(order[:num])]


def reference(evaluator: evaluator_lib.Evaluator, dataset: data.Dataset) -> Reference:
    """`dataset`'s features under `evaluator`, from the cache beside the evaluator or computed and cached."""
    path = os.path.join(evaluator.path, f"ref-{evaluator_lib.slug(dataset.split)}-{dataset.checksum[:16]}.npz")
    if os.path.exists(path):
        with np.load(path) as f:
            return Reference(dataset.describe(), f["features"], metrics.FeatureStats(f["mu"], f["cov"]))
    feats, _ = evaluator.features_and_probs(dataset.images)
    stats = metrics.feature_statistics(feats)
    buffer = io.BytesIO()
    np.savez(buffer, features=feats, mu=stats.mu, cov=stats.cov)
    workdir_lib.atomic_write(path, buffer.getvalue())  # concurrent evaluations never read half a file
    return Reference(dataset.describe(), feats, stats)


# --------------------------------------------------------------------------------------------- metrics
def image_metrics(evaluator: evaluator_lib.Evaluator, ref: Reference, images: np.ndarray,
                  labels: np.ndarray | None = None, *, conditional: bool = False,
                  key: jax.Array | None = None) -> dict[str, Any]:
    """All metrics of `images [M, H, W, C]` in [-1, 1] (or uint8) against `ref`; `labels [M]` requested labels.

    `key` picks KID's subsets (default fixed). Returns a flat dict of floats (lists for per-class accuracy).
    """
    floor = metrics.min_samples()
    if images.shape[0] < floor:
        raise ValueError(f"need at least {floor} samples to evaluate, got {images.shape[0]}")
    feats, probs = evaluator.features_and_probs(images)
    real = ref.subset(feats.shape[0])
    inputs = metrics.MetricInputs(fake_features=feats, real_features=real, reference_stats=ref.stats, probs=probs,
                                  labels=None if labels is None else np.asarray(labels),
                                  conditional=bool(conditional), key=key)
    return {**metrics.compute_all(inputs), "num_samples": int(feats.shape[0]), "num_real": int(real.shape[0]),
            "num_reference": int(ref.features.shape[0]), "conditional": bool(conditional)}


def is_conditional(gan, config: ml_collections.ConfigDict | None = None) -> bool:
    """Whether `gan` is trained to show the class it is asked for (see the module docstring), as declared by
    its objective and discriminator; `config.conditional` (when set) overrides them."""
    if config is not None and config.get("conditional") is not None:
        return bool(config.conditional)
    if gan.num_classes < 2:
        return False
    return bool(losses.OBJECTIVES.declared(gan.objective, "conditional", False)
                or models.DISCRIMINATORS.declared(gan.discriminator, "conditional", False))


# ------------------------------------------------------------------------------------------- sampling
def generate(gan, state, key: jax.Array, num: int, *, rejection_kwargs: dict | None = None,
             batch_size: int = GENERATE_BATCH, sampler=None) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """`num` samples: (images [num, H, W, C] in [-1, 1], requested labels [num], sampling info).

    Plain sampling uses batch i = `fold_in(key, i)`; with `rejection_kwargs` (a dict, possibly empty) the
    samples come from discriminator rejection sampling (jaxgan.rejection) with those settings. `sampler`:
    a `rejection.jitted_sampler(gan, min(batch_size, num))` to reuse across calls.
    """
    batch_size = min(batch_size, num)
    if rejection_kwargs is not None:
        result = rejection.rejection_sample_result(gan, state, key, num, batch_size=batch_size, **rejection_kwargs)
        return result.images, result.labels, dict(rejection=True, acceptance_rate=result.acceptance_rate,
                                                  max_log_ratio=result.max_log_ratio,
                                                  num_proposed=result.num_proposed, **rejection_kwargs)
    sample = rejection.labelled_sampler(gan, state, batch_size, sampler)
    batches = [sample(jax.random.fold_in(key, i)) for i in range(-(-num // batch_size))]
    images = np.concatenate([np.asarray(x) for x, _ in batches])[:num]
    labels = np.concatenate([np.asarray(y) for _, y in batches])[:num]
    return images, labels, dict(rejection=False)


@dataclasses.dataclass
class Context:
    """An evaluator and the reference set of one (dataset, split): what every evaluation of a run shares."""

    evaluator: evaluator_lib.Evaluator
    reference: Reference

    @classmethod
    def create(cls, dataset_name: str, split: str | None = None, *, cache_dir: str | None = None,
               settings: evaluator_lib.Settings = evaluator_lib.Settings(),
               reference_set: data.Dataset | None = None) -> "Context":
        """Loads (or trains) the evaluator of `dataset_name` and the features of its `split` (or `reference_set`)."""
        evaluator = evaluator_lib.load_or_train(dataset_name, cache_dir=cache_dir, settings=settings)
        real = reference_set if reference_set is not None else heldout.load_reference(dataset_name, split)
        if real.image_shape != tuple(evaluator.meta["image_shape"]):
            raise ValueError(f"reference images are {real.image_shape}, the evaluator takes "
                             f"{tuple(evaluator.meta['image_shape'])}")
        return cls(evaluator, reference(evaluator, real))

    def describe(self) -> dict[str, Any]:
        return dict(dataset=self.reference.dataset["name"], split=self.reference.dataset["split"],
                    reference_sha256=self.reference.dataset["sha256"], evaluator_accuracy=self.evaluator.accuracy,
                    evaluator_heldout=self.evaluator.meta["heldout"]["split"], evaluator=self.evaluator.path)


def data_identity(described: dict[str, Any]) -> dict[str, Any]:
    """name, split, size and sha256 of a `Dataset.describe()` (or a run's recorded dataset.json)."""
    return {k: described.get(k) for k in ("name", "split", "size", "sha256")}


def provenance(trained_on: dict[str, Any], context: Context) -> dict[str, Any]:
    """Which data trained the GAN (`trained_on`: its run's recorded dataset) and which data judged it (the
    context's reference set), and whether they are the same set (by sha256 of images and labels)."""
    judged_by = context.reference.dataset
    return dict(training_data=data_identity(trained_on), reference_data=data_identity(judged_by),
                reference_is_training_data=judged_by["sha256"] == trained_on.get("sha256"))


def evaluate_state(gan, state, dataset_name: str, split: str | None, num_samples: int, key: jax.Array,
                   rejection: bool = False, *, config: ml_collections.ConfigDict | None = None,
                   context: Context | None = None, cache_dir: str | None = None,
                   settings: evaluator_lib.Settings = evaluator_lib.Settings(),
                   rejection_kwargs: dict | None = None, sampler=None) -> dict[str, Any]:
    """Metrics of `num_samples` samples of `gan` in `state` against `dataset_name`/`split` (the training data).

    `rejection` draws them by discriminator rejection sampling (`rejection_kwargs`: burn_in, percentile,
    gamma, eps). `config` may force `conditional`; `context` reuses a loaded evaluator and reference set,
    `sampler` a compiled sampler (see `generate`).
    Returns one flat JSON-ready dict (see the module docstring for the keys).
    """
    if num_samples < metrics.min_samples():
        raise ValueError(f"num_samples must be >= {metrics.min_samples()}, got {num_samples}")
    context = context or Context.create(dataset_name, split, cache_dir=cache_dir, settings=settings)
    images, labels, info = generate(gan, state, key, num_samples,
                                    rejection_kwargs=(rejection_kwargs or {}) if rejection else None,
                                    sampler=sampler)
    out = image_metrics(context.evaluator, context.reference, images, labels,
                        conditional=is_conditional(gan, config), key=key)
    return {**out, **info, **context.describe(), "step": int(state.step)}


# --------------------------------------------------------------------------------------- periodic use
class PeriodicEvaluator:
    """Evaluation during training: `run(state) -> {"eval/fid": ..., ...}` (floats, ready for the writers).

    Logs every registered metric's headline values (`jaxgan.metrics.scalar_names`). Settings from the config:
    `eval_num_samples` (default 2000) samples with the run's fixed evaluation noise, through the evaluator of
    the training set given as `dataset` (or config.data), against `reference_set` (default: that training
    set; the zoo and the findings pass real digits the GAN never saw). The evaluator and the reference
    features are loaded (or trained) once, on the first `run`.
    """

    def __init__(self, gan, config: ml_collections.ConfigDict, dataset: data.Dataset | None = None, *,
                 cache_dir: str | None = None, settings: evaluator_lib.Settings | None = None,
                 reference_set: data.Dataset | None = None):
        self.gan, self.config, self.dataset, self.reference_set = gan, config, dataset, reference_set
        self.num_samples = int(config.get("eval_num_samples", 2000))
        self.key = jax.random.fold_in(jax.random.PRNGKey(config.seed), EVAL_STREAM)
        self.cache_dir = cache_dir
        self.settings = settings or evaluator_lib.Settings(epochs=int(config.get("eval_evaluator_epochs", 0)))
        self.context: Context | None = None
        self.sampler = rejection.jitted_sampler(gan, min(GENERATE_BATCH, self.num_samples))

    def run(self, state) -> dict[str, float]:
        if self.context is None:
            name = self.dataset.name if self.dataset is not None else self.config.data.name
            self.context = Context.create(name, self.config.data.split, cache_dir=self.cache_dir,
                                          settings=self.settings, reference_set=self.reference_set or self.dataset)
            self.dataset = self.reference_set = None  # the reference features are all that is needed from now on
        out = evaluate_state(self.gan, state, "", None, self.num_samples, self.key, config=self.config,
                             context=self.context, sampler=self.sampler)
        return {f"eval/{k}": float(out[k]) for k in metrics.scalar_names() if k in out}


def to_json(result: dict[str, Any]) -> str:
    """One JSON line; NaN and infinities become null (JSON has no spelling for them)."""
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v
    return json.dumps(clean(result), sort_keys=True)
