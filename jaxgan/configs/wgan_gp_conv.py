"""WGAN-GP with seed 001's convolutional critic (four conv + LeakyReLU 0.2 blocks, 16 filters first).

    python -m jaxgan.train --variant=wgan_gp_conv

The seed's best model (section 3.3): the MLP generator stays, only the critic changes. Seed 001 gives four
blocks of one convolution and LeakyReLU 0.2, each reducing the resolution and adding channels, "16 filters"
in the first; the later widths (32, 64, 128), 3x3 kernels and stride 2 are ours, as are the `wgan_gp`
settings (see there); its "slightly optimized hyperparameters" are not given.
"""

import ml_collections

from jaxgan.configs import wgan_gp
from jaxgan.configs.recipe import Scale


def get_config():
    c = wgan_gp.get_config()
    # conv_impl="patches": convs as patch matmuls, because XLA:CPU runs nn.Conv ("lax") slowly inside the
    # scanned step (see jaxgan.parts.models.conv.PatchConv; no lax-vs-patches timing is committed).
    c.discriminator = ml_collections.ConfigDict(dict(name="conv", channels=(16, 32, 64, 128), kernel_size=3,
                                                     dropout=0.0, spectral_norm=False, normalize_init=False,
                                                     conv_impl="patches"))
    return c


def scales() -> dict[str, Scale]:
    """`wgan_gp`'s, with the cpu scale cut to 9,000 steps: the conv critic runs 8.3 steps/s idle at batch 64
    (benchmarks/RESULTS.md), so `wgan_gp`'s 12,000 would take ~24 min, over the cpu scale's 20."""
    out = {name: scale.replace(report="seed 001, section 3.3") for name, scale in wgan_gp.scales().items()}
    out["cpu"] = out["cpu"].replace(overrides={"steps": 9_000}, ours={
        "steps": "9,000 steps (~18 min at 8.3 steps/s idle): the most that fits 20 minutes on 2 cores; the zoo's 3 seeds "
                 "(commit c4bbc2f) took 20.9 minutes per member at load 1.6-1.8"})
    return out
