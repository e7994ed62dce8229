"""WGAN with no Lipschitz constraint (seed 001's LIP_noth): MLP critic without dropout, n_d=5, Adam 1e-4.

    python -m jaxgan.train --variant=wgan

The critic's Lipschitz upper bound (product of its kernels' spectral norms) is logged as
monitor/d_lipschitz_bound; seed 001 reports it growing exponentially without a constraint. The optimiser is
WGAN-GP's (Adam 1e-4, b1 0.5, b2 0.9; the seed gives none) so that the WGAN variants differ only in the
constraint.
"""

import ml_collections

from jaxgan.configs import default


def get_config():
    c = default.get_config()
    c.loss = ml_collections.ConfigDict(dict(name="wasserstein"))
    c.n_d = 5  # critic updates per generator update (Arjovsky et al.)
    # Seed 001: dropout never helped its WGANs. spectral_norm / normalize_init: see jaxgan.models.mlp.
    c.discriminator = ml_collections.ConfigDict(dict(name="mlp", hidden=(1024, 512, 256), dropout=0.0,
                                                     spectral_norm=False, normalize_init=False))
    c.optim = ml_collections.ConfigDict(dict(
        generator=default.adam_group("^generator/", 1e-4, b1=0.5, b2=0.9),
        prior=default.adam_group("^prior/", 1e-4, b1=0.5, b2=0.9),
        discriminator=default.adam_group("^discriminator/", 1e-4, b1=0.5, b2=0.9),
    ))
    c.monitors.lipschitz_bound = dict(every=100)
    return c
