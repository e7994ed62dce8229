"""Seed 003's ResNet CGAN: residual G (resize-convolution upsampling) and pre-activation residual D.

Seed 003 section 1.1: residual blocks in both networks, the generator's structure after Gulrajani et al.
(2017) and the discriminator's after He et al. (2016, identity mappings), batch norm after each convolution,
ReLU, Xavier initialisation, nearest-neighbour resize + convolution instead of transposed convolution
(Odena et al. 2016), the label concatenated in the middle of D (Reed et al. 2016), spectral normalisation.
Block layouts, widths, the 1x1 shortcuts, average-pool downsampling and the global sum pool (as in Miyato &
Koyama 2018) are ours: the seed's figures are not in its text.

Convolutions: `conv_impl="patches"` (default) uses `jaxgan.models.conv.PatchConv` (stride 1), which XLA:CPU
runs much faster than `nn.Conv` when the kernel is carried through the train step's `lax.scan`; `"lax"` uses
`nn.Conv` (e.g. for accelerators). Both have the same parameters.
"""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.parts.models import conditioning, lipschitz_layers
from jaxgan.parts.models.base import DISCRIMINATORS, GENERATORS
from jaxgan.parts.models.conv import conv_layer

XAVIER = nn.initializers.xavier_uniform()  # seed 003: Xavier (Glorot) initialisation
BN_MOMENTUM = 0.9  # ours: running statistics follow a fast-changing generator


def conv(features: int, kernel_size: int, impl: str, name: str) -> nn.Module:
    """A stride-1, SAME-padded `kernel_size` convolution with Xavier init: `PatchConv` or `nn.Conv`."""
    return conv_layer(impl, features, kernel_size, 1, XAVIER, name)


def upsample(x: jax.Array) -> jax.Array:
    """Nearest-neighbour resize `[B, H, W, C]` -> `[B, 2H, 2W, C]` (the 'resize' of resize-convolution)."""
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


def downsample(x: jax.Array) -> jax.Array:
    """2x2 average pooling `[B, H, W, C]` -> `[B, H//2, W//2, C]`."""
    return nn.avg_pool(x, (2, 2), strides=(2, 2))


class UpBlock(nn.Module):
    """G block: BN, ReLU, upsample, conv3x3, BN, ReLU, conv3x3, plus the upsampled input through a 1x1 conv.

    `[B, H, W, C] -> [B, 2H, 2W, features]`. With `code` given, the batch norms are conditional
    (`conditioning.ConditionalBatchNorm`).
    """

    features: int
    conv_impl: str = "patches"

    @nn.compact
    def __call__(self, x: jax.Array, code: jax.Array | None, train: bool) -> jax.Array:
        def norm(h, name):
            if code is not None:
                return conditioning.ConditionalBatchNorm(BN_MOMENTUM, name=name)(h, code, train)
            return nn.BatchNorm(use_running_average=not train, momentum=BN_MOMENTUM, name=name)(h)

        h = conv(self.features, 3, self.conv_impl, "conv_0")(upsample(nn.relu(norm(x, "bn_0"))))
        h = conv(self.features, 3, self.conv_impl, "conv_1")(nn.relu(norm(h, "bn_1")))
        return h + conv(self.features, 1, self.conv_impl, "shortcut")(upsample(x))


