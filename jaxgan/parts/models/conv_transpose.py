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


def conv_transpose(impl: str, features: int, kernel_size: int, stride: int, kernel_init, name: str) -> nn.Module:
    """The transposed-conv layer for `impl` ("patches": `PatchConvTranspose`; "lax": `nn.ConvTranspose`)."""
    if impl == "patches":
        return PatchConvTranspose(features, kernel_size, stride, kernel_init=kernel_init, name=name)
    if impl == "lax":
        return nn.ConvTranspose(features, (kernel_size, kernel_size), strides=(stride, stride), padding="SAME",
                                kernel_init=kernel_init, name=name)
    raise ValueError(f"conv_impl must be 'patches' or 'lax', got {impl!r}")
