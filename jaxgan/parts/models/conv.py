"""Seed 001's convolutional critic (section 3.3): four stride-2 conv + LeakyReLU(0.2) blocks, linear head;
and the SAME-padded convolutions the conv networks choose by their `conv_impl` field (`conv_layer`).

Implementations, all with `nn.Conv`'s parameters (checkpoints are interchangeable) and outputs equal up to
float rounding (tests/parts/test_conv_impls.py checks forward and gradients against `lax.conv_general_dilated`):
"patches" (`PatchConv`, the default: stride-s patch gathers + one matmul), "s2d" (`SpaceToDepthConv`:
space-to-depth, then stride-1 patches + one matmul), "rows" (the same with contiguous-row patches,
`valid_patches`), "lax" (`nn.Conv`, slow on CPU inside the scanned train step). Kept selectable for the
idle-machine measurements of issue 17; on the shared machine "s2d" ran about as fast as "patches" in the
dcgan step, "rows" slower.
"""

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
    slower than the same convolution outside a loop (measured during development; no timing of it is
    committed: benchmarks/RESULTS.md times only the default implementation); strided slices plus a matmul are
    as fast inside the scan as outside. Same `kernel` `[kh, kw, in, out]` and `bias`,
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


def same_pads(size: int, kernel_size: int, stride: int) -> tuple[int, int]:
    """(before, after) SAME padding of one axis as XLA computes it: the odd pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel_size - size, 0)
    return total // 2, total - total // 2


def valid_patches(xp: jax.Array, kh: int, kw: int, layout: str = "grid") -> jax.Array:
    """The stride-1 VALID patches of xp [B, Hp, Wp, C] as `(patches [R, kh*kw*C], crop)`, columns in a
    kernel's `[kh, kw, in]` order; `crop(patches @ kernel [R, F]) -> [B, oh, ow, F]` (oh = Hp-kh+1, ow = Wp-kw+1).

    layout "grid": kh*kw shifted 4-D windows of xp concatenated on the channel axis. "rows": xp flattened to
    [B*Hp*Wp, C] rows, so each tap's window is one contiguous run of rows (shifted by di*Wp + dj); the matmul
    then also computes the (discarded) positions past each row's and image's end: R = B*Hp*Wp, not B*oh*ow.
    """
    b, hp, wp, c = xp.shape
    oh, ow = hp - kh + 1, wp - kw + 1
    if layout == "grid":
        patches = jnp.concatenate([xp[:, di:di + oh, dj:dj + ow, :] for di in range(kh) for dj in range(kw)],
                                  axis=-1).reshape(b * oh * ow, kh * kw * c)
        return patches, lambda y: y.reshape(b, oh, ow, y.shape[-1])
    if layout == "rows":
        n, last = b * hp * wp, (kh - 1) * wp + kw - 1
        flat = jnp.pad(xp.reshape(n, c), ((0, last), (0, 0)))
        patches = jnp.concatenate([flat[di * wp + dj:di * wp + dj + n] for di in range(kh) for dj in range(kw)],
                                  axis=-1)
        return patches, lambda y: y.reshape(b, hp, wp, y.shape[-1])[:, :oh, :ow]
    raise ValueError(f"patch layout must be 'grid' or 'rows', got {layout!r}")


def space_to_depth(x: jax.Array, s: int) -> jax.Array:
    """x [B, s*M, s*N, C] -> [B, M, N, s*s*C]; out[b, m, n, (r, t, c)] = x[b, s*m + r, s*n + t, c]."""
    b, h, w, c = x.shape
    return x.reshape(b, h // s, s, w // s, s, c).transpose(0, 1, 3, 2, 4, 5).reshape(b, h // s, w // s, s * s * c)


class SpaceToDepthConv(nn.Module):
    """`PatchConv`'s convolution (same params, same outputs up to float rounding) computed stride 1: the
    SAME-padded input's s x s blocks become channels, and the kernel, zero-padded to a multiple of s taps,
    is rearranged to match: `[ceil(k/s), ceil(k/s), s*s*in, out]`.

    x [B, H, W, C] -> [B, ceil(H/s), ceil(W/s), features]. Why: its patch windows are stride-1 (contiguous
    channel runs) instead of stride-s gathers, and their gradient is s*s-fold fewer scattered adds; for
    k = 2s the patches hold the same number of values. `layout`: see `valid_patches`. Stride 1 is plain
    stride-1 patches.
    """

    features: int
    kernel_size: int = 3
    stride: int = 2
    kernel_init: nn.initializers.Initializer = nn.linear.default_kernel_init
    layout: str = "grid"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k, s, cin = self.kernel_size, self.stride, x.shape[-1]
        kernel = self.param("kernel", self.kernel_init, (k, k, cin, self.features))
        bias = self.param("bias", nn.initializers.zeros_init(), (self.features,))
        b, h, w, _ = x.shape
        out_h, out_w = -(-h // s), -(-w // s)
        ke = -(-k // s)  # taps per axis of the stride-1 conv on blocks
        (top, _), (left, _) = same_pads(h, k, s), same_pads(w, k, s)
        # Blocks m = 0 .. out + ke - 2 cover every input row an output reads; rows past the SAME padding meet
        # only the kernel's zero taps (indices >= k).
        rows, cols = s * (out_h + ke - 1), s * (out_w + ke - 1)
        xp = jnp.pad(x, ((0, 0), (top, rows - h - top), (left, cols - w - left), (0, 0)))
        z = space_to_depth(xp, s) if s > 1 else xp
        # kernel'[e, f, (r, t, c), o] = kernel[s*e + r, s*f + t, c, o] (0 where s*e + r >= k).
        kz = jnp.pad(kernel, ((0, s * ke - k), (0, s * ke - k), (0, 0), (0, 0)))
        kz = kz.reshape(ke, s, ke, s, cin, self.features).transpose(0, 2, 1, 3, 4, 5)
        patches, crop = valid_patches(z, ke, ke, self.layout)
        return crop(patches @ kz.reshape(ke * ke * s * s * cin, self.features)) + bias


CONV_IMPLS = ("patches", "s2d", "rows", "lax")


def conv_layer(impl: str, features: int, kernel_size: int, stride: int, kernel_init, name: str) -> nn.Module:
    """A SAME-padded strided conv for `impl`, all with `nn.Conv`'s params: "patches" (`PatchConv`),
    "s2d" (`SpaceToDepthConv`, grid patches), "rows" (`SpaceToDepthConv` with contiguous-row patches) or
    "lax" (`nn.Conv`)."""
    if impl == "patches":
        return PatchConv(features, kernel_size, stride, kernel_init=kernel_init, name=name)
    if impl in ("s2d", "rows"):
        layout = "grid" if impl == "s2d" else "rows"
        return SpaceToDepthConv(features, kernel_size, stride, kernel_init=kernel_init, layout=layout, name=name)
    if impl == "lax":
        return nn.Conv(features, (kernel_size, kernel_size), strides=(stride, stride), padding="SAME",
                       kernel_init=kernel_init, name=name)
    raise ValueError(f"conv_impl must be one of {', '.join(CONV_IMPLS)}, got {impl!r}")


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
