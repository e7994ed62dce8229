"""Differentiable augmentation of every discriminator input (DiffAugment, Zhao et al. 2020).

`config.augment.policy` is a comma-separated list of operations (`""` = none), applied in order to real and
fake batches alike, in both players' updates, with per-sample randomness drawn from an explicit key.
Each operation (`contracts.Augmentation`) registers with `@AUGMENTATIONS.register(name)`.
"""

from __future__ import annotations

from typing import Any, Mapping

import jax
import jax.numpy as jnp

from jaxgan.parts import contracts
from jaxgan.registry import Registry

Augmentation = contracts.Augmentation  # (x [B, H, W, C], key) -> x

# op name -> function (x [B, H, W, C], key) -> x.
AUGMENTATIONS: Registry[Augmentation] = Registry("augmentation")


def _per_sample_uniform(key: jax.Array, x: jax.Array) -> jax.Array:
    """U[0, 1) draws `[B, 1, 1, 1]`, one per sample, broadcasting over the image."""
    return jax.random.uniform(key, (x.shape[0], 1, 1, 1), x.dtype)


@AUGMENTATIONS.register("brightness")
def brightness(x: jax.Array, key: jax.Array) -> jax.Array:
    """Adds one offset ~ U[-0.5, 0.5) per sample (DiffAugment's scale, for images in [-1, 1])."""
    return x + (_per_sample_uniform(key, x) - 0.5)


@AUGMENTATIONS.register("saturation")
def saturation(x: jax.Array, key: jax.Array) -> jax.Array:
    """Scales each pixel's deviation from its channel mean by U[0, 2); the identity on one channel."""
    mean = x.mean(axis=-1, keepdims=True)
    return (x - mean) * (2.0 * _per_sample_uniform(key, x)) + mean


@AUGMENTATIONS.register("contrast")
def contrast(x: jax.Array, key: jax.Array) -> jax.Array:
    """Scales each sample's deviation from its own mean by U[0.5, 1.5)."""
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    return (x - mean) * (_per_sample_uniform(key, x) + 0.5) + mean


@AUGMENTATIONS.register("color")
def color(x: jax.Array, key: jax.Array) -> jax.Array:
    """DiffAugment's "color": brightness, saturation, contrast (independent draws). Not range-preserving."""
    k_b, k_s, k_c = jax.random.split(key, 3)
    return contrast(saturation(brightness(x, k_b), k_s), k_c)


def translate(x: jax.Array, shifts: jax.Array) -> jax.Array:
    """Moves sample b by `shifts[b] = (dy, dx)` pixels (int `[B, 2]`), filling uncovered pixels with 0.

    out[b, i, j] = x[b, i - dy, j - dx] where that lies inside the image: a gather whose indices depend
    only on the shifts, so gradients flow to the moved pixels.
    """
    b, h, w, _ = x.shape
    rows = jnp.arange(h)[None, :] - shifts[:, :1]  # [B, H] source row of each output row
    cols = jnp.arange(w)[None, :] - shifts[:, 1:]  # [B, W]
    inside = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]  # [B, H, W]
    rows, cols = jnp.clip(rows, 0, h - 1), jnp.clip(cols, 0, w - 1)
    moved = x[jnp.arange(b)[:, None, None], rows[:, :, None], cols[:, None, :]]  # [B, H, W, C]
    return jnp.where(inside[..., None], moved, jnp.zeros_like(moved))


@AUGMENTATIONS.register("translation")
def translation(x: jax.Array, key: jax.Array, ratio: float = 0.125) -> jax.Array:
    """Random shift of each sample by up to `ratio` of the image size per axis (DiffAugment: 1/8)."""
    b, h, w, _ = x.shape
    max_shift = jnp.array([int(h * ratio + 0.5), int(w * ratio + 0.5)])
    shifts = jax.random.randint(key, (b, 2), -max_shift, max_shift + 1)
    return translate(x, shifts)


def cutout_mask(shape: tuple[int, ...], key: jax.Array, ratio: float = 0.5) -> jax.Array:
    """`[B, H, W, 1]` mask, 0 on one square of side `ratio * size` per sample (may overhang the border)."""
    b, h, w = shape[:3]
    size_h, size_w = int(h * ratio + 0.5), int(w * ratio + 0.5)
    k_y, k_x = jax.random.split(key)
    # Square centres as in DiffAugment: anywhere, so edge pixels are as likely to be cut as central ones.
    cy = jax.random.randint(k_y, (b, 1), 0, h + (1 - size_h % 2))
    cx = jax.random.randint(k_x, (b, 1), 0, w + (1 - size_w % 2))
    top, left = cy - size_h // 2, cx - size_w // 2
    in_rows = (jnp.arange(h)[None] >= top) & (jnp.arange(h)[None] < top + size_h)  # [B, H]
    in_cols = (jnp.arange(w)[None] >= left) & (jnp.arange(w)[None] < left + size_w)  # [B, W]
    return 1.0 - (in_rows[:, :, None] & in_cols[:, None, :])[..., None].astype(jnp.float32)


@AUGMENTATIONS.register("cutout")
def cutout(x: jax.Array, key: jax.Array, ratio: float = 0.5) -> jax.Array:
    """Zeroes a square of half the image size at a random place in each sample."""
    return x * cutout_mask(x.shape, key, ratio).astype(x.dtype)


def diff_augment(x: jax.Array, key: jax.Array, policy: str = "translation,cutout") -> jax.Array:
    """Applies the operations of `policy` in order; each draws its own randomness from `key`."""
    for i, name in enumerate(op for op in policy.split(",") if op):
        x = AUGMENTATIONS.get(name)(x, jax.random.fold_in(key, i))
    return x


def build(cfg: Mapping[str, Any]) -> Augmentation:
    """The augmentation a config asks for (identity when the policy is empty)."""
    policy = cfg.get("policy", "")
    for op in policy.split(","):
        if op:
            AUGMENTATIONS.get(op)  # one-line error for an unknown name, before anything is traced
    if not policy:
        return lambda x, key: x
    return lambda x, key: diff_augment(x, key, policy)
