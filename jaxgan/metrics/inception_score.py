"""Inception score (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))), mean and std over splits."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import xlogy

from jaxgan.metrics.base import METRICS, MetricInputs

SHUFFLE_SEED = 0


@partial(jax.jit, static_argnames=("splits",))
def split_inception_scores(probs: jax.Array, splits: int) -> jax.Array:
    """Scores of `splits` equal consecutive chunks of `probs [n, K]` -> `[splits]`.

    As in the reference implementation, the last `n % splits` rows are dropped so the chunks are equal; p(y)
    is each chunk's own marginal. `xlogy` makes 0 log 0 = 0, so one-hot predictions need no epsilon.
    """
    size = probs.shape[0] // splits
    p = probs[: size * splits].reshape(splits, size, probs.shape[1])
    marginal = jnp.mean(p, axis=1, keepdims=True)
    kl = jnp.sum(xlogy(p, p) - xlogy(p, marginal), axis=-1)  # [splits, size]
    return jnp.exp(jnp.mean(kl, axis=1))


def inception_score(probs: jax.Array | np.ndarray, splits: int = 10) -> tuple[float, float]:
    """Inception score of class probabilities `probs [n, K]` (rows sum to 1): `(mean, std)` over `splits` chunks.

    Ranges from 1 (every prediction identical) to K (confident predictions, all classes equally often).
    The std is the population std (ddof=0) across chunks, as in the reference implementation.
    """
    if np.ndim(probs) != 2:
        raise ValueError(f"probs must be a 2-D [n, K] array of class probabilities, got shape {np.shape(probs)}")
    if not 1 <= splits <= np.shape(probs)[0]:
        raise ValueError(f"splits must be in [1, n={np.shape(probs)[0]}], got {splits}")
    probs = jnp.asarray(probs)
    scores = np.asarray(split_inception_scores(probs.astype(jnp.promote_types(probs.dtype, jnp.float32)), splits))
    return float(np.mean(scores)), float(np.std(scores))


@METRICS.register("is", scalars=("is",), needs=("probs",), higher_is_better=True, min_samples=2, order=1)
def inception_score_metric(inputs: MetricInputs) -> dict[str, float]:
    """`is` and `is_std` over min(10, M // 2) splits of the samples' class probabilities."""
    probs = inputs.probs
    # IS splits consecutive chunks and takes each chunk's own marginal: a class-sorted set (held-out real digits,
    # class-ordered conditional samples) would score ~1, so the chunks are cut from a fixed shuffle.
    shuffled = probs[np.random.default_rng(SHUFFLE_SEED).permutation(probs.shape[0])]
    mean, std = inception_score(shuffled, splits=min(10, probs.shape[0] // 2))
    return {"is": mean, "is_std": std}
