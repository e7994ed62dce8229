"""GM-GAN's Gaussian-mixture latent (seed 000), with trainable or frozen components."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.parts.latents.base import PRIORS
from jaxgan.parts.models import layers


@PRIORS.register("gaussian_mixture", mixture=True)
class GaussianMixturePrior(nn.Module):
    """GM-GAN latent (Ben-Yosef & Weinshall 2018; seed 000): K diagonal Gaussians, y ~ Cat(K, 1/K).

    Returns z~ = mu[y] + sigma[y] * z with z ~ N(0, I_d) (reparameterised: gradients of anything computed
    from z~ reach mu and sigma) and y, or the given `labels` as y (conditional sampling).

    Parameters (under params["prior"]): `mu` [K, d], initialised U[-mean_range, mean_range], and
    `log_sigma` [K, d], with sigma = min_sigma + exp(log_sigma) initialised to the constant sigma0. The
    exp keeps sigma positive under any update and the additive floor keeps it positive even where
    exp(log_sigma) underflows to 0 in float32 (log_sigma < -104 after large updates).

    `trainable=False` is the static GM-GAN: the parameters pass through `stop_gradient`, so their gradients
    are exactly zero (and Adam, which maps a zero gradient to a zero update, leaves them at their init).
    `dropout` > 0 drops entries of z~ (seed 000 section 2.4) when `train`, using the 'dropout' rng.

    Note on precision: mu ~ U[-3, 3] in float32 has a spacing of 2.4e-7 above |mu| = 2, so Adam steps of
    ~1e-7 (seed 000's mixture learning rate) round to no change there; 1e-9 leaves mu frozen in practice.
    """

    dim: int = 100
    num_classes: int = 10
    num_components: int = 0  # K; 0 means one component per class (needed by the class-aware objectives)
    sigma0: float = 1.0
    mean_range: float = 1.0  # c: mu is initialised U[-c, c]
    min_sigma: float = 1e-4
    trainable: bool = True
    dropout: float = 0.0

    @property
    def k(self) -> int:
        return self.num_components or self.num_classes

    def setup(self):
        if not layers.is_traced(self.sigma0) and not self.sigma0 > self.min_sigma:
            raise ValueError(f"sigma0 must exceed min_sigma={self.min_sigma}, got {self.sigma0}")
        c, shape = self.mean_range, (self.k, self.dim)
        self.mu = self.param("mu", lambda key: jax.random.uniform(key, shape, jnp.float32, -c, c))
        self.log_sigma = self.param(
            "log_sigma", lambda key: jnp.full(shape, jnp.log(self.sigma0 - self.min_sigma), jnp.float32))
        self.drop = layers.Dropout(self.dropout)

    def components(self) -> tuple[jax.Array, jax.Array]:
        """(mu [K, d], sigma [K, d]) as used for sampling (frozen by stop_gradient in static mode)."""
        mu, log_sigma = self.mu, self.log_sigma
        if not self.trainable:
            mu, log_sigma = jax.lax.stop_gradient(mu), jax.lax.stop_gradient(log_sigma)
        return mu, self.min_sigma + jnp.exp(log_sigma)

    def __call__(self, key: jax.Array, batch_size: int, labels: jax.Array | None = None,
                 train: bool = False) -> tuple[jax.Array, jax.Array]:
        k_y, k_z = jax.random.split(key)
        if labels is None:
            labels = jax.random.randint(k_y, (batch_size,), 0, self.k)
        labels = labels.astype(jnp.int32)
        mu, sigma = self.components()
        z = mu[labels] + sigma[labels] * jax.random.normal(k_z, (batch_size, self.dim))
        return self.drop(z, deterministic=not train), labels
