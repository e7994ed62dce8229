"""The standard normal latent."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.parts.latents.base import PRIORS


@PRIORS.register("gaussian", mixture=False)
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
