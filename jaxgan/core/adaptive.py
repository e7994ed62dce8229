"""Seed 003's adaptive discriminator advantage: D takes more updates per step while it is losing."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgan.core.gan import GAN


def adaptive_d_turns(gan: GAN, d_turn, carry):
    """Seed 003's adaptive discriminator advantage, inside the jitted step: `(carry, mean D metrics)`.

    A scan of `max_n_d` turns of which the first `n_d = schedule_state["n_d"]` run `d_turn` (the others
    are skipped by `lax.cond`, so they cost nothing). Then, if D's accuracy on this step's batches (real
    scored real, fake scored fake) is below `n_d_threshold` (a float, may be traced), the next step gets one
    more D update (at most `max_n_d`); otherwise it falls back to 1. Logs the advantage as `d/advantage`.
    """
    sched = gan.schedule
    n_d = carry[0].schedule_state["n_d"]
    zeros = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), jax.eval_shape(d_turn, carry, 0)[1])
    carry, metrics = jax.lax.scan(lambda c, i: jax.lax.cond(i < n_d, d_turn, lambda c, _: (c, zeros), c, i),
                                  carry, jnp.arange(sched.max_n_d))
    active = jnp.arange(sched.max_n_d) < n_d
    metrics = jax.tree_util.tree_map(lambda m: jnp.sum(jnp.where(active, m, 0)) / n_d, metrics)
    weak = metrics["d/accuracy"] < sched.n_d_threshold
    state = carry[0].replace(schedule_state={
        "n_d": jnp.where(weak, jnp.minimum(n_d + 1, sched.max_n_d), 1).astype(jnp.int32),
        "batches": carry[0].schedule_state["batches"] + n_d})
    metrics["d/advantage"] = n_d.astype(jnp.float32)
    return (state, *carry[1:]), metrics