@GENERATORS.register("resnet", conditional=True, label_codes=True)
class ResNetGenerator(nn.Module):
    """(z [B, d], labels [B] int or codes [B, E]) -> images [B, H, W, C] in [-1, 1].

    [z, code(y)] -> dense -> [H/2^n, W/2^n, channels[0]] -> one `UpBlock` per entry of `channels` (n blocks)
    -> BN, ReLU, conv3x3 -> tanh. The label code is a learned embedding by default (seed 003 section 2 explores
    its "embedding vectors"); `conditional_bn` also feeds the code to every batch norm.
    """

    image_shape: tuple[int, int, int]
    num_classes: int = 10
    channels: Sequence[int] = (64, 64)
    label_code: str = "embed"
    code_features: int = 10
    conditional_bn: bool = False
    conv_impl: str = "patches"

    def setup(self):
        self.code = conditioning.LabelCode(self.num_classes, self.label_code, self.code_features)

    def label_codes(self, labels: jax.Array) -> jax.Array:
        """The code `[B, E]` G reads for each label (see the label-code contract)."""
        return self.code(labels)

    @nn.compact
    def __call__(self, z: jax.Array, labels: jax.Array, train: bool = False) -> jax.Array:
        h_out, w_out, c_out = self.image_shape
        scale = 2 ** len(self.channels)
        if h_out % scale or w_out % scale:
            raise ValueError(f"image size {h_out}x{w_out} is not divisible by 2^{len(self.channels)}")
        code = self.code(labels)
        h = nn.Dense(h_out // scale * w_out // scale * self.channels[0], kernel_init=XAVIER)(
            conditioning.join(z, code))
        h = h.reshape((z.shape[0], h_out // scale, w_out // scale, self.channels[0]))
        block_code = code if self.conditional_bn else None
        for i, width in enumerate(self.channels):
            h = UpBlock(width, self.conv_impl, name=f"block_{i}")(h, block_code, train)
        h = nn.BatchNorm(use_running_average=not train, momentum=BN_MOMENTUM, name="bn_out")(h)
        return jnp.tanh(conv(c_out, 3, self.conv_impl, "conv_out")(nn.relu(h)))


def preactivation(h: jax.Array, batch_norm: bool, train: bool, name: str) -> jax.Array:
    """ReLU, after batch norm when `batch_norm` (must be called inside a compact module)."""
    if batch_norm:
        h = nn.BatchNorm(use_running_average=not train, momentum=BN_MOMENTUM, name=name)(h)
    return nn.relu(h)


class DownBlock(nn.Module):
    """Pre-activation D block: [BN], ReLU, conv3x3, [BN], ReLU, conv3x3, then 2x2 average pooling; shortcut:
    1x1 conv (when the width changes or it downsamples) and pooling. `[B, H, W, C] -> [B, H/2, W/2, features]`.

    `preactivate=False` skips the first BN/ReLU (the image itself goes into the first block).
    """

    features: int
    downsample: bool = True
    preactivate: bool = True
    batch_norm: bool = False
    spectral_norm: bool = False
    conv_impl: str = "patches"

    @nn.compact
    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        def layer(h, kernel_size, name):
            return lipschitz_layers.apply_layer(conv(self.features, kernel_size, self.conv_impl, name), h,
                                                self.spectral_norm, train)

        h = preactivation(x, self.batch_norm, train, "bn_0") if self.preactivate else x
        h = layer(preactivation(layer(h, 3, "conv_0"), self.batch_norm, train, "bn_1"), 3, "conv_1")
        shortcut = x
        if self.downsample or x.shape[-1] != self.features:
            shortcut = layer(x, 1, "shortcut")
        if self.downsample:
            h, shortcut = downsample(h), downsample(shortcut)
        return h + shortcut


@DISCRIMINATORS.register("resnet", conditional=lambda d: d.conditioning != "none")
class ResNetDiscriminator(nn.Module):
    """(images [B, H, W, C], labels [B] int or codes [B, E]) -> (logits [B, num_outputs], features [B, channels[-1]]).

    One `DownBlock` per entry of `channels` (all but the last halve the resolution: 28 -> 14 -> 7 -> 7), then
    [BN], ReLU, a global sum pool (the features phi(x)) and a dense head psi. Conditioning:
    - "concat": the label code (`label_code`: one-hot or embedding) joins the feature maps as extra channels
      before block `join_at` (0 = at the input, 1 = after the first block: seed 003's mid-network join);
    - "projection": logit = psi(phi(x)) + <embed(y), phi(x)> (Miyato & Koyama 2018); needs num_outputs = 1;
    - "none": unconditional.
    `spectral_norm` wraps every convolution and the head in flax's `nn.SpectralNorm` (not the embedding).
    """

    num_outputs: int = 1
    num_classes: int = 10
    channels: Sequence[int] = (64, 128, 128)
    conditioning: str = "concat"
    join_at: int = 1
    label_code: str = "onehot"
    code_features: int = 0
    batch_norm: bool = False
    spectral_norm: bool = False
    conv_impl: str = "patches"

    def setup(self):
        if self.conditioning not in ("concat", "projection", "none"):
            raise ValueError(f"conditioning must be 'concat', 'projection' or 'none', got {self.conditioning!r}")
        if self.conditioning == "projection" and self.num_outputs != 1:
            raise ValueError(f"a projection discriminator has one output, the objective needs {self.num_outputs}")
        if not 0 <= self.join_at < len(self.channels):
            raise ValueError(f"join_at must be in [0, {len(self.channels) - 1}], got {self.join_at}")
        if self.conditioning == "projection":
            self.code = conditioning.LabelCode(self.num_classes, "embed", self.channels[-1])
        else:
            self.code = conditioning.LabelCode(self.num_classes, self.label_code, self.code_features)

    @nn.compact
    def __call__(self, x: jax.Array, labels: jax.Array, train: bool = False) -> tuple[jax.Array, jax.Array]:
        h = x
        last = len(self.channels) - 1
        for i, width in enumerate(self.channels):
            if self.conditioning == "concat" and i == self.join_at:
                h = conditioning.join(h, self.code(labels))
            h = DownBlock(width, downsample=i < last, preactivate=i > 0, batch_norm=self.batch_norm,
                          spectral_norm=self.spectral_norm, conv_impl=self.conv_impl, name=f"block_{i}")(h, train)
        features = jnp.sum(preactivation(h, self.batch_norm, train, "bn_out"), axis=(1, 2))
        head = nn.Dense(self.num_outputs, kernel_init=XAVIER, name="head")
        logits = lipschitz_layers.apply_layer(head, features, self.spectral_norm, train)
        if self.conditioning == "projection":
            logits = conditioning.projection_logit(logits, features, self.code(labels))
        return logits, features
