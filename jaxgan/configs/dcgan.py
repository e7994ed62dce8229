"""DCGAN (Radford et al. 2016) trained as seed 002 trains it: BCE, Adam 2e-4 / b1 0.5, batch 100.

    python -m jaxgan.train --variant=dcgan

Networks: `jaxgan.models.dcgan` (G: z -> 7x7x128 -> 14x14x64 -> 28x28, batch norm + ReLU, tanh; D: 32, 64, 128
stride-2 convs, batch norm after the first, LeakyReLU 0.2). Seed 002 (section 4.3-4.4) gives the optimiser
(Adam, alpha 0.0002, beta 0.5), batch size 100, the latent's N(0, 1) with size 100 (its noise tensors are
[batch, 1, 1, 100]; it also tuned 10, 20 and 30) and 30 epochs of MNIST's 60,000 digits (18,000 steps); it
shows the DCGAN architecture only as a figure from Radford et al., so the widths, 4x4 kernels, batch-norm
placement and N(0, 0.02) initialisation here are ours, in Radford et al.'s style.
Virtual batch norm instead: `--config.generator.norm=virtual --config.discriminator.norm=virtual`.
"""

import ml_collections

from jaxgan.configs import default
from jaxgan.configs.recipe import Scale, epochs_to_steps


def get_config():
    c = default.get_config()
    c.batch_size = 100
    c.steps = 18_000
    c.latent.dim = 100
    c.generator = ml_collections.ConfigDict(dict(
        name="dcgan", channels=(128, 64), kernel_size=4, norm="batch", activation="relu", negative_slope=0.2,
        reference_size=64, bn_momentum=0.9, conv_impl="patches"))
    c.discriminator = ml_collections.ConfigDict(dict(
        name="dcgan", channels=(32, 64, 128), kernel_size=4, norm="batch", negative_slope=0.2, dropout=0.0,
        reference_size=64, bn_momentum=0.9, conv_impl="patches"))
    return c


def scales() -> dict[str, Scale]:
    """Seed 002 trains 30 epochs of MNIST's 60,000 digits at batch 100 (the default config: 18,000 steps)."""
    report = "seed 002, chapter 4"
    widths = "seed 002 gives no widths or kernel sizes; ours (see the module docstring)"
    return dict(
        cpu=Scale({"steps": 6_000}, report=report, ours={"generator.channels": widths}, departs={
            "steps": "seed 002: 30 epochs at batch 100 = 18,000 steps (~32 min at 9.3 steps/s idle at batch 64, benchmarks/RESULTS.md); "
                     "6,000 steps = 10 epochs; the zoo took 15.8 min for dcgan's one seed (load 0.6-2.0) and 22.7 per "
                     "member for mmd_dcgan's three (load 1.3-1.8)"}),
        seed=Scale({"steps": epochs_to_steps(30, 100)}, report=report, ours={"generator.channels": widths}),
    )
