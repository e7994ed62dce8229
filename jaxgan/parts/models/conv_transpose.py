"""A SAME-padded strided transposed convolution as one matmul plus overlap-adds; params exactly as flax's.

Why not `nn.ConvTranspose`: XLA:CPU runs convolutions whose kernels are carried through a `lax.scan` (the
train step scans the updates) much more slowly than a matmul (see `jaxgan.models.conv.PatchConv`, the same
fix for strided convolutions). Here each input pixel is multiplied by the whole kernel at once
(`[B*h*w, cin] @ [cin, k*k*cout]`, exactly the needed multiply-adds: no zeros inserted between pixels) and
the `k*k` shifted copies are summed into the output grid by phase (output pixels `s*a + p` for each phase
`p < s`), using only pads, adds and a reshape.

`conv_transpose` picks the layer by `conv_impl`: "patches" (`PatchConvTranspose`, the default), "subpixel"
(`SubPixelConvTranspose`: one stride-1 conv with s*s times the outputs, then depth-to-space), "subpixel_rows"
(the same with contiguous-row patches) or "lax" (`nn.ConvTranspose`); all have the same parameters, and
tests/parts/test_conv_impls.py checks forward and gradients against `lax.conv_transpose`. On the shared machine the
sub-pixel form ran slower than the overlap-add form in the dcgan generator (its patches are 4*cin wide for
a conv with few outputs: the last layer has 1), so it is not the default.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.parts.models.conv import valid_patches


def _same_offset(k: int, s: int) -> int:
    """Where `lax.conv_transpose(..., "SAME")`'s output starts inside the full (VALID, `s*(h-1)+k`) output.

    lax pads the stride-dilated input by `pad_a` before a forward correlation with the unflipped kernel, with
    `pad_a = k - 1` when `s > k - 1`, else `ceil((k + s - 2) / 2)`.
    """
    pad_a = k - 1 if s > k - 1 else -(-(k + s - 2) // 2)
    return k - 1 - pad_a


def _overlap_add(cols: jax.Array, stride: int) -> jax.Array:
    """`out[s*i + t] += cols[:, i, t]` along one spatial axis: cols `[B, n, k, R]` (n positions, k taps, R the
    remaining axes flattened) -> `[B, s*(n + ceil(k/s) - 1), R]` (the full `s*(n-1) + k` rows, zero-padded
    to a multiple of s)."""
    b, n, k, r = cols.shape
    m = -(-k // stride)  # taps per phase
    cols = jnp.pad(cols, ((0, 0), (0, 0), (0, m * stride - k), (0, 0)))  # k -> m*s taps (extra taps are 0)
    cols = cols.reshape(b, n, m, stride, r)  # tap t = j*s + phase
    # Phase p of output row a = sum over j of cols[a - j, j, p]: shift each j-slice down by j rows, then sum.
    shifted = [jnp.pad(cols[:, :, j], ((0, 0), (j, m - 1 - j), (0, 0), (0, 0))) for j in range(m)]
    out = sum(shifted[1:], shifted[0])  # [B, n + m - 1, s, R]
    return out.reshape(b, (n + m - 1) * stride, r)


class PatchConvTranspose(nn.Module):
    """x [B, h, w, cin] -> [B, s*h, s*w, features], equal to
    `nn.ConvTranspose(features, (k, k), strides=(s, s), padding="SAME")` up to float rounding, with the same
    `kernel [k, k, cin, features]` and `bias` (checkpoints are interchangeable)."""

    features: int
    kernel_size: int = 4
    stride: int = 2
    kernel_init: nn.initializers.Initializer = nn.linear.default_kernel_init

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k, s, cin, cout = self.kernel_size, self.stride, x.shape[-1], self.features
        kernel = self.param("kernel", self.kernel_init, (k, k, cin, cout))
        bias = self.param("bias", nn.initializers.zeros_init(), (cout,))
        b, h, w, _ = x.shape
        # lax correlates the dilated input with the unflipped kernel, so input pixel i reaches full-output
        # position s*i + (k - 1 - d) through tap d: scatter with the flipped kernel.
        flipped = kernel[::-1, ::-1].transpose(2, 0, 1, 3).reshape(cin, k * k * cout)
        cols = (x.reshape(b * h * w, cin) @ flipped).reshape(b, h, w, k, k, cout)
        # Rows: [B, h, k, (w, k, cout)] -> [B, H', w*k*cout]; then columns the same way.
        rows = _overlap_add(cols.transpose(0, 1, 3, 2, 4, 5).reshape(b, h, k, w * k * cout), s)
        hh = rows.shape[1]
        cols = rows.reshape(b * hh, w, k, cout)
        full = _overlap_add(cols, s).reshape(b, hh, -1, cout)
        o = _same_offset(k, s)
        full = jnp.pad(full, ((0, 0), (0, max(0, o + s * h - hh)), (0, max(0, o + s * w - full.shape[2])), (0, 0)))
        return full[:, o:o + s * h, o:o + s * w] + bias


def _subpixel_taps(k: int, s: int) -> tuple[int, np.ndarray]:
    """(j0, taps [n, s]): output pixel `s*a + p` of the SAME transposed conv (one axis) is
    `sum_u x[a + j0 + u] * kernel[taps[u, p]]`, u < n; taps[u, p] = k marks a missing tap (a zero weight).

    From `PatchConvTranspose`: input pixel i reaches full-output position `s*i + k - 1 - d` through tap d, and
    the SAME output starts at full position `o`, so phase p reads taps `d = k - 1 - p - o + s*j` at input
    `a + j`; j0 .. j0 + n - 1 is the union of the phases' offsets j.
    """
    o = _same_offset(k, s)
    reach = {p: [j for j in range(-k, k + 1) if 0 <= k - 1 - p - o + s * j < k] for p in range(s)}
    offsets = [j for js in reach.values() for j in js]  # a phase has none when k < s: it is bias alone
    j0, n = min(offsets), max(offsets) - min(offsets) + 1
    taps = np.full((n, s), k)
    for p, js in reach.items():
        for j in js:
            taps[j - j0, p] = k - 1 - p - o + s * j
    return j0, taps


def _phase_windows(taps: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts [s], window_taps [m, s]): each phase's taps lie in offsets `starts[p] .. starts[p] + m - 1` of
    `_subpixel_taps`'s n, m the longest phase's span; `window_taps[v, p] = taps[starts[p] + v, p]` (k: none).

    For k = 4, s = 2 the phases read offsets {0, 1} and {1, 2} of n = 3: one 2x2 window per phase instead of
    the 3x3 union, so the stride-1 conv does (h+1)^2 / h^2 (not 9/4) times the overlap-add form's work.
    """
    n, s = taps.shape
    used = [np.flatnonzero(taps[:, p] < k) for p in range(s)]
    m = max((u[-1] - u[0] + 1 for u in used if len(u)), default=1)
    starts = np.array([min(u[0], n - m) if len(u) else 0 for u in used])
    return starts, np.stack([taps[starts[p]:starts[p] + m, p] for p in range(s)], axis=1)


