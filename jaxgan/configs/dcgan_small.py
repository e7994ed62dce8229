"""Seed 004's light DCGAN: two transposed-conv upsampling layers, a two-layer conv D, virtual batch norm.

    python -m jaxgan.train --variant=dcgan_small

Seed 004 (section 1.1): G upsamples the noise "with convolutional filters twice" to 28x28x1, LeakyReLU 0.2
in every layer but the tanh output; D has two Conv2D layers and a logit output; virtual batch norm; Adam;
binary cross-entropy. Ours: the widths (G 7x7x64 -> 14x14x32 -> 28x28; D 32, 64 filters), 5x5 kernels,
VBN in both networks (reference batch of 64), the latent size 100, Adam 2e-4 / b1 0.5 and batch 64.
"""

import ml_collections

from jaxgan.configs import default
from jaxgan.configs.recipe import Scale, epochs_to_steps


def get_config():
    c = default.get_config()
    c.generator = ml_collections.ConfigDict(dict(
        name="dcgan", channels=(64, 32), kernel_size=5, norm="virtual", activation="leaky_relu", negative_slope=0.2,
        reference_size=64, bn_momentum=0.9, conv_impl="patches"))
    c.discriminator = ml_collections.ConfigDict(dict(
        name="dcgan", channels=(32, 64), kernel_size=5, norm="virtual", negative_slope=0.2, dropout=0.0,
        reference_size=64, bn_momentum=0.9, conv_impl="patches"))
    return c


def scales() -> dict[str, Scale]:
    """Seed 004 (section 1.3) found the smallest batch it tried (32) best and little change after ~50 epochs."""
    report = "seed 004, section 1"
    return dict(
        cpu=Scale({"steps": 6_000}, report=report, departs={
            "batch_size": "seed 004: the smallest batch it tried, 32, gave the best images; 64 here",
            "steps": "seed 004: ~50 epochs (93,750 steps at batch 32); 6,000 steps of 64 fit ~10 minutes "
                     "(8.4 GFLOP per step)"}),
        seed=Scale({"steps": epochs_to_steps(50, 32), "batch_size": 32}, report=report, ours={
            "steps": "seed 004 gives no single length; 50 epochs, after which it saw little change"}),
    )
