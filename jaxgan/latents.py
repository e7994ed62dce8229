"""Latent priors: modules that draw `(z [B, d], y [B] int32)` from an explicit PRNG key.

`y` is the class a sample is meant to show: conditional generators read it, conditional losses compare
against it, unconditional parts ignore it. A prior's parameters (if any) are trained with the generator,
in the optimiser group that matches `prior/...`.
"""

from __future__ import annotations

from typing import Any, Mapping

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan import registry


class GaussianPrior(nn.Module):
    """z ~ N(0, I_d); y ~ Uniform{0..num_classes-1} unless `labels` are given."""

    dim: int = 100
    num_classes: int = 10

    @nn.compact
    def __call__(self, key: jax.Array, batch_size: int, labels: jax.Array | None = None,
                 train: bool = False) -> tuple[jax.Array, jax.Array]:
        del train
        k_y, k_z = jax.random.split(key)
        if labels is None:
            labels = jax.random.randint(k_y, (batch_size,), 0, self.num_classes)
        return jax.random.normal(k_z, (batch_size, self.dim)), labels.astype(jnp.int32)


PRIORS: dict[str, type[nn.Module]] = {"gaussian": GaussianPrior}


def build_prior(cfg: Mapping[str, Any], num_classes: int) -> nn.Module:
    return registry.build(PRIORS, "latent prior", cfg, num_classes=num_classes)
