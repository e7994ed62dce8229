"""The reports' fixed MLP GAN (seeds 000, 001): 4 dense layers each, LeakyReLU(0.2)."""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.parts.models import layers, lipschitz_layers
from jaxgan.parts.models.base import DISCRIMINATORS, GENERATORS
from jaxgan.parts.models.minibatch_std import class_minibatch_std


@GENERATORS.register("mlp", conditional=False, label_codes=False)
class MLPGenerator(nn.Module):
    """z [B, d] -> images [B, H, W, C] in [-1, 1]; default widths 256 -> 512 -> 1024 -> H*W*C."""

    image_shape: tuple[int, int, int]
    num_classes: int = 10
    hidden: Sequence[int] = (256, 512, 1024)
    negative_slope: float = 0.2

    @nn.compact
    def __call__(self, z: jax.Array, labels: jax.Array | None = None, train: bool = False) -> jax.Array:
        del labels, train  # unconditional and without train-time behaviour
        h = z
        for width in self.hidden:
            h = nn.leaky_relu(nn.Dense(width)(h), self.negative_slope)
        out = jnp.tanh(nn.Dense(int(np.prod(self.image_shape)))(h))
        return out.reshape((z.shape[0], *self.image_shape))


# Not conditional: with `minibatch_std` the labels only group rows for a statistic, the class is never read.
@DISCRIMINATORS.register("mlp", conditional=False)
class MLPDiscriminator(nn.Module):
    """images [B, H, W, C] -> (logits [B, num_outputs], penultimate features [B, hidden[-1]]).

    Default widths H*W*C -> 1024 -> 512 -> 256 -> num_outputs, with dropout after each hidden layer
    (active only when `train`, its randomness from the 'dropout' rng). Lipschitz options for WGAN critics:
    `spectral_norm` wraps every dense layer in flax's `nn.SpectralNorm`, `normalize_init` divides each
    initial kernel by its spectral norm (see `jaxgan.models.lipschitz_layers`). `minibatch_std` appends the
    per-class minibatch standard deviation of the penultimate features to the last layer's input (see
    `jaxgan.models.minibatch_std`; `labels` name each row's class, all 0 when not given).
    """

    num_outputs: int = 1
    num_classes: int = 10
    hidden: Sequence[int] = (1024, 512, 256)
    dropout: float = 0.3
    negative_slope: float = 0.2
    spectral_norm: bool = False
    normalize_init: bool = False
    minibatch_std: bool = False

    @nn.compact
    def __call__(self, x: jax.Array, labels: jax.Array | None = None,
                 train: bool = False) -> tuple[jax.Array, jax.Array]:
        init = lipschitz_layers.kernel_init(self.normalize_init)
        dense = lambda width, h: lipschitz_layers.apply_layer(nn.Dense(width, kernel_init=init), h,
                                                              self.spectral_norm, train)
        h = x.reshape((x.shape[0], -1))
        for width in self.hidden:
            h = nn.leaky_relu(dense(width, h), self.negative_slope)
            h = layers.Dropout(self.dropout)(h, deterministic=not train)
        if not self.minibatch_std:  # otherwise `labels` are read only by the minibatch statistic
            return dense(self.num_outputs, h), h
        labels = jnp.zeros((x.shape[0],), jnp.int32) if labels is None else labels
        return dense(self.num_outputs, jnp.concatenate([h, class_minibatch_std(h, labels)], axis=1)), h
