"""WGAN with weight clipping to [-0.01, 0.01] and RMSprop 5e-5 (Arjovsky et al.'s values; seed 001's LIP_clip).

    python -m jaxgan.train --variant=wgan_clip

Seed 001 (section 3.1) clips "all parameters ... to [-c, c]" but gives neither c nor the optimiser; both are
Arjovsky et al.'s.

Clipping is a projection chained after the critic's optimiser (`clip` field of its optimiser group, see
jaxgan.optim). RMSprop as in the WGAN reference code (PyTorch defaults: decay 0.99, eps outside the sqrt).
"""

import ml_collections

from jaxgan.configs import wgan
from jaxgan.configs.recipe import Scale


def rmsprop_group(pattern: str, learning_rate: float = 5e-5, **extra) -> dict:
    return dict(pattern=pattern, optimizer="rmsprop", learning_rate=learning_rate, decay=0.99, eps=1e-8,
                eps_in_sqrt=False, **extra)


def get_config():
    c = wgan.get_config()
    c.optim = ml_collections.ConfigDict(dict(
        generator=rmsprop_group("^generator/"),
        prior=rmsprop_group("^prior/"),
        discriminator=rmsprop_group("^discriminator/", clip=0.01),
    ))
    return c


def scales() -> dict[str, Scale]:
    """`wgan`'s: the WGAN variants differ only in the constraint."""
    return wgan.scales()
