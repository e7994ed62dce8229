"""Seed 001's convolutional critic (section 3.3): four stride-2 conv + LeakyReLU(0.2) blocks, linear head."""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.parts.models import layers, lipschitz_layers
from jaxgan.parts.models.base import DISCRIMINATORS


class PatchConv(nn.Module):
    """A SAME-padded strided convolution as one matmul over gathered patches; params exactly as `nn.Conv`'s.

    x [B, H, W, C] -> [B, ceil(H/s), ceil(W/s), features]. Why not `nn.Conv`: XLA:CPU runs a convolution
    whose kernel is carried through a `lax.scan` (our train step scans the critic's updates) several times
    slower than the same convolution outside a loop (~5x for this critic's fwd+bwd; wgan_gp_conv's whole
    train step ran 17x faster with this module); strided slices plus a matmul are as fast inside the scan as
    outside. Same `kernel` `[kh, kw, in, out]` and `bias`,
    same outputs as `nn.Conv(features, (k, k), strides=(s, s), padding="SAME")` up to float rounding.
    """

    features: int
    kernel_size: int = 3
    stride: int = 2
    kernel_init: nn.initializers.Initializer = nn.linear.default_kernel_init

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k, s, cin = self.kernel_size, self.stride, x.shape[-1]
        kernel = self.param("kernel", self.kernel_init, (k, k, cin, self.features))
        bias = self.param("bias", nn.initializers.zeros_init(), (self.features,))
        h, w = x.shape[1:3]
        out_h, out_w = -(-h // s), -(-w // s)
        # SAME padding as XLA computes it: the total pad, with the odd pixel at the bottom/right.
        pad_h, pad_w = max((out_h - 1) * s + k - h, 0), max((out_w - 1) * s + k - w, 0)
        xp = jnp.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
        # patches[b, i, j, (di*k + dj)*cin + c] = xp[b, s*i + di, s*j + dj, c]: the kernel's [kh, kw, in] order.
        patches = jnp.concatenate([xp[:, di:di + s * (out_h - 1) + 1:s, dj:dj + s * (out_w - 1) + 1:s, :]
                                   for di in range(k) for dj in range(k)], axis=-1)
        return patches @ kernel.reshape(k * k * cin, self.features) + bias


def conv_layer(impl: str, features: int, kernel_size: int, stride: int, kernel_init, name: str) -> nn.Module:
    """A SAME-padded strided conv for `impl`: "patches" (`PatchConv`) or "lax" (`nn.Conv`), same params."""
    if impl == "patches":
        return PatchConv(features, kernel_size, stride, kernel_init=kernel_init, name=name)
    if impl == "lax":
        return nn.Conv(features, (kernel_size, kernel_size), strides=(stride, stride), padding="SAME",
                       kernel_init=kernel_init, name=name)
    raise ValueError(f"conv_impl must be 'patches' or 'lax', got {impl!r}")


@DISCRIMINATORS.register("conv", conditional=False)
class ConvDiscriminator(nn.Module):
    """images [B, H, W, C] -> (logits [B, num_outputs], features [B, h*w*channels[-1]]).

    Each block is a `kernel_size` conv with stride 2 and SAME padding, halving the resolution
    (28 -> 14 -> 7 -> 4 -> 2), then LeakyReLU(negative_slope) and, when `dropout` > 0, dropout (off by
    default: the seed found it better without). Filters: 16 in the first block, doubling in each later one.
    Features are the flattened last block (2*2*128 = 512 for 28x28 inputs). `spectral_norm` wraps every
    layer (head included) in flax's `nn.SpectralNorm`; `normalize_init` divides each initial kernel by its
    spectral norm. `conv_impl`: "patches" (`PatchConv`, fast on CPU inside the scanned train step) or "lax"
    (`nn.Conv`, e.g. for accelerators); both have the same parameters, so checkpoints are interchangeable.
    """

    num_outputs: int = 1
    num_classes: int = 10
    channels: Sequence[int] = (16, 32, 64, 128)
    kernel_size: int = 3
    negative_slope: float = 0.2
    dropout: float = 0.0
    spectral_norm: bool = False
    normalize_init: bool = False
    conv_impl: str = "patches"

    def _conv(self, width: int, init, name: str) -> nn.Module:
        return conv_layer(self.conv_impl, width, self.kernel_size, 2, init, name)

    @nn.compact
    def __call__(self, x: jax.Array, labels: jax.Array | None = None,
                 train: bool = False) -> tuple[jax.Array, jax.Array]:
        del labels  # unconditional
        init = lipschitz_layers.kernel_init(self.normalize_init)
        h = x
        for i, width in enumerate(self.channels):
            h = lipschitz_layers.apply_layer(self._conv(width, init, f"Conv_{i}"), h, self.spectral_norm, train)
            h = nn.leaky_relu(h, self.negative_slope)
            h = layers.Dropout(self.dropout)(h, deterministic=not train)
        features = h.reshape((h.shape[0], -1))
        head = nn.Dense(self.num_outputs, kernel_init=init, name="Dense_0")
        return lipschitz_layers.apply_layer(head, features, self.spectral_norm, train), features
