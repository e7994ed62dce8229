"""The WGAN critic game (seed 001)."""

from __future__ import annotations

import dataclasses

import jax

from jaxgan.parts.losses.base import OBJECTIVES


@OBJECTIVES.register("wasserstein", conditional=False)
@dataclasses.dataclass(frozen=True)
class Wasserstein:
    """WGAN (Arjovsky et al. 2017; seed 001 section 3): a linear critic estimates the Earth Mover's distance.

    Critic: minimise E[D(fake)] - E[D(real)]; G: minimise -E[D(fake)]. The critic must be kept (roughly)
    1-Lipschitz by a constraint configured elsewhere (weight clipping, gradient penalty, spectral norm).
    """

    def num_outputs(self, num_classes: int) -> int:
        return 1

    def realness(self, logits: jax.Array) -> jax.Array:
        return logits[:, 0]

    def d_loss(self, real_logits, fake_logits, real_labels, fake_labels) -> jax.Array:
        return fake_logits[:, 0].mean() - real_logits[:, 0].mean()

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        return -fake_logits[:, 0].mean()
