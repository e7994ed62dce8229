"""GM-GAN, static mixture: gm_gan_seed with mu and sigma frozen at their initialisation (zero gradients).

    python -m jaxgan.train --variant=gm_gan_static

Identical to training gm_gan_seed with a mixture learning rate of 0 (`--config.optim.prior.learning_rate=0`).
"""

from jaxgan.configs import gm_gan_seed
from jaxgan.configs.recipe import Scale


def get_config():
    c = gm_gan_seed.get_config()
    c.latent.trainable = False
    return c


def scales() -> dict[str, Scale]:
    """`gm_gan_seed`'s: seed 000 trains every setting the same 300 epochs."""
    return gm_gan_seed.scales()
