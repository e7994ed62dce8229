"""ResNet CGAN (seed 003): residual G and D, one-hot label joined mid-D, BCE, 9 D updates per G update.

    python -m jaxgan.train --variant=cgan_resnet

Seed 003 (Table 1): batch 32, Adam with G learning rate 2e-5 and D learning rate 2e-4, beta1 0.5, beta2 0.999,
discriminator advantage 9, 30 epochs. Networks: `jaxgan.models.resnet` (resize-convolution G with batch norm
and a learned label embedding concatenated to z; pre-activation D with batch norm, the label's one-hot code
joined as channels after the first block). Ours, not the seed's: widths (G 64-64, D 32-64-64; the seed's
networks had 285k / 619k parameters), the one-hot code in D, the latent size 100 and the default steps.
"""

import ml_collections

from jaxgan.configs import default
from jaxgan.configs.recipe import Scale, epochs_to_steps


def get_config():
    c = default.get_config()
    c.batch_size = 32
    c.n_d = 9
    c.generator = ml_collections.ConfigDict(dict(
        name="resnet", channels=(64, 64), label_code="embed", code_features=10, conditional_bn=False,
        conv_impl="patches"))
    c.discriminator = ml_collections.ConfigDict(dict(
        name="resnet", channels=(32, 64, 64), conditioning="concat", join_at=1, label_code="onehot",
        batch_norm=True, spectral_norm=False, conv_impl="patches"))
    c.loss = ml_collections.ConfigDict(dict(name="bce"))
    c.optim.generator = default.adam_group("^generator/", 2e-5)
    c.optim.discriminator = default.adam_group("^discriminator/", 2e-4)
    c.steps = 20_000
    c.sample_every = 500
    return c


def scales() -> dict[str, Scale]:
    """Seed 003 (Table 1): 30 epochs of MNIST's 60,000 digits at batch 32, networks of 285,375 (G) and
    618,751 (D) parameters. The seed scale picks widths with those counts (G 40-40: 279,461; D 64-128-136:
    622,677); the cpu scale shrinks them 4-8x (143 GFLOP per step at the default widths: 0.2 steps/s for
    cgan_proj at batch 64 idle, benchmarks/RESULTS.md)."""
    report = "seed 003, Table 1"
    seed_widths = "seed 003 gives parameter counts only (G 285,375, D 618,751); these widths match them"
    return dict(
        cpu=Scale({"steps": 1_300, "generator.channels": (16, 16), "discriminator.channels": (16, 16, 16),
                   "optim.generator.learning_rate": 2e-4}, report=report, departs={
            "steps": "seed 003: 30 epochs at batch 32 = 56,250 steps. 1,300 fit the cpu scale's 20 minutes: "
                     "the zoo's 2,200-step run (commit f64ea0a) trained 0.87 s per step with its evaluations, "
                     "31.9 minutes, and `python -m jaxgan.train --variant=cgan_resnet --scale=cpu "
                     "--config.steps=200 --config.steps_per_call=50 --config.log_every=50` ran 1.31 and 1.19 "
                     "steps/s alone (2-core EPYC, load 0.05 before, 2026-12-02); the zoo's 1,300-step run (commit "
                     "58f6185) then took 22.1 minutes at load 1.5-1.9",
            "generator.channels": "seed 003: 285,375 G parameters (widths 40-40 here); 16-16 has 97,253",
            "discriminator.channels": "seed 003: 618,751 D parameters (widths 64-128-136 here); 16-16-16 has "
                                      "13,893 (16 GFLOP per step)",
            "optim.generator.learning_rate": "seed 003: 2e-5; 2e-4 (its Table 1 reference CGAN's G rate), "
                                             "since 2e-5 barely moves G in 1,300 updates"}),
        seed=Scale({"steps": epochs_to_steps(30, 32), "generator.channels": (40, 40),
                    "discriminator.channels": (64, 128, 136)}, report=report,
                   ours={"generator.channels": seed_widths, "discriminator.channels": seed_widths}),
    )
