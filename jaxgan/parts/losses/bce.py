"""The standard GAN games on one sigmoid logit: non-saturating and minimax binary cross-entropy."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import optax

from jaxgan.parts.losses.base import OBJECTIVES


@OBJECTIVES.register("bce", conditional=False)
@dataclasses.dataclass(frozen=True)
class NonSaturatingBCE:
    """The standard GAN: D minimises BCE(real -> 1, fake -> 0); G minimises BCE(fake -> 1) = -log D(G(z))."""

    def num_outputs(self, num_classes: int) -> int:
        return 1

    def realness(self, logits: jax.Array) -> jax.Array:
        return logits[:, 0]

    def d_loss(self, real_logits, fake_logits, real_labels, fake_labels) -> jax.Array:
        real = optax.sigmoid_binary_cross_entropy(real_logits[:, 0], jnp.ones_like(real_logits[:, 0]))
        fake = optax.sigmoid_binary_cross_entropy(fake_logits[:, 0], jnp.zeros_like(fake_logits[:, 0]))
        return real.mean() + fake.mean()

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        return optax.sigmoid_binary_cross_entropy(fake_logits[:, 0], jnp.ones_like(fake_logits[:, 0])).mean()


@OBJECTIVES.register("minimax", conditional=False)
@dataclasses.dataclass(frozen=True)
class MinimaxBCE(NonSaturatingBCE):
    """Goodfellow et al.'s original (saturating) game: G minimises log(1 - D(G(z)))."""

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        # log(1 - sigmoid(l)) = log_sigmoid(-l), numerically stable for large logits.
        return jax.nn.log_sigmoid(-fake_logits[:, 0]).mean()
