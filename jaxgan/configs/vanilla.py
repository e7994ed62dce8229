"""The reports' MLP GAN: fixed 4-layer generator, dropout-0.3 discriminator, BCE, Adam 2e-4 / 0.5, batch 64.

    python -m jaxgan.train --variant=vanilla
"""

from jaxgan.configs import default
from jaxgan.configs.recipe import Scale, epochs_to_steps


def get_config():
    return default.get_config()


def scales() -> dict[str, Scale]:
    """Seed 001 gives the networks, dropout, BCE and Adam, but neither a batch size nor a training length."""
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
