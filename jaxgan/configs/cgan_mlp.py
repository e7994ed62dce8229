"""MLP CGAN, seed 004's optimised pair: G [z, one-hot] -> 128 -> 256 -> 784, D [x, one-hot] -> 128 -> 32 -> 1.

    python -m jaxgan.train --variant=cgan_mlp

Seed 004 (section 2 and 4): LeakyReLU 0.2, tanh output, sigmoid cross-entropy with D judging "real and of this
label", Adam with both learning rates 0.002, batch 25 (its best batch size); its LeNet scored 72-86% of such
samples as the requested digit. Ours, not the seed's: the latent size (100), Adam's betas (0.5, 0.999), no
virtual batch norm, and the default number of steps.
"""

import ml_collections

from jaxgan.configs import default


def get_config():
    c = default.get_config()
    c.batch_size = 25
    c.generator = ml_collections.ConfigDict(dict(name="cgan_mlp", hidden=(128, 256), label_code="onehot"))
    c.discriminator = ml_collections.ConfigDict(dict(name="cgan_mlp", hidden=(128, 32), dropout=0.0,
                                                     label_code="onehot"))
    c.loss = ml_collections.ConfigDict(dict(name="bce"))
    c.optim.generator = default.adam_group("^generator/", 2e-3)
    c.optim.discriminator = default.adam_group("^discriminator/", 2e-3)
    return c
