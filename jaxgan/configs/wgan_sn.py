"""WGAN with a spectrally normalised MLP critic (Miyato et al. 2018), no penalty, n_d=5.

    python -m jaxgan.train --variant=wgan_sn

Seed 003 (section 1.1) names spectral normalisation for its CGAN; seed 001 (section 3.2) names the related
spectral bounding (Zhang et al. 2020) only as a further improvement it did not try. No report trains this
variant.

Every critic layer is wrapped in flax's nn.SpectralNorm (one power-iteration round per call; its vectors are
kept in the train state's model_state and checkpointed), so each layer is ~1-Lipschitz by construction.
"""

from jaxgan.configs import wgan
from jaxgan.configs.recipe import Scale


def get_config():
    c = wgan.get_config()
    c.discriminator.spectral_norm = True
    return c


def scales() -> dict[str, Scale]:
    """`wgan`'s: the WGAN variants differ only in the constraint."""
    return wgan.scales()
