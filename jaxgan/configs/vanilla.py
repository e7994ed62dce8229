"""The reports' MLP GAN: fixed 4-layer generator, dropout-0.3 discriminator, BCE, Adam 2e-4 / 0.5, batch 64.

    python -m jaxgan.train --variant=vanilla
"""

from jaxgan.configs import default


def get_config():
    return default.get_config()
