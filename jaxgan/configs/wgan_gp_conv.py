"""WGAN-GP with seed 001's convolutional critic (four stride-2 conv + LeakyReLU blocks, 16 to 128 filters).

    python -m jaxgan.train --variant=wgan_gp_conv

The seed's best model (section 3.3): the MLP generator stays, only the critic changes.
"""

import ml_collections

from jaxgan.configs import wgan_gp
from jaxgan.configs.recipe import Scale


def get_config():
    c = wgan_gp.get_config()
    # conv_impl="patches": convs as patch matmuls; on CPU the train step is ~17x faster than with nn.Conv
    # ("lax"), which XLA:CPU runs slowly inside the scanned step (see jaxgan.models.conv.PatchConv).
    c.discriminator = ml_collections.ConfigDict(dict(name="conv", channels=(16, 32, 64, 128), kernel_size=3,
                                                     dropout=0.0, spectral_norm=False, normalize_init=False,
                                                     conv_impl="patches"))
    return c


def scales() -> dict[str, Scale]:
    """`wgan_gp`'s (the conv critic: ~14 min for the cpu scale's 12,000 steps at ~14.7 steps/s)."""
    return {name: scale.replace(report="seed 001, section 3.3") for name, scale in wgan_gp.scales().items()}
