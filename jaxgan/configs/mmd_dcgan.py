"""Seed 002's MMD-regularised DCGAN: G's loss + eta * MMD^2 of D's penultimate features (fake vs real), eta 10.

    python -m jaxgan.train --variant=mmd_dcgan

`dcgan` plus the G regulariser `mmd` (`jaxgan.regularizers.mmd`): unbiased MMD^2 with Gaussian kernels of
bandwidths 1, 2, 4, 8, 16, logged as `g/mmd2`. eta is `g_regularizers.mmd.weight` (seed 002 tried 0, 5, 10, 15
and recommends 10): `--config.g_regularizers.mmd.weight=5`. Runs that differ only in eta (same seed) draw
the same latent noise and the same real batches at every step: the engine derives all randomness from the
seed and the step number, and eta is not part of it.
"""

from jaxgan.configs import dcgan
from jaxgan.configs.recipe import Scale


def get_config():
    c = dcgan.get_config()
    c.g_regularizers.mmd = dict(weight=10.0, sigmas=(1.0, 2.0, 4.0, 8.0, 16.0), unbiased=True)
    return c


def scales() -> dict[str, Scale]:
    """`dcgan`'s: seed 002 compares eta at equal epochs."""
    return dcgan.scales()
