"""Differentiable augmentation of every discriminator input (DiffAugment, Zhao et al. 2020).

`config.augment.policy` is a comma-separated list of operations (`""` = none), applied in order to real and
fake batches alike, in both players' updates, with per-sample randomness drawn from an explicit key.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import jax

Augmentation = Callable[[jax.Array, jax.Array], jax.Array]  # (x [B, H, W, C], key) -> x

# op name -> function; filled below as operations are defined.
OPERATIONS: dict[str, Augmentation] = {}


def diff_augment(x: jax.Array, key: jax.Array, policy: str = "translation,cutout") -> jax.Array:
    """Applies the operations of `policy` in order; each draws its own randomness from `key`."""
    for i, name in enumerate(op for op in policy.split(",") if op):
        x = OPERATIONS[name](x, jax.random.fold_in(key, i))
    return x


def build(cfg: Mapping[str, Any]) -> Augmentation:
    """The augmentation a config asks for (identity when the policy is empty)."""
    policy = cfg.get("policy", "")
    unknown = [op for op in policy.split(",") if op and op not in OPERATIONS]
    if unknown:
        raise ValueError(f"unknown augmentation {unknown[0]!r}; known: {', '.join(sorted(OPERATIONS)) or 'none'}")
    if not policy:
        return lambda x, key: x
    return lambda x, key: diff_augment(x, key, policy)
