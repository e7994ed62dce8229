"""Adversarial objectives: what D and G minimise, given D's logits.

An objective maps discriminator logits `[B, num_outputs]` (and the real/fake class labels `[B]`, which
class-aware objectives use) to scalar losses, and says how "real" D finds each input (`realness`, a logit
`[B]`: larger = more real), which metrics and rejection sampling read. The engine calls only `d_loss` and `g_loss`, so a new game is
a new entry in `OBJECTIVES`, never an engine branch.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import jax
import jax.numpy as jnp
import optax

from jaxgan import registry


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


@dataclasses.dataclass(frozen=True)
class MinimaxBCE(NonSaturatingBCE):
    """Goodfellow et al.'s original (saturating) game: G minimises log(1 - D(G(z)))."""

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        # log(1 - sigmoid(l)) = log_sigmoid(-l), numerically stable for large logits.
        return jax.nn.log_sigmoid(-fake_logits[:, 0]).mean()


def _class_ce(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Mean softmax cross-entropy of `logits [B, C]` against integer `labels [B]`."""
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels.astype(jnp.int32)).mean()


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
        return _class_ce(real_logits, real_labels) + _class_ce(fake_logits, fake_class)

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        # CE(all) + (w - 1) * CE(classes) = realness term + w * class term; exactly the seed's CE at w = 1.
        return (_class_ce(fake_logits, fake_labels)
                + (self.g_class_weight - 1.0) * _class_ce(fake_logits[:, :-1], fake_labels))


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
        return self.class_weight * _class_ce(real_logits[:, :-1], real_labels) + adversarial

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        fake_rf = fake_logits[:, -1]
        adversarial = optax.sigmoid_binary_cross_entropy(fake_rf, jnp.ones_like(fake_rf)).mean()
        return self.class_weight * _class_ce(fake_logits[:, :-1], fake_labels) + adversarial


OBJECTIVES: dict[str, type] = {"bce": NonSaturatingBCE, "minimax": MinimaxBCE,
                               "supervised": SupervisedKPlusOne, "separate": SeparateObjectives}


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


OBJECTIVES["wasserstein"] = Wasserstein


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


OBJECTIVES["hinge"] = Hinge


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
                + _class_ce(fake_twin, fake_labels))

    def g_loss(self, fake_logits, fake_labels) -> jax.Array:
        fake_game, fake_twin = self._split(fake_logits)
        return super().g_loss(fake_game, fake_labels) - self.twin_weight * _class_ce(fake_twin, fake_labels)


OBJECTIVES["supervised_twin"] = SupervisedKPlusOneTwin


def build_objective(cfg: Mapping[str, Any]):
    return registry.build(OBJECTIVES, "loss", cfg)
