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
    """`wgan_gp`'s, with the cpu scale cut to 9,000 steps: the conv critic runs 8.3 steps/s idle at batch 64
    (benchmarks/RESULTS.md), so `wgan_gp`'s 12,000 would take ~24 min, over the cpu scale's 20."""
    out = {name: scale.replace(report="seed 001, section 3.3") for name, scale in wgan_gp.scales().items()}
    out["cpu"] = out["cpu"].replace(overrides={"steps": 9_000}, ours={
        "steps": "9,000 steps (~18 min at 8.3 steps/s idle): the most that fits 20 minutes on 2 cores"})
    return out
