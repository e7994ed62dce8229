"""Kernel inception distance (Bińkowski et al. 2018): unbiased MMD^2 with a cubic polynomial kernel.

k(x, y) = (x . y / d + 1)^3. The estimate is averaged over random equal-size subsets of the two sets, each drawn
without replacement, which bounds the cost at num_subsets * subset_size^2 kernel evaluations.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.metrics._checks import check_features
from jaxgan.metrics.base import METRICS, MetricInputs
from jaxgan.metrics.pairwise import MATMUL_PRECISION, as_float_features


def polynomial_kernel(a: jax.Array, b: jax.Array) -> jax.Array:
    """(a . b / d + 1)^3 for all row pairs: `a [n, d]`, `b [m, d]` -> `[n, m]`."""
    return (jnp.matmul(a, b.T, precision=MATMUL_PRECISION) / a.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: jax.Array, y: jax.Array) -> jax.Array:
    """Unbiased MMD^2 estimate between `x [m, d]` and `y [n, d]` (m, n >= 2) with `polynomial_kernel` -> scalar.

    Within-set means leave out the diagonal k(x_i, x_i): including it is what biases the plain (V-statistic)
    estimate upwards by O(1/m).
    """
    m, n = x.shape[0], y.shape[0]
    kxx, kyy = polynomial_kernel(x, x), polynomial_kernel(y, y)
    within_x = (jnp.sum(kxx) - jnp.trace(kxx)) / (m * (m - 1))
    within_y = (jnp.sum(kyy) - jnp.trace(kyy)) / (n * (n - 1))
    return within_x + within_y - 2.0 * jnp.mean(polynomial_kernel(x, y))


def random_subsets(key: jax.Array, n: int, num_subsets: int, subset_size: int) -> jax.Array:
    """`num_subsets` independent uniformly random `subset_size`-subsets of range(n) -> `[num_subsets, subset_size]`.

    Each subset is the indices of the largest of n iid uniforms: one TopK per subset instead of the repeated
    full sorts behind `jax.random.choice(replace=False)`, ~15x faster on CPU. Float ties only break towards lower
    indices; the choice stays independent of the data, which is all the estimate's unbiasedness needs.
    """
    uniforms = jax.random.uniform(key, (num_subsets, n))
    return jax.lax.top_k(uniforms, subset_size)[1]


@partial(jax.jit, static_argnames=("num_subsets", "subset_size"))
def subset_mmd2(real: jax.Array, fake: jax.Array, key: jax.Array, num_subsets: int, subset_size: int) -> jax.Array:
    """`mmd2_unbiased` on `num_subsets` random subsets of `subset_size` rows of each set -> `[num_subsets]`.

    Subsets are processed one at a time (`lax.map`) so memory is three `subset_size^2` kernels, not
    `num_subsets` times that.
    """
    real_key, fake_key = jax.random.split(key)
    real_rows = random_subsets(real_key, real.shape[0], num_subsets, subset_size)
    fake_rows = random_subsets(fake_key, fake.shape[0], num_subsets, subset_size)
    return jax.lax.map(lambda rows: mmd2_unbiased(real[rows[0]], fake[rows[1]]), (real_rows, fake_rows))


def kid(real_feats: jax.Array | np.ndarray, fake_feats: jax.Array | np.ndarray, *, num_subsets: int = 100,
        subset_size: int = 1000, key: jax.Array | None = None) -> tuple[float, float]:
    """Kernel inception distance between `real_feats [N, d]` and `fake_feats [M, d]`: `(mean, std)` over subsets.

    `subset_size` is capped at min(N, M); the defaults (100 subsets of 1000) are the paper's. `key` picks the
    subsets (default `jax.random.key(0)`, so repeated calls agree). The std is across subsets (ddof=0); the mean
    is unbiased, so it can be slightly negative when the two distributions match.
    """
    check_features(real_feats=real_feats, fake_feats=fake_feats)
    subset_size = min(subset_size, np.shape(real_feats)[0], np.shape(fake_feats)[0])
    if subset_size < 2:
        raise ValueError(f"KID needs subsets of at least 2 rows, got subset_size={subset_size}")
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be >= 1, got {num_subsets}")
    key = jax.random.key(0) if key is None else key
    values = np.asarray(subset_mmd2(as_float_features(real_feats), as_float_features(fake_feats), key,
                                    num_subsets, subset_size))
    return float(np.mean(values)), float(np.std(values))


@METRICS.register("kid", scalars=("kid",), needs=("features",), higher_is_better=False, min_samples=2, order=4)
def kid_metric(inputs: MetricInputs) -> dict[str, float]:
    """`kid` and `kid_std` against the same-size reference subset (subsets picked by `inputs.key`)."""
    mean, std = kid(inputs.real_features, inputs.fake_features, key=inputs.key)
    return {"kid": mean, "kid_std": std}
