"""The MLP GAN of seeds 000/001: 4 linear layers in G and D, dropout in D, BCE, Adam (widths, rates ours).

    python -m jaxgan.train --variant=vanilla

Seed 001 (section 2) gives: G and D "feed forward neural networks of 4 linear layers, with LeakyReLU
activations and a sigmoid output for the discriminator", binary cross-entropy, Adam, dropout "after each
layer" of D. No report gives the rest, which is ours: the widths (G 100 -> 256 -> 512 -> 1024 -> 784 with a
tanh output, D 784 -> 1024 -> 512 -> 256 -> 1), LeakyReLU slope 0.2, dropout rate 0.3, Adam 2e-4 with
b1 0.5 (the DCGAN paper's, Radford et al. 2016), batch 64 and the training length.
"""

from jaxgan.configs import default
from jaxgan.configs.recipe import Scale, epochs_to_steps


def get_config():
    return default.get_config()


def scales() -> dict[str, Scale]:
    """Seed 001 gives the layer count, LeakyReLU, dropout in D, BCE and Adam, but no widths, dropout rate,
    learning rate, batch size or training length."""
    report = "seed 001, section 2"
    return dict(
        cpu=Scale({"steps": 30_000}, report=report, ours={
            "steps": "seed 001 gives no training length; 30,000 steps (29.5 steps/s idle, benchmarks/RESULTS.md: ~17 min)",
            "batch_size": "seed 001 gives no batch size; 64 is ours"}),
        seed=Scale({"steps": epochs_to_steps(100, 64)}, report=report, ours={
            "steps": "seed 001 gives no training length; 100 epochs of MNIST's 60,000 digits (93,750 steps), "
                     "the length seed 004 trains its GANs",
            "batch_size": "seed 001 gives no batch size; 64 is ours"}),
    )
