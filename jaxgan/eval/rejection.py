"""Discriminator rejection sampling (DRS; Azadi et al. 2019, arXiv:1810.06758).

A discriminator trained to optimality gives the density ratio p_data(x) / p_g(x) = exp(D~(x)), with D~ its
log-ratio output. Accepting a generated x with probability exp(D~(x) - D~*) (D~* = max over x) is then
exact rejection sampling from p_data. DRS makes this practical:
- D~* is estimated as the maximum over a burn-in set of samples and raised whenever a batch exceeds it;
- acceptance is sigmoid(F(x)) with
      F(x) = D~(x) - D~* - log(1 - exp(D~(x) - D~* - eps)) - gamma,
  which equals exp(D~(x) - D~*) for gamma = 0 (up to eps) and, for gamma > 0, accepts fewer samples,
  favouring those with a high ratio. The paper sets gamma per batch as a percentile of F(x); that is
  `gamma=None, percentile=p` here (a fixed float `gamma` is also accepted; `gamma=0.0` is exact rejection
  sampling under the estimated max).

D~ is the objective's `realness(logits) -> [B]` (jaxgan.losses), read off the eval-mode discriminator. For
the BCE games it is the logit (sigmoid(l) = D, so D / (1 - D) = e^l), for GM-GAN's K+1 game
log P(some real class) - log P(fake), for separate objectives the real/fake logit: each the log density
ratio an optimal D estimates. A Wasserstein critic's value is not a log ratio (its scale is arbitrary), so
DRS on it is only a "keep the best-scored samples" filter; pass `log_ratio=` to supply another reading.
"""

from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

DEFAULT_EPS = 1e-6
DEFAULT_PERCENTILE = 80.0
DEFAULT_BURN_IN = 10_000
MAX_PROPOSALS_FACTOR = 1000  # give up when fewer than 1 in this many proposals is accepted

LogRatioFn = Callable[[jax.Array], jax.Array]  # logits [B, n] -> log density ratio [B]


# ------------------------------------------------------------------------------------------------ the rule
def acceptance_logit(log_ratio: jax.Array, max_log_ratio: jax.Array, eps: float = DEFAULT_EPS) -> jax.Array:
    """F(x) + gamma = D~ - D~* - log(1 - exp(D~ - D~* - eps)) for `log_ratio [B]` -> `[B]`.

    `D~ - D~*` is clamped at 0 (the max is raised before this is called, so the clamp only guards rounding);
    `log(-expm1(.))` stays finite and accurate as D~ -> D~*, where 1 - exp(.) would cancel to 0.
    """
    delta = jnp.minimum(log_ratio - max_log_ratio, 0.0)
    return delta - jnp.log(-jnp.expm1(delta - eps))


def acceptance_probability(log_ratio: jax.Array, max_log_ratio: jax.Array, gamma: jax.Array | float,
                           eps: float = DEFAULT_EPS) -> jax.Array:
    """sigmoid(F(x)) in [0, 1] for `log_ratio [B]`."""
    return jax.nn.sigmoid(acceptance_logit(log_ratio, max_log_ratio, eps) - gamma)


@functools.partial(jax.jit, static_argnames=("eps",))
def drs_step(log_ratio: jax.Array, max_log_ratio: jax.Array, key: jax.Array, percentile: float,
             gamma: float, eps: float = DEFAULT_EPS) -> tuple[jax.Array, jax.Array, jax.Array]:
    """One batch of DRS: `log_ratio [B]` -> (accept [B] bool, acceptance probabilities [B], raised max).

    `gamma` NaN means the paper's dynamic shift: the `percentile`-th percentile of this batch's F(x).
    """
    max_log_ratio = jnp.maximum(max_log_ratio, jnp.max(log_ratio))
    f = acceptance_logit(log_ratio, max_log_ratio, eps)
    gamma = jnp.where(jnp.isnan(gamma), jnp.percentile(f, percentile), gamma)
    probs = jax.nn.sigmoid(f - gamma)
    return jax.random.uniform(key, probs.shape) < probs, probs, max_log_ratio


# ---------------------------------------------------------------------------------------------- sampling
class RejectionResult(NamedTuple):
    images: np.ndarray  # [num, ...] accepted samples, in proposal order
    labels: np.ndarray  # [num] the labels (latent components) they were generated with
    acceptance_rate: float  # accepted / proposed after burn-in (before trimming to num)
    max_log_ratio: float  # the final estimate of D~*
    num_proposed: int  # proposals after burn-in


