"""Seed 002's ablation: `mmd_dcgan` with eta 0 (plain DCGAN that still logs MMD^2 of D's features).

    python -m jaxgan.train --variant=mmd_dcgan_eta0

Same seed as `mmd_dcgan`, so the same noise and batches at every step (seed 002's fair comparison).
"""

from jaxgan.configs import mmd_dcgan
from jaxgan.configs.recipe import Scale


def get_config():
    c = mmd_dcgan.get_config()
    c.g_regularizers.mmd.weight = 0.0
    return c


def scales() -> dict[str, Scale]:
    """`mmd_dcgan`'s."""
    return mmd_dcgan.scales()
