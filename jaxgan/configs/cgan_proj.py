"""`cgan_resnet` with the improvements seed 003 proposes: projection discriminator, hinge loss, spectral norm.

    python -m jaxgan.train --variant=cgan_proj

Seed 003 section 1.4: "make a projection at the end of the architecture" (Miyato & Koyama 2018: logit =
psi(phi(x)) + <embed(y), phi(x)>) and "the hinge version of the standard adversarial loss"; section 1.1 names
spectral normalisation. Everything else (G, widths, optimiser, batch, 9 D updates) is `cgan_resnet`'s, so the
two compare at equal steps. Ours: D without batch norm (spectral norm alone, as Miyato & Koyama's D).
"""

import ml_collections

from jaxgan.configs import cgan_resnet
from jaxgan.configs.recipe import Scale


def get_config():
    c = cgan_resnet.get_config()
    c.discriminator.conditioning = "projection"
    c.discriminator.batch_norm = False
    c.discriminator.spectral_norm = True
    c.loss = ml_collections.ConfigDict(dict(name="hinge"))
    return c


def scales() -> dict[str, Scale]:
    """`cgan_resnet`'s, so the two compare at equal steps and widths."""
    return {name: scale.replace(report="seed 003, section 1.4") for name, scale in cgan_resnet.scales().items()}
