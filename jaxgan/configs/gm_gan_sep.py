"""GM-GAN, separate objectives (seed 000 section 1.4): 10 class logits + 1 real/fake logit, class loss x1.5.

    python -m jaxgan.train --variant=gm_gan_sep

The class weight 1.5 is seed 000 section 2.5's ("a very small improvement"); the rest is `gm_gan_seed`'s.

D: 1.5 * class CE on real images only + BCE real/fake; G: 1.5 * class CE towards its component + BCE "real".
Logit columns 0..9 are classes, column 10 is the real/fake logit. Weight: `--config.loss.class_weight=1.0`.
"""

import ml_collections

from jaxgan.configs import gm_gan_seed
from jaxgan.configs.recipe import Scale


def get_config():
    c = gm_gan_seed.get_config()
    c.loss = ml_collections.ConfigDict(dict(name="separate", class_weight=1.5))
    return c


def scales() -> dict[str, Scale]:
    """`gm_gan_seed`'s: seed 000 trains every setting the same 300 epochs."""
    return gm_gan_seed.scales()
