"""WGAN-GP (seed 001, section 3.1): penalty on interpolates; lambda=10, n_d=5, Adam: Gulrajani et al.'s.

    python -m jaxgan.train --variant=wgan_gp

Seed 001 gives the penalty term (||grad D(x^)|| - 1)^2 on interpolates and says it reused Gulrajani et al.'s
penalty code, but no lambda, n_d or optimiser: lambda=10, n_d=5 and Adam 1e-4 (0.5, 0.9) are Gulrajani et
al.'s MNIST settings, not the report's. Seed 001's "weights normalized in initialisation" run is
`--config.discriminator.normalize_init=True`; a one-sided penalty is
`--config.d_regularizers.gradient_penalty.one_sided=True`.
"""

from jaxgan.configs import wgan
from jaxgan.configs.recipe import Scale


def get_config():
    c = wgan.get_config()
    c.d_regularizers.gradient_penalty = dict(weight=10.0, target=1.0, one_sided=False)
    return c


def scales() -> dict[str, Scale]:
    """`wgan`'s: the WGAN variants differ only in the constraint."""
    return wgan.scales()
