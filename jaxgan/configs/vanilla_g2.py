"""The MLP GAN with the generator updated every second step (seed 001's better-FID schedule).

    python -m jaxgan.train --variant=vanilla_g2
"""

from jaxgan.configs import vanilla


def get_config():
    c = vanilla.get_config()
    c.g_every = 2
    return c
