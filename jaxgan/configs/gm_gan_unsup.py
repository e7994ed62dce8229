"""GM-GAN, unsupervised: the dynamic 10-component mixture latent in the vanilla BCE real/fake game.

    python -m jaxgan.train --variant=gm_gan_unsup

Same mixture and per-group learning rates as gm_gan_seed, but D has one real/fake logit and never sees
labels; the components are free to cluster the data (seed 000, sections 1.2 and 2.1: with "naive
parameters", "the mode collapse was observed very early").
"""

import ml_collections

from jaxgan.configs import gm_gan_seed
from jaxgan.configs.recipe import Scale


def get_config():
    c = gm_gan_seed.get_config()
    c.loss = ml_collections.ConfigDict(dict(name="bce"))
    return c


def scales() -> dict[str, Scale]:
    """`gm_gan_seed`'s: seed 000 trains every setting the same 300 epochs."""
    return gm_gan_seed.scales()
