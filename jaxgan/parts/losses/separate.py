"""GM-GAN's separate class and real/fake heads (seed 000 section 1.4)."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import optax

from jaxgan.parts.losses.base import OBJECTIVES
from jaxgan.parts.losses.supervised import class_ce


@OBJECTIVES.register("separate", conditional=lambda o: o.class_weight != 0)
@dataclasses.dataclass(frozen=True)
class SeparateObjectives:
    """Seed 000 section 1.4: a K-way class head and a separate real/fake head on one discriminator.

    Logit columns: 0..K-1 are class logits (softmax over these only), column K (the last) is the real/fake
    logit (sigmoid = P(real)). D: class_weight * CE(classes(x_real), label) + BCE(real -> 1) + BCE(fake -> 0);
    the class loss is not applied to fakes for D (it hurt FID in the seed: fakes are poor class examples).
    G: class_weight * CE(classes(G(z~)), y) + BCE(fake -> 1).
    """

    class_weight: float = 1.5

    def num_outputs(self, num_classes: int) -> int:
        return num_classes + 1

    def realness(self, logits: jax.Array) -> jax.Array:
        return logits[:, -1]

    def d_loss(self, real_logits, fake_logits, real_labels, fake_labels) -> jax.Array:
        del fake_labels  # no class loss on fakes for D
        real_rf, fake_rf = real_logits[:, -1], fake_logits[:, -1]
        adversarial = (optax.sigmoid_binary_cross_entropy(real_rf, jnp.ones_like(real_rf)).mean()
                       + optax.sigmoid_binary_cross_entropy(fake_rf, jnp.zeros_like(fake_rf)).mean())
        return self.class_weight * class_ce(real_logits[:, :-1], real_labels) + adversarial

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        fake_rf = fake_logits[:, -1]
        adversarial = optax.sigmoid_binary_cross_entropy(fake_rf, jnp.ones_like(fake_rf)).mean()
        return self.class_weight * class_ce(fake_logits[:, :-1], fake_labels) + adversarial