class SubPixelConvTranspose(nn.Module):
    """`PatchConvTranspose`'s transposed conv (same params, equal outputs up to float rounding) as one
    stride-1 conv with s*s*features outputs followed by depth-to-space (Shi et al. 2016's sub-pixel conv).

    x [B, h, w, cin] -> [B, s*h, s*w, features]. Each output phase (p, q) < (s, s) is a stride-1 correlation
    of x with a sub-kernel of the (flipped, strided) kernel. The phases' sub-kernels are stacked on the
    output axis, `[m, m, cin, (p, q, features)]`, over the smallest window m that holds each phase's taps
    (zero where a phase lacks one; m = 2 for k = 4, 3 for k = 5 at s = 2); the conv runs over
    `h + n - m` positions (n: the union of the phases' input offsets) and phase p reads its outputs from
    position `starts[p]` on (`_phase_windows`): no overlap-add, only the interleave of the phases.
    `layout`: the patch layout (`jaxgan.parts.models.conv.valid_patches`).
    """

    features: int
    kernel_size: int = 4
    stride: int = 2
    kernel_init: nn.initializers.Initializer = nn.linear.default_kernel_init
    layout: str = "grid"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k, s, cin, cout = self.kernel_size, self.stride, x.shape[-1], self.features
        kernel = self.param("kernel", self.kernel_init, (k, k, cin, cout))
        bias = self.param("bias", nn.initializers.zeros_init(), (cout,))
        b, h, w, _ = x.shape
        j0, taps = _subpixel_taps(k, s)
        n = taps.shape[0]
        starts, window = _phase_windows(taps, k)
        m = window.shape[0]
        # A gather from the kernel with one zero tap appended (index k): exact in any matmul precision.
        padded = jnp.pad(kernel, ((0, 1), (0, 1), (0, 0), (0, 0)))
        sub = padded[window[:, :, None, None], window[None, None, :, :]]  # [u, p, v, q, cin, cout]
        sub = sub.transpose(0, 2, 4, 1, 3, 5).reshape(m * m * cin, s * s * cout)
        # x[a + j0 + u] for a < h, u < n: pad j0 below (negative: crop) and the rest above.
        xp = jax.lax.pad(x, jnp.zeros((), x.dtype),
                         ((0, 0, 0), (-j0, j0 + n - 1, 0), (-j0, j0 + n - 1, 0), (0, 0, 0)))
        patches, crop = valid_patches(xp, m, m, self.layout)
        y = crop(patches @ sub)
        y = y.reshape(*y.shape[:3], s, s, cout)  # [B, h + n - m, w + n - m, p, q, cout]
        if not starts.any():  # every phase starts at 0: a plain depth-to-space
            return y[:, :h, :w].transpose(0, 1, 3, 2, 4, 5).reshape(b, s * h, s * w, cout) + bias
        # out[b, s*a + p, s*c + q] = y[b, a + starts[p], c + starts[q], p, q].
        rows = jnp.stack([y[:, t:t + h, :, p] for p, t in enumerate(starts)], axis=2)  # [B, h, p, W', q, cout]
        out = jnp.stack([rows[:, :, :, t:t + w, q] for q, t in enumerate(starts)], axis=4)  # [B, h, p, w, q, c]
        return out.reshape(b, s * h, s * w, cout) + bias


CONV_TRANSPOSE_IMPLS = ("patches", "subpixel", "subpixel_rows", "lax")


def conv_transpose(impl: str, features: int, kernel_size: int, stride: int, kernel_init, name: str) -> nn.Module:
    """The transposed-conv layer for `impl`, all with `nn.ConvTranspose`'s params: "patches"
    (`PatchConvTranspose`), "subpixel" (`SubPixelConvTranspose`), "subpixel_rows" (the same with
    contiguous-row patches) or "lax" (`nn.ConvTranspose`)."""
    if impl == "patches":
        return PatchConvTranspose(features, kernel_size, stride, kernel_init=kernel_init, name=name)
    if impl in ("subpixel", "subpixel_rows"):
        layout = "grid" if impl == "subpixel" else "rows"
        return SubPixelConvTranspose(features, kernel_size, stride, kernel_init=kernel_init, layout=layout,
                                     name=name)
    if impl == "lax":
        return nn.ConvTranspose(features, (kernel_size, kernel_size), strides=(stride, stride), padding="SAME",
                                kernel_init=kernel_init, name=name)
    raise ValueError(f"conv_impl must be one of {', '.join(CONV_TRANSPOSE_IMPLS)}, got {impl!r}")
