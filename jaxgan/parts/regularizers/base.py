"""The regulariser interface: inputs, the registry, and building/applying a config section.

Each config entry is `name: dict(weight=..., **settings)`. A regulariser is a function
`(RegularizerInputs) -> (weighted scalar term, metrics dict)`; the engine adds the term to the player's loss
and logs the metrics under `d/` or `g/`. Factories (`contracts.RegularizerFactory`) register themselves with
`@REGULARIZERS.register("name")` in the module that defines them.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

import jax
import jax.numpy as jnp

from jaxgan.parts import contracts
from jaxgan.registry import Registry


class RegularizerInputs(NamedTuple):
    """What a regulariser may look at inside one player's loss.

    critic: `(x [B,H,W,C], labels [B], key) -> logits [B, n_out]`, D with its current params (augmentation
    and dropout as in training); params: the updated player's parameters; real/fake: `[B, H, W, C]` batches;
    *_features: D's penultimate features `[B, F]`; key: randomness for the regulariser; latents: the
    latents `[B, d]` the fake batch was generated from (None where a caller has none).
    """

    critic: Callable[[jax.Array, jax.Array, jax.Array], jax.Array]
    params: Any
    real: jax.Array
    fake: jax.Array
    real_labels: jax.Array
    fake_labels: jax.Array
    real_features: jax.Array
    fake_features: jax.Array
    key: jax.Array
    latents: jax.Array | None = None


Regularizer = contracts.Regularizer

# name -> factory(weight=..., **settings) -> Regularizer.
REGULARIZERS: Registry[contracts.RegularizerFactory] = Registry("regularizer")


def build_all(cfg: Mapping[str, Mapping[str, Any]]) -> tuple[Regularizer, ...]:
    """The regularisers named in a config section (`{name: {weight, **settings}}`), in a fixed (sorted) order."""
    return tuple(REGULARIZERS.create(name, **dict(cfg[name])) for name in sorted(cfg))


def apply_all(regs: tuple[Regularizer, ...], inputs: RegularizerInputs,
              prefix: str) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Sum of the regularisers' terms, and their metrics with `prefix` (each gets its own key)."""
    total, metrics = jnp.zeros(()), {}
    for i, reg in enumerate(regs):
        term, reg_metrics = reg(inputs._replace(key=jax.random.fold_in(inputs.key, i)))
        total = total + term
        metrics.update({prefix + k: v for k, v in reg_metrics.items()})
    return total, metrics

