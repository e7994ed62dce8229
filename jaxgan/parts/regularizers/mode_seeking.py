"""Mode-seeking regulariser (Mao et al., "Mode Seeking GANs", CVPR 2019): a G term against intra-class collapse.

MSGAN maximises `d(G(z1, c), G(z2, c)) / d(z1, z2)` for two latents of the same condition c: when G maps
different latents of one class to one image the ratio is ~0 and the term `1 / (ratio + eps)` is large. The
paper draws the pair explicitly; we take every pair of the step's fake batch drawn for the same class
(`fake_labels`; with `per_class=False` every pair), so the term costs no extra generator pass. Distances are
root-mean-square differences (over pixels, over latent dimensions), where the paper's code takes mean absolute
ones: ours because RMS distances of all pairs come from one Gram matrix (`mmd.squared_distances`), while the
L1 form needs a `[B, B, pixels]` tensor that made the whole MLP GAN step ~1.7x slower on CPU.
This regulariser is ours for the GM-GAN (no seed uses it); see issue 12 and jaxgan/configs/gm_gan.py.
Registered as the G regulariser "mode_seeking": `config.g_regularizers.mode_seeking = dict(weight=1.0)`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgan.parts.regularizers.base import REGULARIZERS, RegularizerInputs
from jaxgan.parts.regularizers.mmd import squared_distances


def pairwise_rms(x: jax.Array, floor: float = 1e-12) -> jax.Array:
    """Root-mean-square difference `[B, B]` between the rows of x `[B, ...]` (flattened). `floor` inside the
    root keeps its gradient finite where two rows are equal."""
    x = x.reshape((x.shape[0], -1))
    return jnp.sqrt(squared_distances(x, x) / x.shape[1] + floor)


def mode_seeking_loss(images: jax.Array, latents: jax.Array, labels: jax.Array, per_class: bool = True,
                      eps: float = 1e-5) -> tuple[jax.Array, jax.Array]:
    """(mean over pairs of `1 / (ratio + eps)`, mean ratio), ratio = image RMS / latent RMS distance of a pair.

    images `[B, H, W, C]`, latents `[B, d]`, labels `[B]`. Pairs are i != j (with equal labels when
    `per_class`); a batch without any pair gives 0 for both.
    """
    b = images.shape[0]
    pair = ~jnp.eye(b, dtype=bool)
    if per_class:
        pair = pair & (labels[:, None] == labels[None, :])
    z_dist = jnp.where(pair, pairwise_rms(latents), 1.0)
    ratio = pairwise_rms(images) / z_dist
    count = jnp.maximum(jnp.sum(pair), 1)
    loss = jnp.sum(jnp.where(pair, 1.0 / (ratio + eps), 0.0)) / count
    return loss, jnp.sum(jnp.where(pair, ratio, 0.0)) / count


@REGULARIZERS.register("mode_seeking")
def mode_seeking_regularizer(weight: float = 1.0, per_class: bool = True, eps: float = 1e-5):
    """G regulariser `weight * mean 1 / (image RMS / latent RMS distance + eps)` over same-class pairs of the fake batch.
    Logs `g/mode_seeking_ratio` (the mean ratio: ~0 means collapse). `weight` may be traced (a sweep)."""

    def regularizer(inputs: RegularizerInputs):
        if inputs.latents is None:
            raise ValueError("mode_seeking needs the fake batch's latents (a generator regulariser)")
        loss, ratio = mode_seeking_loss(inputs.fake, inputs.latents, inputs.fake_labels, per_class, eps)
        return weight * loss, {"mode_seeking_ratio": ratio}
    return regularizer
