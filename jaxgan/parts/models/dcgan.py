"""DCGAN networks (Radford et al. 2016; seed 002's "conventional DCGAN", seed 004's light DCGAN).

Architecture (defaults = the `dcgan` variant, 28x28x1 images, latent z of size d; every kernel and the
dense layers start N(0, 0.02) as in DCGAN; every layer has a bias; "norm" is batch norm (per channel,
eps 1e-5, running-average momentum 0.9) or, as an option, virtual batch norm (`jaxgan.models.normalization`)):

* Generator: z [B, d] -> Dense(7*7*128) -> reshape [B, 7, 7, 128] -> norm -> ReLU
  -> ConvTranspose(64, 4x4, stride 2, SAME) [B, 14, 14, 64] -> norm -> ReLU
  -> ConvTranspose(1, 4x4, stride 2, SAME) [B, 28, 28, 1] -> tanh.
  In general `channels = (c0, ..., c_{n-1})` gives n stride-2 transposed convs from a
  ceil(H/2^n) x ceil(W/2^n) x c0 projection, widths c1, ..., c_{n-1}, then the image's C; the output is
  cropped to H x W.
* Discriminator: x [B, 28, 28, 1] -> Conv(32, 4x4, stride 2, SAME) [B, 14, 14, 32] -> LeakyReLU(0.2)
  -> Conv(64, 4x4, s2) [B, 7, 7, 64] -> norm -> LeakyReLU(0.2)
  -> Conv(128, 4x4, s2) [B, 4, 4, 128] -> norm -> LeakyReLU(0.2)
  -> flatten: features [B, 2048] (the penultimate layer, given to the MMD regulariser) -> Dense(1) logit.
  No norm on the first layer (DCGAN); optional dropout after each block.
* `dcgan_small` (seed 004's light DCGAN, widths ours): G channels (64, 32), 5x5 kernels, LeakyReLU(0.2),
  virtual batch norm: z -> Dense(7*7*64) -> VBN -> LReLU -> ConvT(32, 5, s2) -> VBN -> LReLU -> ConvT(1, 5, s2)
  -> tanh; D: Conv(32, 5, s2) -> LReLU -> Conv(64, 5, s2) -> VBN -> LReLU -> features [B, 3136] -> Dense(1).

SAME padding as TensorFlow/XLA: a stride-2 conv maps n -> ceil(n/2), padding max((ceil(n/2)-1)*2 + k - n, 0)
pixels split with the odd one at the bottom/right (28 -> 14 with k=4: (1, 1) = PyTorch's padding=1; 7 -> 4 with
k=4: (1, 2), so a PyTorch peer pads explicitly); a stride-2 transposed conv maps n -> 2n and equals PyTorch's
ConvTranspose2d(k, stride 2, padding 0) with the kernel flipped in both spatial axes, cropped to rows and columns
[1, 2n + 1) for k = 4 and 5 (for k=4 this is ConvTranspose2d(4, 2, padding=1)).
`conv_impl="patches"` computes convs as matmuls (fast on CPU inside the scanned train step), "lax" with
flax's `nn.Conv` / `nn.ConvTranspose`; both have the same parameters.
"""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.parts.models import layers, normalization
from jaxgan.parts.models.base import DISCRIMINATORS, GENERATORS
from jaxgan.parts.models.conv import conv_layer
from jaxgan.parts.models.conv_transpose import conv_transpose

dcgan_init = nn.initializers.normal(0.02)  # DCGAN: all weights from N(0, 0.02)


def activation(name: str, h: jax.Array, negative_slope: float) -> jax.Array:
    """ReLU or LeakyReLU(negative_slope) by name."""
    if name == "relu":
        return nn.relu(h)
    if name == "leaky_relu":
        return nn.leaky_relu(h, negative_slope)
    raise ValueError(f"activation must be 'relu' or 'leaky_relu', got {name!r}")


@GENERATORS.register("dcgan", conditional=False, label_codes=False)
class DCGANGenerator(nn.Module):
    """z [B, d] -> images [B, H, W, C] in [-1, 1] (see the module docstring for the layers)."""

    image_shape: tuple[int, int, int]
    num_classes: int = 10
    channels: Sequence[int] = (128, 64)
    kernel_size: int = 4
    norm: str = "batch"  # "batch" | "virtual" | "none"
    activation: str = "relu"
    negative_slope: float = 0.2
    reference_size: int = 64  # virtual batch norm's reference batch
    bn_momentum: float = 0.9
    conv_impl: str = "patches"

    @nn.compact
    def __call__(self, z: jax.Array, labels: jax.Array | None = None, train: bool = False) -> jax.Array:
        del labels  # unconditional
        height, width, out_channels = self.image_shape
        n = len(self.channels)
        h0, w0 = -(-height // 2 ** n), -(-width // 2 ** n)
        norm_act = lambda h, name: activation(self.activation, normalization.normalize(
            self.norm, h, train, reference_size=self.reference_size, momentum=self.bn_momentum, name=name),
            self.negative_slope)

        z = normalization.with_reference(self.norm, z, train, self.reference_size)
        h = nn.Dense(h0 * w0 * self.channels[0], kernel_init=dcgan_init, name="Dense_0")(z)
        h = norm_act(h.reshape((-1, h0, w0, self.channels[0])), "Norm_0")
        for i, features in enumerate((*self.channels[1:], out_channels)):
            h = conv_transpose(self.conv_impl, features, self.kernel_size, 2, dcgan_init, f"ConvTranspose_{i}")(h)
            if i < n - 1:
                h = norm_act(h, f"Norm_{i + 1}")
        h = normalization.drop_reference(self.norm, h, self.reference_size)
        return jnp.tanh(h[:, :height, :width])


@DISCRIMINATORS.register("dcgan", conditional=False)
class DCGANDiscriminator(nn.Module):
    """images [B, H, W, C] -> (logits [B, num_outputs], features [B, h*w*channels[-1]]).

    Stride-2 convs (`channels` wide, SAME padding), norm on every block but the first, LeakyReLU, optional
    dropout (rate may be traced); features = the flattened last block; a dense head.
    """

    num_outputs: int = 1
    num_classes: int = 10
    channels: Sequence[int] = (32, 64, 128)
    kernel_size: int = 4
    norm: str = "batch"
    negative_slope: float = 0.2
    dropout: float = 0.0
    reference_size: int = 64
    bn_momentum: float = 0.9
    conv_impl: str = "patches"

    @nn.compact
    def __call__(self, x: jax.Array, labels: jax.Array | None = None,
                 train: bool = False) -> tuple[jax.Array, jax.Array]:
        del labels  # unconditional
        h = normalization.with_reference(self.norm, x, train, self.reference_size)
        for i, features in enumerate(self.channels):
            h = conv_layer(self.conv_impl, features, self.kernel_size, 2, dcgan_init, f"Conv_{i}")(h)
            if i > 0:
                h = normalization.normalize(self.norm, h, train, reference_size=self.reference_size,
                                            momentum=self.bn_momentum, name=f"Norm_{i}")
            h = nn.leaky_relu(h, self.negative_slope)
            h = layers.Dropout(self.dropout)(h, deterministic=not train)
        h = normalization.drop_reference(self.norm, h, self.reference_size)
        features = h.reshape((h.shape[0], -1))
        return nn.Dense(self.num_outputs, kernel_init=dcgan_init, name="Dense_0")(features), features
