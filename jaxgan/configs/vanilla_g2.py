"""The MLP GAN with the generator updated every second step (seed 001's better-FID schedule).

    python -m jaxgan.train --variant=vanilla_g2
"""

from jaxgan.configs import vanilla
from jaxgan.configs.recipe import Scale


def get_config():
    c = vanilla.get_config()
    c.g_every = 2
    return c


def scales() -> dict[str, Scale]:
    """`vanilla`'s: the same number of steps, so G takes half as many updates (the report's schedule)."""
    return vanilla.scales()
