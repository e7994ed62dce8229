"""k-nearest-neighbour manifold metrics: improved precision/recall and density/coverage.

Both estimate each set's support as a union of balls, one per sample, whose radius is the distance to the
sample's k-th nearest neighbour within its own set (the sample itself excluded):
- precision/recall, Kynkäänniemi et al. 2019 (arXiv:1904.06991): precision = fraction of fakes inside at least
  one real ball; recall = fraction of reals inside at least one fake ball.
- density/coverage, Naeem et al. 2020 (arXiv:2002.09797): density = (1 / kM) sum_j sum_i 1[fake_j in B(real_i)];
  coverage = fraction of real balls containing at least one fake. Only real balls are used.
Balls are closed (distance <= radius) as in both papers. Everything runs on squared distances (same ordering,
no square roots) in row blocks, so 10k x 10k sets need O(block_size * n) memory.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.metrics._checks import check_block_size, check_features, check_k
from jaxgan.metrics.base import METRICS, MetricInputs
from jaxgan.metrics.pairwise import (as_float_features, map_row_blocks, scan_row_blocks, squared_distances,
                                     squared_norms)

DEFAULT_BLOCK_SIZE = 1024


@partial(jax.jit, static_argnames=("k", "block_size"))
def knn_squared_radii(feats: jax.Array, k: int, block_size: int = DEFAULT_BLOCK_SIZE) -> jax.Array:
    """Squared distance from each row of `feats [n, d]` to its k-th nearest other row -> `[n]`."""
    n = feats.shape[0]
    feats_sq = squared_norms(feats)
    columns = jnp.arange(n, dtype=jnp.int32)

    def block_radii(block: jax.Array, index: jax.Array) -> jax.Array:
        d = squared_distances(block, feats, feats_sq)  # [b, n]
        # Force each point's own distance below every other so that dropping the nearest of the k+1 drops exactly
        # the point itself, even when rounding puts a duplicate row nearer than the point's own (clamped) 0.
        d = jnp.where(index[:, None] == columns[None, :], -1.0, d)
        nearest = jax.lax.top_k(-d, k + 1)[0]  # [b, k+1], negated, self first
        # The k-th other neighbour is the farthest of these k+1. Reduce with min instead of slicing column k: XLA
        # CPU only keeps its fast TopK kernel when the whole top-k output is consumed; an offset slice turns it
        # back into a full row sort (measured 30x slower at n = 10,000).
        return -jnp.min(nearest, axis=1)

    return map_row_blocks(block_radii, feats, block_size)


class Memberships(NamedTuple):
    """Ball memberships between fakes `[M, d]` and reals `[N, d]`."""

    real_balls_per_fake: jax.Array  # [M] int32: how many real balls contain each fake
    real_ball_hit: jax.Array  # [N] bool: whether each real ball contains at least one fake
    real_in_fake_ball: jax.Array  # [N] bool: whether each real lies in some fake ball (all False without fake radii)


def _memberships(fake: jax.Array, real: jax.Array, real_sq_radii: jax.Array, fake_sq_radii: jax.Array | None,
                 block_size: int) -> Memberships:
    """Every membership the metrics need, from one blocked pass over the fake-to-real distances.

    `real_sq_radii [N]`, `fake_sq_radii [M]` (None when fake balls are not needed). The per-real results are
    reductions over fakes, so they are carried across the fake blocks instead of costing a transposed pass.
    """
    real_sq = squared_norms(real)
    num_fake = fake.shape[0]

    def block(carry: tuple[jax.Array, jax.Array], fake_block: jax.Array, index: jax.Array):
        real_ball_hit, real_in_fake_ball = carry
        d = squared_distances(fake_block, real, real_sq)  # [b, N]
        in_real_ball = (d <= real_sq_radii[None, :]) & (index < num_fake)[:, None]  # padding rows are no fakes
        real_ball_hit = real_ball_hit | jnp.any(in_real_ball, axis=0)
        if fake_sq_radii is not None:
            # Padding rows get radius -1, so their balls contain nothing.
            block_radii = jnp.take(fake_sq_radii, index, mode="fill", fill_value=-1.0)
            real_in_fake_ball = real_in_fake_ball | jnp.any(d <= block_radii[:, None], axis=0)
        return (real_ball_hit, real_in_fake_ball), jnp.sum(in_real_ball, axis=1, dtype=jnp.int32)

    no_reals = jnp.zeros(real.shape[0], dtype=bool)
    (real_ball_hit, real_in_fake_ball), per_fake = scan_row_blocks(block, fake, block_size, (no_reals, no_reals))
    return Memberships(per_fake, real_ball_hit, real_in_fake_ball)


def _centre(real: jax.Array, *others: jax.Array) -> tuple[jax.Array, ...]:
    """Shifts all sets by the mean of `real`. Distances are unchanged, but the ||a||^2 + ||b||^2 - 2ab expansion
    loses digits in proportion to the norms, and real features (e.g. post-ReLU Inception) share a large offset."""
    offset = jnp.mean(real, axis=0)
    return tuple(x - offset for x in (real, *others))


# The jitted cores return integer counts; the division happens on the host in float64 so that fractions such as
# 37/50 come back exactly rather than as float32 roundings.
@partial(jax.jit, static_argnames=("k", "block_size"))
def _precision_recall_counts(real: jax.Array, fake: jax.Array, k: int, block_size: int) -> tuple[jax.Array, ...]:
    """(#fakes in some real ball, #reals in some fake ball)."""
    real, fake = _centre(real, fake)
    real_radii = knn_squared_radii(real, k, block_size)
    fake_radii = knn_squared_radii(fake, k, block_size)
    m = _memberships(fake, real, real_radii, fake_radii, block_size)
    return jnp.sum(m.real_balls_per_fake > 0), jnp.sum(m.real_in_fake_ball)


@partial(jax.jit, static_argnames=("k", "block_size"))
def _density_coverage_counts(real: jax.Array, fake: jax.Array, k: int, block_size: int) -> tuple[jax.Array, ...]:
    """(#real balls containing each fake [M], #real balls containing some fake)."""
    real, fake = _centre(real, fake)
    m = _memberships(fake, real, knn_squared_radii(real, k, block_size), None, block_size)
    # Per-fake counts go back whole and are summed on the host in int64: the total can reach N * M.
    return m.real_balls_per_fake, jnp.sum(m.real_ball_hit)


def knn_radii(feats: jax.Array, k: int = 3, *, block_size: int = DEFAULT_BLOCK_SIZE) -> np.ndarray:
    """Distance of each row of `feats [n, d]` to its k-th nearest other row -> numpy `[n]`."""
    check_features(feats=feats)
    check_k(k, feats=feats)
    check_block_size(block_size)
    (feats,) = _centre(as_float_features(feats))
    return np.sqrt(np.asarray(knn_squared_radii(feats, k, block_size)))


def precision_recall(real_feats: jax.Array, fake_feats: jax.Array, k: int = 3, *,
                     block_size: int = DEFAULT_BLOCK_SIZE) -> dict[str, float]:
    """Improved precision and recall of `fake_feats [M, d]` against `real_feats [N, d]`.

    Returns `{"precision": float, "recall": float}`, both in [0, 1]. `k=3` is the paper's default;
    `block_size` rows of distances are materialised at a time (memory `block_size * max(N, M)` floats).
    """
    check_features(real_feats=real_feats, fake_feats=fake_feats)
    check_k(k, real_feats=real_feats, fake_feats=fake_feats)
    check_block_size(block_size)
    real, fake = as_float_features(real_feats), as_float_features(fake_feats)
    fakes_in, reals_in = _precision_recall_counts(real, fake, k, block_size)
    return {"precision": int(fakes_in) / fake.shape[0], "recall": int(reals_in) / real.shape[0]}


def density_coverage(real_feats: jax.Array, fake_feats: jax.Array, k: int = 5, *,
                     block_size: int = DEFAULT_BLOCK_SIZE) -> dict[str, float]:
    """Density and coverage of `fake_feats [M, d]` against `real_feats [N, d]`.

    Returns `{"density": float, "coverage": float}`: density is unbounded above (about 1 when the sets match),
    coverage is in [0, 1]. `k=5` is the paper's default.
    """
    check_features(real_feats=real_feats, fake_feats=fake_feats)
    check_k(k, real_feats=real_feats)
    check_block_size(block_size)
    real, fake = as_float_features(real_feats), as_float_features(fake_feats)
    per_fake, covered = _density_coverage_counts(real, fake, k, block_size)
    total = int(np.sum(np.asarray(per_fake), dtype=np.int64))
    return {"density": total / (k * fake.shape[0]), "coverage": int(covered) / real.shape[0]}


@METRICS.register("precision_recall", scalars=("precision", "recall"), needs=("features",), higher_is_better=True,
                  min_samples=4, order=2, table=("precision", "recall"), curves=("precision", "recall"))
def precision_recall_metric(inputs: MetricInputs) -> dict[str, float]:
    """Precision and recall (k=3) against the same-size reference subset."""
    return precision_recall(inputs.real_features, inputs.fake_features, k=3)


@METRICS.register("density_coverage", scalars=("density", "coverage"), needs=("features",), higher_is_better=True,
                  min_samples=6, order=3, table=("coverage",), curves=("density", "coverage"))
def density_coverage_metric(inputs: MetricInputs) -> dict[str, float]:
    """Density and coverage (k=5) against the same-size reference subset."""
    return density_coverage(inputs.real_features, inputs.fake_features, k=5)
