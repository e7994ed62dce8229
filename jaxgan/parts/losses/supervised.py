"""GM-GAN's supervised (K+1)-way game (seed 000 section 1.3), and its twin-classifier extension."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import optax

from jaxgan.parts.losses.base import OBJECTIVES


def class_ce(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Mean softmax cross-entropy of `logits [B, C]` against integer `labels [B]`."""
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels.astype(jnp.int32)).mean()


# G is asked for class y unless the class term is weighted out (then CE(all) - CE(classes) = -log p(real)).
@OBJECTIVES.register("supervised", conditional=lambda o: o.g_class_weight != 0)
@dataclasses.dataclass(frozen=True)
class SupervisedKPlusOne:
    """GM-GAN's supervised game (seed 000 section 1.3): one (K+1)-way softmax over "class k" and "fake".

    Logit columns: 0..K-1 are the K real classes, column K (the last) is "fake".
    D: CE(D(x_real), label) + CE(D(G(z~)), K). G: CE(D(G(z~)), y), i.e. "real and of the class it was
    sampled from", back-propagated through G and the mixture prior. Needs y < K = num_classes.

    G's CE splits exactly into a realness and a class term, -log p(y|x) = -log p(real|x) - log p(y|x, real)
    (p(y|x, real) = softmax over the K class logits only). `g_class_weight` (ours, not the seed's) scales
    the class term: 1 is the seed's game; below 1 G is rewarded less for the single most class-like image
    of each component (an AC-GAN-style confidence term that favours intra-class collapse).
    """

    g_class_weight: float = 1.0

    def num_outputs(self, num_classes: int) -> int:
        return num_classes + 1

    def realness(self, logits: jax.Array) -> jax.Array:
        # log P(some real class) - log P(fake).
        return jax.nn.logsumexp(logits[:, :-1], axis=-1) - logits[:, -1]

    def d_loss(self, real_logits, fake_logits, real_labels, fake_labels) -> jax.Array:
        fake_class = jnp.full((fake_logits.shape[0],), fake_logits.shape[-1] - 1, jnp.int32)
        return class_ce(real_logits, real_labels) + class_ce(fake_logits, fake_class)

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        # CE(all) + (w - 1) * CE(classes) = realness term + w * class term; exactly the seed's CE at w = 1.
        return (class_ce(fake_logits, fake_labels)
                + (self.g_class_weight - 1.0) * class_ce(fake_logits[:, :-1], fake_labels))


@OBJECTIVES.register("supervised_twin", conditional=lambda o: o.g_class_weight != 0 or o.twin_weight != 0)
@dataclasses.dataclass(frozen=True)
class SupervisedKPlusOneTwin(SupervisedKPlusOne):
    """The supervised K+1 game plus a twin classifier of fakes (ours; the idea of TAC-GAN, Gong et al. 2019).

    Logit columns: 0..K-1 real classes and K "fake" as in `SupervisedKPlusOne`, then K twin-classifier
    logits. D also learns to tell which component a fake came from: + CE(twin(G(z~)), y). G's class term
    -log p(y|x, real) alone rewards the most confidently classified image of each class (AC-GAN's
    conditional-entropy bias); G also *maximises* the twin's CE, weighted `twin_weight`, which cancels that
    bias in TAC-GAN's analysis so that G must match each class's whole distribution.
    """

    twin_weight: float = 1.0

    def num_outputs(self, num_classes: int) -> int:
        return 2 * num_classes + 1

    @staticmethod
    def _split(logits: jax.Array) -> tuple[jax.Array, jax.Array]:
        """`[B, 2K+1]` -> (K+1 game logits `[B, K+1]`, twin logits `[B, K]`)."""
        k = (logits.shape[-1] - 1) // 2
        return logits[:, :k + 1], logits[:, k + 1:]

    def realness(self, logits: jax.Array) -> jax.Array:
        return super().realness(self._split(logits)[0])

    def d_loss(self, real_logits, fake_logits, real_labels, fake_labels) -> jax.Array:
        fake_game, fake_twin = self._split(fake_logits)
        return (super().d_loss(self._split(real_logits)[0], fake_game, real_labels, fake_labels)
                + class_ce(fake_twin, fake_labels))

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        fake_game, fake_twin = self._split(fake_logits)
        return super().g_loss(fake_game, fake_labels) - self.twin_weight * class_ce(fake_twin, fake_labels)
