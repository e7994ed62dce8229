"""Per-class sample grids: one row per latent component / class, for conditional priors such as GM-GAN.

    images = class_grid(gan, state, jax.random.PRNGKey(0), per_class=8)  # [K * 8, H, W, C] in [-1, 1]
    save_grid(images, "samples/classes.png", rows=num_components(gan))

Row k shows samples drawn with y = k (the labels go through `gan.generate` to the prior, so a mixture
prior samples from its component k and a conditional generator/objective sees class k).
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np


def num_components(gan) -> int:
    """K: the prior's number of components if it has one, else the dataset's number of classes."""
    k = getattr(gan.prior, "num_components", 0)
    return int(k) or int(gan.num_classes)


def grid_labels(labels, per_class: int) -> jax.Array:
    """int32 `[len(labels) * per_class]`: each label repeated `per_class` times (row-major grid order)."""
    return jnp.repeat(jnp.asarray(labels, jnp.int32), per_class)


def class_grid(gan, state, key: jax.Array, per_class: int, labels=None, use_ema: bool = True) -> jax.Array:
    """Samples `[len(labels) * per_class, H, W, C]` in [-1, 1], `per_class` consecutive ones per label.

    `labels` defaults to every component 0..K-1 (one grid row each).
    """
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    labels = np.arange(num_components(gan)) if labels is None else np.asarray(labels)
    y = grid_labels(labels, per_class)
    return gan.generate(state, key, int(y.shape[0]), y, use_ema=use_ema)


def tile(images, rows: int) -> np.ndarray:
    """`[N, H, W, C]` in [-1, 1] -> one uint8 image `[rows * H, cols * W, C]`, filled row by row."""
    images = np.asarray(images, np.float32)
    n, h, w, c = images.shape
    if rows < 1 or n % rows:
        raise ValueError(f"cannot tile {n} images into {rows} equal rows")
    cols = n // rows
    pixels = np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
    return pixels.reshape(rows, cols, h, w, c).transpose(0, 2, 1, 3, 4).reshape(rows * h, cols * w, c)


def save_grid(images, path: str, rows: int) -> str:
    """Writes `tile(images, rows)` as a PNG (grey for one channel); returns `path`."""
    from matplotlib import image as mpl_image  # no pyplot: works headless, leaves the backend alone

    grid = tile(images, rows)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    mpl_image.imsave(path, grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=255)
    return path
