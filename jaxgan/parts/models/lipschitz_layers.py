"""Critic layer options for Lipschitz control: spectral normalisation and spectrally normalised init.

Shared by the critics (`mlp`, `conv`) so that each only says *whether*; the how lives here.
"""

from __future__ import annotations

import flax.linen as nn
import jax

from jaxgan.parts.regularizers import lipschitz


def kernel_init(normalize_init: bool) -> lipschitz.Initializer:
    """flax's default kernel init, divided by its spectral norm when `normalize_init` (seed 001)."""
    base = nn.linear.default_kernel_init
    return lipschitz.spectral_normalized_init(base) if normalize_init else base


def apply_layer(layer: nn.Module, x: jax.Array, spectral_norm: bool, train: bool) -> jax.Array:
    """`layer(x)`, or with flax's `nn.SpectralNorm` (Miyato et al. 2018) dividing its kernel by a
    power-iteration estimate of its top singular value.

    The estimate's vector `u` and `sigma` live in the 'batch_stats' collection (the engine's `model_state`,
    checkpointed); one power-iteration round per call, and `u` is only updated in training.
    Must be called inside a compact module's `__call__`; the wrapped layer keeps its own param path.
    """
    if not spectral_norm:
        return layer(x)
    return nn.SpectralNorm(layer)(x, update_stats=train)
