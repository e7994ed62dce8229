"""`cgan_resnet` with seed 003's adaptive discriminator advantage instead of the fixed 9 D updates.

    python -m jaxgan.train --variant=cgan_resnet_adaptive

Seed 003 section 1.2.1: "increment the advantage of the discriminator if his accuracy was under 0.8, and put it
to 1.0 if not". The seed does not say how often it adapted; its per-epoch plot and its fixed choice
n * (n + 1) / 2 / n at n = 16, 8.5 ~ 9 (the mean of 1..16), suggest once per epoch, up to 16 by epoch 16. Here
the advantage adapts every step, from D's accuracy on that step's batches (real scored real, fake scored
fake), inside the jitted step (see `GAN.adaptive_d_turns`), starting at 1 and capped at 16 (the per-step
schedule and the cap are ours). The current advantage is logged as `d/advantage`.
"""

from jaxgan.configs import cgan_resnet
from jaxgan.configs.recipe import Scale


def get_config():
    c = cgan_resnet.get_config()
    c.n_d = 1
    c.adaptive_n_d.max_n_d = 16
    c.adaptive_n_d.threshold = 0.8
    return c


def scales() -> dict[str, Scale]:
    """`cgan_resnet`'s; the cpu scale takes more steps, since most steps run one D update (not 9)."""
    found = cgan_resnet.scales()
    return dict(
        cpu=found["cpu"].replace({"steps": 3_200}, departs={
            "steps": "seed 003: 30 epochs at batch 32 = 56,250 steps. 3,200 steps fit the cpu scale's 20 "
                     "minutes if D's advantage stays near the 1.1 that the zoo's 1,250-step run averaged after "
                     "step 200 (commit 23d4251: 0.32 s per step with its evaluations, 6.6 minutes); a run whose "
                     "D stays under 0.8 accuracy takes up to 16 D updates a step and longer"},
            report="seed 003, section 1.2.1"),
        seed=found["seed"].replace(report="seed 003, section 1.2.1"),
    )
