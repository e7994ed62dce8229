"""Seed 001's convolutional critic (section 3.3): four stride-2 conv + LeakyReLU(0.2) blocks, linear head."""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax

from jaxgan.models import lipschitz_layers


class ConvDiscriminator(nn.Module):
    """images [B, H, W, C] -> (logits [B, num_outputs], features [B, h*w*channels[-1]]).

    Each block is a `kernel_size` conv with stride 2 and SAME padding, halving the resolution
    (28 -> 14 -> 7 -> 4 -> 2), then LeakyReLU(negative_slope) and, when `dropout` > 0, dropout (off by
    default: the seed found it better without). Filters: 16 in the first block, doubling in each later one.
    Features are the flattened last block (2*2*128 = 512 for 28x28 inputs). `spectral_norm` wraps every
    layer (head included) in flax's `nn.SpectralNorm`; `normalize_init` divides each initial kernel by its
    spectral norm.
    """

    num_outputs: int = 1
    num_classes: int = 10
    channels: Sequence[int] = (16, 32, 64, 128)
    kernel_size: int = 3
    negative_slope: float = 0.2
    dropout: float = 0.0
    spectral_norm: bool = False
    normalize_init: bool = False

    @nn.compact
    def __call__(self, x: jax.Array, labels: jax.Array | None = None,
                 train: bool = False) -> tuple[jax.Array, jax.Array]:
        del labels  # unconditional
        init = lipschitz_layers.kernel_init(self.normalize_init)
        h = x
        for width in self.channels:
            conv = nn.Conv(width, (self.kernel_size, self.kernel_size), strides=(2, 2), padding="SAME",
                           kernel_init=init)
            h = nn.leaky_relu(lipschitz_layers.apply_layer(conv, h, self.spectral_norm, train), self.negative_slope)
            if self.dropout > 0:
                h = nn.Dropout(self.dropout, deterministic=not train)(h)
        features = h.reshape((h.shape[0], -1))
        head = nn.Dense(self.num_outputs, kernel_init=init)
        return lipschitz_layers.apply_layer(head, features, self.spectral_norm, train), features
