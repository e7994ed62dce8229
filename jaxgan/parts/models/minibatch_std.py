"""Minibatch standard deviation (Karras et al. 2018, "Progressive growing of GANs", section 3), per class.

Karras et al. append to each input of D's last layers the batch's average feature standard deviation, so D
can see a batch with too little variety and G is pushed to vary. GM-GAN's collapse is *within* each class
while different classes still differ, so the statistic here is taken over the samples of the batch that
carry the same label (the real class for real images, the mixture component for fakes): a batch of one
image per component then shows std 0 where real digits of a class show their spread. With all labels equal
it is Karras et al.'s statistic over the whole batch (group size = batch).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def class_minibatch_std(h: jax.Array, labels: jax.Array, eps: float = 1e-8) -> jax.Array:
    """`h [B, F]`, `labels [B]` int -> `[B, 1]`: for each row, the mean over features of the standard
    deviation of `h` among the batch rows with its label (itself included; 0 for a row alone in its class)."""
    same = (labels[:, None] == labels[None, :]).astype(h.dtype)  # [B, B]
    count = same.sum(axis=1, keepdims=True)  # [B, 1], >= 1
    mean = same @ h / count  # [B, F]: each row's class mean
    # Class variance as E[h^2] - E[h]^2 over the class (clamped: rounding can make it slightly negative).
    var = same @ (h * h) / count - mean * mean
    return jnp.sqrt(jnp.maximum(var, 0.0) + eps).mean(axis=1, keepdims=True)
