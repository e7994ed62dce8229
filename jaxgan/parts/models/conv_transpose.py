"""A SAME-padded strided transposed convolution as one matmul plus overlap-adds; params exactly as flax's.

Why not `nn.ConvTranspose`: XLA:CPU runs convolutions whose kernels are carried through a `lax.scan` (the
train step scans the updates) much more slowly than a matmul (see `jaxgan.models.conv.PatchConv`, the same
fix for strided convolutions). Here each input pixel is multiplied by the whole kernel at once
(`[B*h*w, cin] @ [cin, k*k*cout]`, exactly the needed multiply-adds: no zeros inserted between pixels) and
the `k*k` shifted copies are summed into the output grid by phase (output pixels `s*a + p` for each phase
`p < s`), using only pads, adds and a reshape.
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


class SubPixelConvTranspose(nn.Module):
    """`PatchConvTranspose`'s transposed conv (same params, equal outputs up to float rounding) as one
    stride-1 conv with s*s*features outputs followed by depth-to-space (Shi et al. 2016's sub-pixel conv).

    x [B, h, w, cin] -> [B, s*h, s*w, features]. Each output phase (p, q) < (s, s) is a stride-1 correlation
    of x with a sub-kernel of the (flipped, strided) kernel; the phases' sub-kernels are stacked on the output
    axis, zero where a phase lacks a tap, `[n, n, cin, (p, q, features)]` (n = 3 for k = 4 or 5, s = 2: 2.25x
    the multiply-adds of the overlap-add form for k = 4), so there is no overlap-add and no output transpose
    but one. `layout`: the patch layout (`jaxgan.parts.models.conv.valid_patches`).
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
        # A gather from the kernel with one zero tap appended (index k): exact in any matmul precision.
        padded = jnp.pad(kernel, ((0, 1), (0, 1), (0, 0), (0, 0)))
        sub = padded[taps[:, :, None, None], taps[None, None, :, :]]  # [u, p, v, q, cin, cout]
        sub = sub.transpose(0, 2, 4, 1, 3, 5).reshape(n * n * cin, s * s * cout)
        # x[a + j0 + u] for a < h, u < n: pad j0 below (negative: crop) and the rest above.
        xp = jax.lax.pad(x, jnp.zeros((), x.dtype),
                         ((0, 0, 0), (-j0, j0 + n - 1, 0), (-j0, j0 + n - 1, 0), (0, 0, 0)))
        patches, crop = valid_patches(xp, n, n, self.layout)
        phases = crop(patches @ sub).reshape(b, h, w, s, s, cout)
        return phases.transpose(0, 1, 3, 2, 4, 5).reshape(b, s * h, s * w, cout) + bias


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
