"""The MLP GAN with the generator updated every second step (ours; seed 001 trains G "every two epochs").

    python -m jaxgan.train --variant=vanilla_g2

Seed 001 (section 2): "we decided to train the generator model only every n epochs. With vanilla GAN, we
obtain a better FID score when training the generator every two epochs." This config does not do that: D
updates every step and G takes its turn on every second step (`g_every=2`), so within each epoch G updates
on half the batches; the report's schedule (G idle for whole epochs) is not implemented here.
"""

from jaxgan.configs import vanilla
from jaxgan.configs.recipe import Scale


def get_config():
    c = vanilla.get_config()
    c.g_every = 2
    return c


def scales() -> dict[str, Scale]:
    """`vanilla`'s: the same number of steps, so G takes half as many updates."""
    return vanilla.scales()
