"""GM-GAN, supervised K+1 (seed 000), with the changes that end its per-class collapse here (issue 12).

    python -m jaxgan.train --variant=gm_gan

Seed 000's model and game (`gm_gan_seed`, whose docstring lists which of its settings are ours): a
10-component dynamic Gaussian-mixture latent (sigma0 = 1.4, means U[-3, 3]), a discriminator with K+1 = 11
logits (10 classes, then "fake"), G trained to make its samples classified as the component they were drawn
from; mixture learning rate 1e-7. Two changes, both ours:

- Adam 2e-4 for G and D (seed 000: 8e-5), our `vanilla`'s rate (no report gives it for the MLP GAN).
- MSGAN's mode-seeking term for G, weight 1 (`jaxgan/regularizers/mode_seeking.py`): samples of one component
  must differ as their latents differ.

Why, with numbers (3,000 steps, seed 0, 5,000 samples judged like `jaxgan.evaluate`; one seed per setting;
experiments/gm_gan_collapse.jsonl, summarised in gm_gan_collapse.md): seed 000's settings give recall 0.000 /
coverage 0.039; Adam 2e-4 alone 0.000 / 0.046; mode seeking alone (at the seed's 8e-5) 0.159 / 0.311; both
0.317 / 0.545 (FID 70.6, class accuracy 0.905). The main job above (20,000 steps on the 5,000 default digits,
judged on the same digits by `python -m jaxgan.evaluate --num_samples=5000`; experiments/gm_gan_main_seeds.jsonl,
member 0): FID 12.0, precision 0.903, recall 0.640, coverage 0.899, class accuracy 0.993.
Smaller sigma0 trades recall for precision (seed 000 Table 1: sigma0 1.4 -> P 0.56 / R 0.23, 1.7 -> P 0.53 /
R 0.31, at different mixture learning rates); our sigma0 table with these settings: experiments/gm_gan_sigma0.md.
"""

import ml_collections

from jaxgan.configs import gm_gan_seed
from jaxgan.configs.recipe import Scale


def get_config():
    c = gm_gan_seed.get_config()
    c.optim.generator.learning_rate = 2e-4
    c.optim.discriminator.learning_rate = 2e-4
    c.g_regularizers = ml_collections.ConfigDict(dict(mode_seeking=dict(weight=1.0)))
    return c


def scales() -> dict[str, Scale]:
    """`gm_gan_seed`'s: seed 000 trains every setting the same 300 epochs."""
    return gm_gan_seed.scales()
