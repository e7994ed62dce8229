"""Fréchet distance between Gaussians fitted to two feature sets (FID when the features are Inception pool3).

    d^2 = ||mu1 - mu2||^2 + tr(C1) + tr(C2) - 2 tr((C1 C2)^{1/2})

The trace term uses tr((C1 C2)^{1/2}) = sum_i sqrt(lambda_i(S C2 S)), S = C1^{1/2}: C1 C2 is similar to the
symmetric PSD matrix S C2 S, so two `eigh` calls replace the general `sqrtm`, and clamping the eigenvalues at 0
means no imaginary part can appear (scipy's `sqrtm` route returns one for nearly singular covariances).
"""

from __future__ import annotations

import contextlib
from typing import Iterable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.metrics._checks import check_features
from jaxgan.metrics.base import METRICS, MetricInputs


class FeatureStats(NamedTuple):
    """Mean `mu [d]` and unbiased covariance `cov [d, d]` of a feature set (numpy, in the requested dtype).

    Cache reference statistics with `np.savez(path, **stats._asdict())` and reload with
    `FeatureStats(**np.load(path))`.
    """

    mu: np.ndarray
    cov: np.ndarray


def _precision(dtype) -> tuple[np.dtype, contextlib.AbstractContextManager]:
    """The float dtype to compute in, and the context that makes it available.

    float64 needs JAX's x64 mode. It is scoped with `jax.enable_x64` rather than done in numpy/scipy so that one
    jitted jnp implementation serves both precisions (and runs on the accelerator), and rather than set globally
    because flipping the flag would silently turn the rest of the program (training) to float64.
    """
    dtype = np.dtype(dtype)
    if dtype == np.float64:
        return dtype, jax.enable_x64(True)
    if dtype == np.float32:
        return dtype, contextlib.nullcontext()
    raise ValueError(f"dtype must be float32 or float64, got {dtype}")


