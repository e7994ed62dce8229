"""WGAN with no Lipschitz constraint (seed 001's LIP_noth): MLP critic, no dropout; n_d=5, Adam: Gulrajani et al.'s.

    python -m jaxgan.train --variant=wgan

The critic's Lipschitz upper bound (product of its kernels' spectral norms) is logged as
monitor/d_lipschitz_bound; seed 001 reports "exponential increase in the Lipschitz constant" without a
constraint (section 3, Figure 2a). Seed 001 gives no optimiser settings and no number of critic updates per G
update (section 3.3 calls training D more than G "way too long" for it): n_d=5 and Adam 1e-4, b1 0.5, b2 0.9
are Gulrajani et al.'s MNIST settings (whose penalty code seed 001 reuses), used by every WGAN variant so
that they differ only in the constraint. The critic's widths are `vanilla`'s (ours).
"""

import ml_collections

from jaxgan.configs import default
from jaxgan.configs.recipe import Scale


def get_config():
    c = default.get_config()
    c.loss = ml_collections.ConfigDict(dict(name="wasserstein"))
    c.n_d = 5  # critic updates per generator update (Arjovsky et al.; Gulrajani et al.), not from seed 001
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


def scales() -> dict[str, Scale]:
    """Seed 001 gives no batch size or training length for its WGANs; the seed scale takes Gulrajani et al.'s
    MNIST run (whose gradient penalty seed 001 reuses): 200,000 generator iterations at batch 50."""
    report = "seed 001, section 3"
    length = ("seed 001 gives no training length; Gulrajani et al.'s MNIST run (whose penalty code seed 001 "
              "reuses) trains 200,000 generator iterations")
    batch = "seed 001 gives no batch size; Gulrajani et al.'s MNIST run uses 50"
    return dict(
        cpu=Scale({"steps": 12_000}, report=report, departs={"steps": length + "; 12,000 steps (60,000 critic "
                                                                               "updates) were sized for 20 minutes here; "
                                                                               "the zoo's one-seed runs took 19.4 (wgan_clip), "
                                                                               "20.5 (wgan_gp) and 22.4 (wgan) minutes at "
                                                                               "load 0.6-2.0, wgan_sn 39.8 beside other jobs "
                                                                               "(load 3.2)"},
                  ours={"batch_size": batch + "; ours 64 (the project default)"}),
        seed=Scale({"steps": 200_000, "batch_size": 50}, report=report, ours={"steps": length,
                                                                              "batch_size": batch}),
    )
