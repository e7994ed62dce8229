"""`vanilla_g2` plus DiffAugment translation + cutout on D's inputs (seed 001's best MLP GAN, as we read it).

    python -m jaxgan.train --variant=vanilla_diffaug

Seed 001 (section 2): augmentations "modifying the images inputted to the discriminator, in both generator
and discriminator training", reusing Zhao et al.'s DiffAugment code, "opting for translation and cutout";
its FID went "from 385 with the base architecture to an FID of 42 without augmentation, to an FID of 27 with
augmentation". Here every discriminator input, real and fake, in both players' updates, gets per-sample
shifts (up to 1/8 of the size, zero fill) and a cutout square of half the size: the defaults of Zhao et
al.'s code, which the report does not restate. G takes its turn every second step, not every two epochs as
in seed 001 (see `vanilla_g2`); the report does not say which schedule its FID-27 run used.
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