@jax.jit
def _batch_moments(batch: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """`batch [b, d]` -> (count, mean [d], centred sum of outer products [d, d]) in `batch`'s dtype."""
    mean = jnp.mean(batch, axis=0)
    centred = batch - mean
    return (jnp.asarray(batch.shape[0], batch.dtype), mean,
            jnp.matmul(centred.T, centred, precision=jax.lax.Precision.HIGHEST))


@jax.jit
def _merge_moments(a: tuple[jax.Array, ...], b: tuple[jax.Array, ...]) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Pooled moments of two disjoint sets (Chan et al.'s update): exact, and no large-sum cancellation."""
    (na, mean_a, m2_a), (nb, mean_b, m2_b) = a, b
    n = na + nb
    delta = mean_b - mean_a
    return n, mean_a + delta * (nb / n), m2_a + m2_b + jnp.outer(delta, delta) * (na * nb / n)


def feature_statistics(feats: jax.Array | np.ndarray | Iterable[jax.Array | np.ndarray], *,
                       dtype=np.float64) -> FeatureStats:
    """Mean and unbiased covariance (as `np.cov(feats, rowvar=False)`) of features.

    feats: one `[n, d]` array, or an iterable of `[b_i, d]` batches (e.g. straight from a batched feature
    extractor), which are accumulated one at a time so the whole set never has to be held. The iterable is
    consumed outside the float64 context, so the producer's own JAX code keeps its dtypes.
    Returns `FeatureStats(mu [d], cov [d, d])` as numpy arrays of `dtype`.
    """
    dtype, precision = _precision(dtype)
    batches = [feats] if hasattr(feats, "shape") else feats
    moments = None
    for i, batch in enumerate(batches):
        if np.ndim(batch) != 2 or (moments is not None and np.shape(batch)[1] != moments[1].shape[0]):
            raise ValueError(f"feature batch {i} must be [b, d] with a common d, got shape {np.shape(batch)}")
        if np.shape(batch)[0] == 0:
            continue
        with precision:
            batch_moments = _batch_moments(jnp.asarray(batch, dtype))
            moments = batch_moments if moments is None else _merge_moments(moments, batch_moments)
    if moments is None or float(moments[0]) < 2:
        raise ValueError("feature_statistics needs at least 2 feature rows")
    with precision:
        n, mu, m2 = moments
        return FeatureStats(np.asarray(mu, dtype), np.asarray(m2 / (n - 1), dtype))


@jax.jit
def _frechet(mu1: jax.Array, cov1: jax.Array, mu2: jax.Array, cov2: jax.Array) -> jax.Array:
    hi = jax.lax.Precision.HIGHEST
    w, v = jnp.linalg.eigh(cov1)
    sqrt_cov1 = jnp.matmul(v * jnp.sqrt(jnp.maximum(w, 0.0)), v.T, precision=hi)
    m = jnp.matmul(jnp.matmul(sqrt_cov1, cov2, precision=hi), sqrt_cov1, precision=hi)
    # Symmetrise away rounding so eigvalsh sees exactly the symmetric matrix it assumes.
    trace_sqrt = jnp.sum(jnp.sqrt(jnp.maximum(jnp.linalg.eigvalsh(0.5 * (m + m.T)), 0.0)))
    diff = mu1 - mu2
    return jnp.dot(diff, diff, precision=hi) + jnp.trace(cov1) + jnp.trace(cov2) - 2.0 * trace_sqrt


def frechet_distance(mu1: jax.Array | np.ndarray, cov1: jax.Array | np.ndarray, mu2: jax.Array | np.ndarray,
                     cov2: jax.Array | np.ndarray, *, dtype=np.float64) -> float:
    """Squared Fréchet distance between N(mu1 [d], cov1 [d, d]) and N(mu2 [d], cov2 [d, d]).

    Covariances must be symmetric PSD. Computed in `dtype` (float64 by default: the trace term is a difference of
    large numbers, and float32 eigendecompositions of 2048-d covariances lose several digits). Not clamped: tiny
    negative values for (near-)identical inputs are rounding, shown as such.
    """
    if np.ndim(mu1) != 1:
        raise ValueError(f"mu1 must be a 1-D mean vector, got shape {np.shape(mu1)}")
    d = np.shape(mu1)[0]
    for name, x, shape in (("mu1", mu1, (d,)), ("cov1", cov1, (d, d)), ("mu2", mu2, (d,)), ("cov2", cov2, (d, d))):
        if np.shape(x) != shape:
            raise ValueError(f"{name} must have shape {shape} (mu1 is {np.shape(mu1)}), got {np.shape(x)}")
    dtype, precision = _precision(dtype)
    with precision:
        return float(_frechet(*(jnp.asarray(x, dtype) for x in (mu1, cov1, mu2, cov2))))


def fid(real_feats: jax.Array | np.ndarray | FeatureStats, fake_feats: jax.Array | np.ndarray | FeatureStats, *,
        dtype=np.float64) -> float:
    """Fréchet distance between Gaussians fitted to `real_feats [N, d]` and `fake_feats [M, d]`.

    Either argument may instead be a `FeatureStats` (from `feature_statistics`), so reference statistics are
    computed once and reused across evaluations.
    """
    named = {"real_feats": real_feats, "fake_feats": fake_feats}
    check_features(**{name: x for name, x in named.items() if not isinstance(x, FeatureStats)})
    (mu1, cov1), (mu2, cov2) = (x if isinstance(x, FeatureStats) else feature_statistics(x, dtype=dtype)
                                for x in named.values())
    return frechet_distance(mu1, cov1, mu2, cov2, dtype=dtype)


@METRICS.register("fid", scalars=("fid",), needs=("features",), higher_is_better=False, min_samples=2, order=0,
                  table=("fid",))
def fid_metric(inputs: MetricInputs) -> dict[str, float]:
    """FID of the samples against the statistics of the whole reference set."""
    return {"fid": fid(inputs.reference_stats, inputs.fake_features)}
