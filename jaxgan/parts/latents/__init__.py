"""Latent priors: modules that draw `(z [B, d], y [B] int32)` from an explicit PRNG key (see `base`).

A new prior is one new module here that registers its class in `PRIORS`: every module is imported below.
"""

from jaxgan import registry
from jaxgan.parts.latents.base import PRIORS, build_prior, has_mixture
from jaxgan.parts.latents.gaussian import GaussianPrior
from jaxgan.parts.latents.mixture import GaussianMixturePrior

registry.import_submodules(__name__)

__all__ = ["PRIORS", "GaussianMixturePrior", "GaussianPrior", "build_prior", "has_mixture"]
