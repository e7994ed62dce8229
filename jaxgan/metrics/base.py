"""The metric registry: what an evaluation computes, and what it shows where.

Each metric module registers a function `(MetricInputs) -> {field: value}` with what the metric is:

    @METRICS.register("kid", scalars=("kid",), needs=("features",), higher_is_better=False, min_samples=2,
                      order=4)
    def kid_metric(inputs: MetricInputs) -> dict[str, float]: ...

- `scalars`: its headline fields (floats; logged as `eval/<field>` during training). The function may return
  more fields (a std, a per-class list), which go only into the evaluation's JSON.
- `needs`: what it reads: "features" and "probs" (always there), "labels" (the samples' requested labels:
  skipped without them), "conditional" (skipped unless the generator is trained to show its label).
- `higher_is_better`, `min_samples` (an evaluation refuses fewer samples than its largest `min_samples`, and
  never fewer than `MIN_SAMPLES`).
- `order` (tables and plots list metrics by it), `table` / `curves`: which scalars the member table of
  `jaxgan.evaluate` and the second panel of the training-history plot show.

A new metric is one module in `jaxgan/metrics/` with its registration; every module is imported by the
package, and the evaluation runner, tables and plots ask this registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import jax
import numpy as np

from jaxgan.registry import Registry

if TYPE_CHECKING:  # only for annotations (fid registers itself here)
    from jaxgan.metrics.fid import FeatureStats

MIN_SAMPLES = 10  # the fewest samples any evaluation takes
NEEDS = ("features", "probs", "labels", "conditional")


class MetricInputs(NamedTuple):
    """One evaluation's inputs, in the evaluator network's feature space.

    fake_features `[M, F]` and probs `[M, K]`: the evaluator's features and class probabilities of the M
    samples; real_features `[min(M, N), F]`: a fixed subset of the N reference features; reference_stats:
    mean and covariance of all N; labels `[M]` int: the label each sample was drawn for (None when there are
    none); conditional: whether the generator is trained to show that label; key: randomness for metrics
    that subsample (None: each metric's fixed default).
    """

    fake_features: np.ndarray
    real_features: np.ndarray
    reference_stats: FeatureStats
    probs: np.ndarray
    labels: np.ndarray | None = None
    conditional: bool = False
    key: jax.Array | None = None


class Metric(Protocol):
    """`(MetricInputs) -> {field: float, or a list for per-class values}`."""

    def __call__(self, inputs: MetricInputs) -> dict[str, Any]: ...


METRICS: Registry[Metric] = Registry("metric")


def _capability(name: str, capability: str, default: Any = ()) -> Any:
    return METRICS.capabilities(name).get(capability, default)


def ordered() -> list[str]:
    """The registered metrics, by their declared `order` (then name)."""
    return sorted(METRICS.names(), key=lambda name: (_capability(name, "order", 100), name))


def scalar_names() -> tuple[str, ...]:
    """Every metric's headline fields, in order (what periodic evaluation logs)."""
    return tuple(field for name in ordered() for field in _capability(name, "scalars"))


def table_names() -> tuple[str, ...]:
    """The fields a table of runs shows, in order."""
    return tuple(field for name in ordered() for field in _capability(name, "table"))


def curve_names() -> tuple[str, ...]:
    """The fields the training-history plot draws beside FID, in order."""
    return tuple(field for name in ordered() for field in _capability(name, "curves"))


def min_samples() -> int:
    """The fewest samples an evaluation accepts: `MIN_SAMPLES`, or more if a metric needs more."""
    return max([MIN_SAMPLES] + [_capability(name, "min_samples", 1) for name in METRICS.names()])


def applies(name: str, inputs: MetricInputs) -> bool:
    """Whether metric `name` has what it needs in `inputs` (labels; a conditional generator)."""
    needs = _capability(name, "needs")
    unknown = set(needs) - set(NEEDS)
    if unknown:
        raise ValueError(f"metric {name!r} needs {', '.join(sorted(unknown))}; known needs: {', '.join(NEEDS)}")
    return not (("labels" in needs and inputs.labels is None) or ("conditional" in needs and not inputs.conditional))


def compute_all(inputs: MetricInputs) -> dict[str, Any]:
    """Every registered metric that applies to `inputs`, merged into one flat dict of fields."""
    out: dict[str, Any] = {}
    for name in ordered():
        if applies(name, inputs):
            out.update(METRICS.get(name)(inputs))
    return out
