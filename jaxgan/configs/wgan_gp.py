"""WGAN-GP: gradient penalty lambda=10 on real/fake interpolates, Adam 1e-4 (0.5, 0.9), n_d=5 (seed 001).

    python -m jaxgan.train --variant=wgan_gp

Gulrajani et al.'s MNIST settings (the seed uses their penalty code). Seed 001's "weights normalised in
initialisation" run is `--config.discriminator.normalize_init=True`; a one-sided penalty is
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
