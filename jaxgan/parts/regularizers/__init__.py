"""Regularisers: extra loss terms for D or G, hard constraints, and the spectral (Lipschitz) tools.

Modules: `base` (the interface: `RegularizerInputs`, the `REGULARIZERS` registry, `build_all`,
`apply_all`), `penalties` (WGAN-GP gradient penalty), `constraints` (weight clipping as an optax
transform), `lipschitz` (spectral norms, the Lipschitz bound, spectrally normalised init), `mmd` (squared
maximum mean discrepancy and seed 002's MMD generator regulariser), `mode_seeking` (MSGAN's diversity
term for G).

Adding a regulariser: write `jaxgan/parts/regularizers/NAME.py` with a factory
`@REGULARIZERS.register("NAME") def NAME_regularizer(weight=..., **settings) -> Regularizer` (every module of
this package is imported below), and name it in a config: `config.g_regularizers.NAME = dict(weight=...)`
(or `d_regularizers`).
Settings that are floats (weights, bandwidths) may arrive as traced JAX arrays in population sweeps:
use them in jnp arithmetic, never in a Python `if`.
"""

from jaxgan import registry
from jaxgan.parts.regularizers.base import REGULARIZERS, Regularizer, RegularizerInputs, apply_all, build_all
from jaxgan.parts.regularizers.constraints import clip_params
from jaxgan.parts.regularizers.lipschitz import lipschitz_upper_bound, spectral_norm, spectral_normalized_init
from jaxgan.parts.regularizers.mmd import mmd2, mmd_regularizer
from jaxgan.parts.regularizers.mode_seeking import mode_seeking_loss, mode_seeking_regularizer
from jaxgan.parts.regularizers.penalties import gradient_penalty, gradient_penalty_regularizer

registry.import_submodules(__name__)

__all__ = [
    "REGULARIZERS", "Regularizer", "RegularizerInputs", "apply_all", "build_all",
    "clip_params", "lipschitz_upper_bound", "spectral_norm", "spectral_normalized_init",
    "gradient_penalty", "gradient_penalty_regularizer", "mmd2", "mmd_regularizer",
    "mode_seeking_loss", "mode_seeking_regularizer",
]
