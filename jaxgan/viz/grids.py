"""Per-class sample grids: one row per latent component / class, for conditional priors such as GM-GAN.

    grid = class_grid(gan, state, jax.random.PRNGKey(0), per_class=8)  # [K * 8, H, W, C] in [-1, 1]
    save_class_grid(gan, state, jax.random.PRNGKey(0), per_class=8, path="samples/classes.png")

Row k shows samples drawn with y = k: the labels go through `gan.generate` to the prior, so a mixture
prior samples from its component k (and a conditional generator or objective sees class k).
"""

from __future__ import annotations

from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.parts import latents
from jaxgan.viz import images as images_lib


def num_components(gan) -> int:
    """K: the prior's number of components if it declares mixture components, else the number of classes."""
    return int(gan.prior.k) if latents.has_mixture(gan.prior) else int(gan.num_classes)


def grid_labels(labels: Sequence[int], per_class: int) -> jax.Array:
    """int32 `[len(labels) * per_class]`: each label repeated `per_class` times (row-major grid order)."""
    return jnp.repeat(jnp.asarray(labels, jnp.int32), per_class)


def class_grid(gan, state, key: jax.Array, per_class: int, labels: Sequence[int] | None = None,
               use_ema: bool = True) -> jax.Array:
    """Samples `[len(labels) * per_class, H, W, C]` in [-1, 1]: `per_class` consecutive ones per label.

    `labels` defaults to every component 0..K-1 (one grid row each); ValueError for labels outside [0, K).
    """
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    k = num_components(gan)
    labels = np.arange(k) if labels is None else np.asarray(labels, np.int64).reshape(-1)
    if labels.size == 0 or labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"labels must be in [0, {k}), got {labels.tolist()}")
    y = grid_labels(labels, per_class)
    return gan.generate(state, key, int(y.shape[0]), y, use_ema=use_ema)


def save_class_grid(gan, state, key: jax.Array, per_class: int, path: str,
                    labels: Sequence[int] | None = None) -> np.ndarray:
    """Writes `class_grid(...)` as a PNG with one row per label; returns the samples `[R * per_class, H, W, C]`."""
    samples = np.asarray(class_grid(gan, state, key, per_class, labels))
    images_lib.save_grid(samples, path, rows=samples.shape[0] // per_class)
    return samples
