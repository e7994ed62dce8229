"""Hard parameter constraints as optax transformations, chained after a group's optimiser.

Weight clipping (Arjovsky et al. 2017; seed 001 section 3.1) keeps every critic parameter in [-c, c],
which bounds the critic's Lipschitz constant. It is a projection applied after each update, so it lives in
the optimiser chain (`config.optim.<group>.clip = c`, see `jaxgan.optim`) rather than in the engine.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from jaxgan.parts.models import layers


def clip_params(c: float) -> optax.GradientTransformation:
    """Rewrites updates `u` into `clip(p + u, -c, c) - p`, so that `p + u'` lands in [-c, c].

    `optax.apply_updates` then computes `p + (clip(p + u) - p)`, which equals the clipped value up to one
    float rounding (|error| <= ulp(c)); the projection is idempotent, so the error never accumulates.
    """
    if not layers.is_traced(c) and c <= 0:  # a swept (traced) c was checked as a Python value first
        raise ValueError(f"clip must be > 0, got {c}")

    def init_fn(params):
        del params
        return optax.EmptyState()

    def update_fn(updates, state, params=None):
        if params is None:
            raise ValueError("clip_params needs the parameters: call update(grads, state, params)")
        updates = jax.tree_util.tree_map(lambda p, u: jnp.clip(p + u, -c, c) - p, params, updates)
        return updates, state

    return optax.GradientTransformation(init_fn, update_fn)
