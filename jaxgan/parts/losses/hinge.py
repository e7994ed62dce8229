"""The hinge game (seed 003's CGAN loss)."""

from __future__ import annotations

import dataclasses

import jax

from jaxgan.parts.losses.base import OBJECTIVES


# Not conditional here: labels act through a conditional D (which declares it), never through these losses.
@OBJECTIVES.register("hinge", conditional=False)
@dataclasses.dataclass(frozen=True)
class Hinge:
    """The hinge game (Lim & Ye 2017; Miyato & Koyama 2018), the loss seed 003 proposes for its CGAN.

    D: mean(relu(1 - D(x, y))) + mean(relu(1 + D(G(z), y))); G: -mean(D(G(z), y)). Labels act through D.
    """

    def num_outputs(self, num_classes: int) -> int:
        return 1

    def realness(self, logits: jax.Array) -> jax.Array:
        return logits[:, 0]

    def d_loss(self, real_logits, fake_logits, real_labels, fake_labels) -> jax.Array:
        return jax.nn.relu(1.0 - real_logits[:, 0]).mean() + jax.nn.relu(1.0 + fake_logits[:, 0]).mean()

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        return -fake_logits[:, 0].mean()
