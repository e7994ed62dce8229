"""Input checks shared by the metrics: one clear line of error instead of a shape failure deep inside jit."""

from __future__ import annotations

import numpy as np


def check_features(**sets) -> None:
    """Raises ValueError unless every named set is a non-empty 2-D `[n, d]` array and all share `d`."""
    dims = {}
    for name, x in sets.items():
        if np.ndim(x) != 2 or np.shape(x)[0] == 0:
            raise ValueError(f"{name} must be a non-empty 2-D [n, d] feature array, got shape {np.shape(x)}")
        dims[name] = np.shape(x)[1]
    if len(set(dims.values())) > 1:
        raise ValueError(f"feature dimensions differ: {dims}")


def check_k(k: int, **sets) -> None:
    """Raises ValueError unless each set has more than `k` rows (a k-th neighbour other than the point itself)."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    for name, x in sets.items():
        if np.shape(x)[0] <= k:
            raise ValueError(f"{name} needs more than k={k} rows for a k-th nearest neighbour, got {np.shape(x)[0]}")


def check_block_size(block_size: int) -> None:
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size}")
