"""Pairwise squared Euclidean distances computed one block of rows at a time.

A 10,000 x 10,000 float32 distance matrix is 400 MB, and the k-NN metrics need several of them; mapping over
row blocks keeps only `block_size x m` distances alive at once, while each block is still one large matmul.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp

# The ||a||^2 + ||b||^2 - 2ab expansion cancels catastrophically with reduced-precision matmuls, which JAX's default
# float32 precision may use on accelerators (TF32 on GPUs, bf16 passes on TPUs): ball memberships would flip.
MATMUL_PRECISION = jax.lax.Precision.HIGHEST


def squared_norms(x: jax.Array) -> jax.Array:
    """Row-wise squared norms: `x [n, d]` -> `[n]`."""
    return jnp.sum(x * x, axis=-1)


def squared_distances(a: jax.Array, b: jax.Array, b_sq: jax.Array | None = None) -> jax.Array:
    """All squared distances between rows: `a [n, d]`, `b [m, d]` -> `[n, m]`, clamped at 0.

    `b_sq [m]` (the rows' squared norms of `b`) may be passed in so that blocked callers compute it once. The clamp
    removes the small negative values that rounding gives for (near-)identical rows.
    """
    if b_sq is None:
        b_sq = squared_norms(b)
    cross = jnp.matmul(a, b.T, precision=MATMUL_PRECISION)
    return jnp.maximum(squared_norms(a)[:, None] + b_sq[None, :] - 2.0 * cross, 0.0)


def scan_row_blocks(fn: Callable[[Any, jax.Array, jax.Array], tuple[Any, Any]], rows: jax.Array, block_size: int,
                    init: Any = None) -> tuple[Any, Any]:
    """Runs `fn(carry, block [b, d], index [b] int32) -> (carry, out)` over consecutive row blocks of `rows [n, d]`.

    `index` holds each block row's position in `rows`. The last block is zero-padded to `b` rows whose indices are
    >= n: `fn` must keep those rows out of the carry (e.g. mask with `index < n`), and their `out` rows are dropped.
    Every `out` leaf has a leading axis `[b, ...]` with row i depending only on block row i. Returns the final
    carry (a reduction across blocks, e.g. over columns) and the `out` leaves concatenated to `[n, ...]`.

    Explicit padded blocks under `lax.scan` rather than `lax.map(..., batch_size=)`: on CPU they keep each block a
    plain 2-D matmul + TopK, measured ~1.7x faster at n = 10,000.
    """
    n = rows.shape[0]
    b = max(1, min(block_size, n))
    num_blocks = -(-n // b)
    padded = jnp.pad(rows, ((0, num_blocks * b - n), (0, 0))).reshape(num_blocks, b, rows.shape[1])
    index = jnp.arange(num_blocks * b, dtype=jnp.int32).reshape(num_blocks, b)
    carry, out = jax.lax.scan(lambda c, args: fn(c, *args), init, (padded, index))
    return carry, jax.tree.map(lambda y: y.reshape((num_blocks * b,) + y.shape[2:])[:n], out)


def map_row_blocks(fn: Callable[[jax.Array, jax.Array], Any], rows: jax.Array, block_size: int) -> Any:
    """`scan_row_blocks` without a carry: `fn(block [b, d], index [b]) -> out`, returns `out` leaves `[n, ...]`."""
    return scan_row_blocks(lambda carry, block, index: (carry, fn(block, index)), rows, block_size)[1]


def as_float_features(x: jax.Array) -> jax.Array:
    """`x` as a JAX array of at least float32: bf16/int features would make the distance expansion meaningless."""
    x = jnp.asarray(x)
    return x.astype(jnp.promote_types(x.dtype, jnp.float32))
