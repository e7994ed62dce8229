"""Seed 001's best MLP GAN: dropout critic, G every 2 steps, DiffAugment translation + cutout on D's inputs.

    python -m jaxgan.train --variant=vanilla_diffaug

Every discriminator input, real and fake, in both players' updates, is augmented with per-sample shifts
(up to 1/8 of the size, zero fill) and a cutout square of half the size (seed 001: FID 42 -> 27).
"""

from jaxgan.configs import vanilla_g2
from jaxgan.configs.recipe import Scale


def get_config():
    c = vanilla_g2.get_config()
    c.augment.policy = "translation,cutout"
    return c


def scales() -> dict[str, Scale]:
    """`vanilla`'s (DiffAugment adds no matmuls: ~8 min for the cpu scale's 30,000 steps)."""
    return {name: scale.replace(report="seed 001, section 2 (DiffAugment)") for name, scale in
            vanilla_g2.scales().items()}
