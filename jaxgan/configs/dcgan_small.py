"""Seed 004's light DCGAN: two transposed-conv upsampling layers, a two-layer conv D, virtual batch norm.

    python -m jaxgan.train --variant=dcgan_small

Seed 004 (section 1.1): G upsamples the noise "with convolutional filters twice" to 28x28x1, LeakyReLU 0.2
in every layer but the tanh output; D has two Conv2D layers and a logit output; virtual batch norm; Adam;
binary cross-entropy. Ours: the widths (G 7x7x64 -> 14x14x32 -> 28x28; D 32, 64 filters), 5x5 kernels,
VBN in both networks (reference batch of 64), the latent size 100, Adam 2e-4 / b1 0.5 and batch 64.
"""

import ml_collections

from jaxgan.configs import default


def get_config():
    c = default.get_config()
    c.generator = ml_collections.ConfigDict(dict(
        name="dcgan", channels=(64, 32), kernel_size=5, norm="virtual", activation="leaky_relu", negative_slope=0.2,
        reference_size=64, bn_momentum=0.9, conv_impl="patches"))
    c.discriminator = ml_collections.ConfigDict(dict(
        name="dcgan", channels=(32, 64), kernel_size=5, norm="virtual", negative_slope=0.2, dropout=0.0,
        reference_size=64, bn_momentum=0.9, conv_impl="patches"))
    return c