def rejection_sample_fn(sample_fn: Callable[[jax.Array], tuple[jax.Array, jax.Array]],
                        log_ratio_fn: Callable[[jax.Array, jax.Array], jax.Array], key: jax.Array, num: int, *,
                        burn_in: int = DEFAULT_BURN_IN, percentile: float = DEFAULT_PERCENTILE,
                        gamma: float | None = None, eps: float = DEFAULT_EPS) -> RejectionResult:
    """DRS from any proposal: `sample_fn(key) -> (x [B, ...], y [B])`, `log_ratio_fn(x, y) -> [B]` (jit both).

    Burn-in proposals (at least one batch) only estimate the max; then batches are proposed until `num` are
    accepted. Batch i uses `fold_in(key, i)`, so the result is a pure function of `key`.
    Raises RuntimeError if the acceptance rate falls below 1 / MAX_PROPOSALS_FACTOR.
    """
    if num < 1:
        raise ValueError(f"num must be >= 1, got {num}")
    if not 0.0 <= percentile <= 100.0:
        raise ValueError(f"percentile must be in [0, 100], got {percentile}")
    k_burn, k_run = jax.random.split(key)
    max_log_ratio = -jnp.inf
    i, seen = 0, 0
    while seen < max(burn_in, 1):
        x, y = sample_fn(jax.random.fold_in(k_burn, i))
        max_log_ratio = jnp.maximum(max_log_ratio, jnp.max(log_ratio_fn(x, y)))
        i, seen = i + 1, seen + x.shape[0]
    gamma_arg = jnp.float32(np.nan if gamma is None else gamma)
    images, labels, accepted, proposed, i = [], [], 0, 0, 0
    while accepted < num:
        k_sample, k_accept = jax.random.split(jax.random.fold_in(k_run, i))
        x, y = sample_fn(k_sample)
        accept, _, max_log_ratio = drs_step(log_ratio_fn(x, y), max_log_ratio, k_accept, percentile, gamma_arg, eps)
        accept = np.asarray(accept)
        images.append(np.asarray(x)[accept])
        labels.append(np.asarray(y)[accept])
        accepted, proposed, i = accepted + int(accept.sum()), proposed + x.shape[0], i + 1
        if proposed >= MAX_PROPOSALS_FACTOR * max(num, x.shape[0]) and accepted < num:
            raise RuntimeError(f"rejection sampling accepted {accepted} of {proposed} proposals; lower the "
                               f"percentile or gamma")
    return RejectionResult(np.concatenate(images)[:num], np.concatenate(labels)[:num], accepted / proposed,
                           float(max_log_ratio), proposed)


def jitted_sampler(gan, batch_size: int) -> Callable[[object, jax.Array], tuple[jax.Array, jax.Array]]:
    """Jitted `(state, key) -> (images, labels)`: build it once and pass it new states, so that periodic
    evaluations reuse one compilation (a closure over `state` would bake its weights in and recompile)."""
    @jax.jit
    def sample(state, key):
        k_label, k_image = jax.random.split(key)
        _, labels = gan.sample_latent(state.params["prior"], k_label, batch_size)
        return gan.generate(state, k_image, batch_size, labels=labels), labels
    return sample


def _jitted_scorer(gan, log_ratio: LogRatioFn) -> Callable[[object, jax.Array, jax.Array], jax.Array]:
    """Jitted `(state, x [B, ...], labels [B]) -> log_ratio(eval-mode D logits) [B]`."""
    return jax.jit(lambda state, x, y: log_ratio(gan.discriminate(state, x, y)))


def labelled_sampler(gan, state, batch_size: int, sampler=None) -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """`key -> (images [B, H, W, C] in [-1, 1], labels [B])` from `gan` in `state`, labels drawn by its own prior.

    The labels are those the generator was asked for (a class for conditional variants, a mixture component
    for GM-GAN, ignored otherwise); `gan.generate` then samples z given them, exactly as unconditional
    sampling would have. `sampler` is a `jitted_sampler(gan, batch_size)` to reuse.
    """
    return functools.partial(sampler or jitted_sampler(gan, batch_size), state)


def rejection_sample_result(gan, state, key: jax.Array, num: int, *, batch_size: int = 500,
                            log_ratio: LogRatioFn | None = None, **kwargs) -> RejectionResult:
    """DRS from a trained GAN (generator proposals, eval-mode discriminator scores); see `rejection_sample`."""
    score = functools.partial(_jitted_scorer(gan, log_ratio or gan.objective.realness), state)
    return rejection_sample_fn(labelled_sampler(gan, state, batch_size), score, key, num, **kwargs)


def rejection_sample(gan, state, key: jax.Array, num: int, *, batch_size: int = 500,
                     burn_in: int = DEFAULT_BURN_IN, percentile: float = DEFAULT_PERCENTILE,
                     gamma: float | None = None, eps: float = DEFAULT_EPS,
                     log_ratio: LogRatioFn | None = None) -> np.ndarray:
    """`num` DRS samples `[num, H, W, C]` in [-1, 1] from a trained `gan` in `state`, a pure function of `key`.

    Proposals come in batches of `batch_size`; `burn_in` proposals estimate the max log-ratio; `gamma=None`
    uses the paper's per-batch `percentile` shift (higher percentile: fewer, better-scored samples).
    """
    return rejection_sample_result(gan, state, key, num, batch_size=batch_size, burn_in=burn_in,
                                   percentile=percentile, gamma=gamma, eps=eps, log_ratio=log_ratio).images

