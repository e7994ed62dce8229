"""Seed 004's MLP CGAN: the label's one-hot vector concatenated to G's noise and to D's flattened image.

G: [z, code(y)] -> hidden (LeakyReLU 0.2) -> H*W*C (tanh); D: [x, code(y)] -> hidden (LeakyReLU 0.2) -> logits.
The dense stacks are the project's MLP networks (`jaxgan.models.mlp`); only the conditioning is added here.
Labels follow the label-code contract of `jaxgan.models.conditioning` (int labels or float codes).
"""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax

from jaxgan.parts.models import conditioning
from jaxgan.parts.models.base import DISCRIMINATORS, GENERATORS
from jaxgan.parts.models.mlp import MLPDiscriminator, MLPGenerator


@GENERATORS.register("cgan_mlp", conditional=True, label_codes=True)
class ConditionalMLPGenerator(nn.Module):
    """(z [B, d], labels [B] int or codes [B, E]) -> images [B, H, W, C] in [-1, 1]."""

    image_shape: tuple[int, int, int]
    num_classes: int = 10
    hidden: Sequence[int] = (128,)
    negative_slope: float = 0.2
    label_code: str = "onehot"  # or "embed" (a learned table of code_features-wide rows)
    code_features: int = 0

    def setup(self):
        self.code = conditioning.LabelCode(self.num_classes, self.label_code, self.code_features)
        self.mlp = MLPGenerator(self.image_shape, self.num_classes, tuple(self.hidden), self.negative_slope)

    def label_codes(self, labels: jax.Array) -> jax.Array:
        """The code `[B, E]` G reads for each label (see the label-code contract)."""
        return self.code(labels)

    def __call__(self, z: jax.Array, labels: jax.Array, train: bool = False) -> jax.Array:
        return self.mlp(conditioning.join(z, self.code(labels)), None, train)


@DISCRIMINATORS.register("cgan_mlp", conditional=True)
class ConditionalMLPDiscriminator(nn.Module):
    """(images [B, H, W, C], labels [B] int or codes [B, E]) -> (logits [B, num_outputs], features [B, hidden[-1]]).

    D says "real and of this label" (seed 004 section 2). No dropout by default (the seed names none);
    `spectral_norm` wraps every dense layer in flax's `nn.SpectralNorm`.
    """

    num_outputs: int = 1
    num_classes: int = 10
    hidden: Sequence[int] = (128,)
    dropout: float = 0.0
    negative_slope: float = 0.2
    spectral_norm: bool = False
    label_code: str = "onehot"
    code_features: int = 0

    def setup(self):
        self.code = conditioning.LabelCode(self.num_classes, self.label_code, self.code_features)
        self.mlp = MLPDiscriminator(self.num_outputs, self.num_classes, tuple(self.hidden), self.dropout,
                                    self.negative_slope, self.spectral_norm)

    def __call__(self, x: jax.Array, labels: jax.Array, train: bool = False) -> tuple[jax.Array, jax.Array]:
        flat = x.reshape((x.shape[0], -1))
        return self.mlp(conditioning.join(flat, self.code(labels)), None, train)
