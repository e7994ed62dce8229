"""Layers shared by the networks whose settings may be swept as traced arrays (see `jaxgan.population`)."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp


def is_traced(value) -> bool:
    """True for a traced setting (a swept population value): Python checks on its value must be skipped."""
    return isinstance(value, jax.core.Tracer)


def is_static_zero(value) -> bool:
    """True only for a Python number equal to 0: a traced (swept) value is never treated as 0 statically."""
    return isinstance(value, (int, float)) and value == 0


class Dropout(nn.Module):
    """Inverted dropout whose `rate` may be a traced scalar (a population member's own rate).

    Same masks and scaling as `flax.linen.Dropout` (one Bernoulli(1 - rate) draw from the 'dropout' rng);
    flax's layer branches in Python on `rate == 0`, which a traced rate cannot answer. A Python 0 (or
    `deterministic`) skips the layer as flax's does; a traced rate always draws the mask, so a member
    with rate 0 keeps every unit.
    """

    rate: float | jax.Array

    @nn.compact
    def __call__(self, x: jax.Array, deterministic: bool) -> jax.Array:
        if deterministic or is_static_zero(self.rate):
            return x
        keep = 1.0 - jnp.asarray(self.rate, x.dtype)
        mask = jax.random.bernoulli(self.make_rng("dropout"), p=keep, shape=x.shape)
        return jax.lax.select(mask, x / keep, jnp.zeros_like(x))
