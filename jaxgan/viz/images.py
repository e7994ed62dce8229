"""Image grids saved as PNG (matplotlib) and sample arrays saved as NPZ."""

from __future__ import annotations

import math
import os

import numpy as np


def tile(images: np.ndarray, rows: int | None = None) -> np.ndarray:
    """`[N, H, W, C]` in [-1, 1] -> one `[rows*H, cols*W]` (or `[..., 3]`) array in [0, 1], 1-pixel gaps."""
    images = np.clip((np.asarray(images, np.float32) + 1.0) / 2.0, 0.0, 1.0)
    n, h, w, c = images.shape
    rows = rows or int(math.ceil(math.sqrt(n)))
    cols = int(math.ceil(n / rows))
    grid = np.ones((rows * (h + 1) - 1, cols * (w + 1) - 1, c), np.float32)
    for i, image in enumerate(images):
        r, col = divmod(i, cols)
        grid[r * (h + 1): r * (h + 1) + h, col * (w + 1): col * (w + 1) + w] = image
    return grid[..., 0] if c == 1 else grid


def save_grid(images: np.ndarray, path: str, rows: int | None = None) -> None:
    """Writes images `[N, H, W, C]` in [-1, 1] as a PNG grid (grey colour map for one channel)."""
    from matplotlib import image  # not pyplot: no global backend or figure state

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    image.imsave(path, tile(images, rows), cmap="gray", vmin=0.0, vmax=1.0)


def save_samples(images: np.ndarray, path: str, labels: np.ndarray | None = None, rows: int | None = None) -> None:
    """`.png` -> grid; `.npz` -> arrays `images` (float32 [-1, 1]) and `labels`."""
    if path.endswith(".npz"):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        np.savez_compressed(path, images=np.asarray(images, np.float32),
                            labels=np.asarray(labels if labels is not None else np.zeros(len(images)), np.int32))
    elif path.endswith(".png"):
        save_grid(images, path, rows)
    else:
        raise ValueError(f"output file must end in .png or .npz, got {path!r}")
