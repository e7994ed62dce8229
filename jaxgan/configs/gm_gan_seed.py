"""GM-GAN with seed 000's stated settings (supervised K+1; the rest ours): collapses within each class here.

    python -m jaxgan.train --variant=gm_gan_seed

From seed 000 (sections 1.1-1.3, 2.2, 2.4, Table 1): a 10-component dynamic Gaussian-mixture latent (sigma0 =
1.4, means U[-3, 3], 100-dimensional), the discriminator outputs K+1 = 11 logits (10 classes, then "fake"); G
is trained to make its samples classified as the component they were drawn from; Adam, with Table 1's one
"learning rate" column, 8e-5, used here for both G and D (our reading), and mixture ("GM") learning rate 1e-7
(Table 1 also lists 1e-9: `--config.optim.prior.learning_rate=1e-9`). Seed 000 reports sigma0 1.4 (GM lr
1e-7) -> P 0.56 / R 0.23 and 1.7 (GM lr 1e-9) -> P 0.53 / R 0.31 "after 300 epochs of training" (Table 1).

Ours, not the report's: the networks (`vanilla`'s MLPs; the report says only that G is fixed and D has
dropout), D's dropout rate 0.3, Adam's betas (0.5, 0.999), batch 64 (the report gives no batch size), the
data (the default `mnist`, offline 5,000 digits; the report trains on MNIST) and the run length (20,000
steps by default; the report trains 300 epochs).

Here it collapses within each class: each component draws its digit, but nearly always the same image
(3,000 steps on the 5,000 default digits: recall 0.000, coverage 0.039, class accuracy 0.76;
experiments/gm_gan_collapse.jsonl, row `seed`).
"""

import ml_collections

from jaxgan.configs import default
from jaxgan.configs.recipe import Scale, epochs_to_steps


def get_config():
    c = default.get_config()
    c.batch_size = 64
    c.latent = ml_collections.ConfigDict(dict(
        name="gaussian_mixture", dim=100, num_components=10, sigma0=1.4, mean_range=3.0,
        trainable=True, dropout=0.0))
    c.loss = ml_collections.ConfigDict(dict(name="supervised", g_class_weight=1.0))
    c.optim.generator = default.adam_group("^generator/", 8e-5)
    c.optim.discriminator = default.adam_group("^discriminator/", 8e-5)
    c.optim.prior = default.adam_group("^prior/", 1e-7)
    c.monitors.mixture_stats = dict(every=100)
    return c


def scales() -> dict[str, Scale]:
    """Seed 000 trains 300 epochs (Table 1); it gives no batch size (ours: 64)."""
    report = "seed 000, Table 1"
    batch = "seed 000 gives no batch size; 64 is ours"
    return dict(
        cpu=Scale({"steps": 30_000}, report=report, ours={"batch_size": batch}, departs={
            "steps": "seed 000: 300 epochs of MNIST's 60,000 digits (281,250 steps at batch 64); 30,000 steps "
                     "fit the CPU budget (gm_gan: 32 steps/s idle, benchmarks/RESULTS.md: ~16 min)"}),
        seed=Scale({"steps": epochs_to_steps(300, 64)}, report=report, ours={"batch_size": batch}),
    )
