"""The regulariser interface: inputs, the registry, and building/applying a config section.

Each config entry is `name: dict(weight=..., **settings)`. A regulariser is a function
`(RegularizerInputs) -> (weighted scalar term, metrics dict)`; the engine adds the term to the player's loss
and logs the metrics under `d/` or `g/`. Factories register themselves with `@register("name")`.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

import jax
import jax.numpy as jnp


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


Regularizer = Callable[[RegularizerInputs], tuple[jax.Array, dict[str, jax.Array]]]

# name -> factory(**settings) -> Regularizer. Filled by `register` in the modules that define regularisers.
REGULARIZERS: dict[str, Callable[..., Regularizer]] = {}


def register(name: str) -> Callable[[Callable[..., Regularizer]], Callable[..., Regularizer]]:
    """Decorator: make a factory `(weight=..., **settings) -> Regularizer` the config entry `name`."""
    def add(factory):
        if name in REGULARIZERS:
            raise ValueError(f"regularizer {name!r} is registered twice")
        REGULARIZERS[name] = factory
        return factory
    return add


def build_all(cfg: Mapping[str, Mapping[str, Any]]) -> tuple[Regularizer, ...]:
    """The regularisers named in a config section, in a fixed (sorted) order."""
    built = []
    for name in sorted(cfg):
        if name not in REGULARIZERS:
            raise ValueError(f"unknown regularizer {name!r}; known: {', '.join(sorted(REGULARIZERS)) or 'none'}")
        try:
            built.append(REGULARIZERS[name](**dict(cfg[name])))
        except TypeError as e:
            raise ValueError(f"bad settings for regularizer {name!r}: {e}") from None
    return tuple(built)


def apply_all(regs: tuple[Regularizer, ...], inputs: RegularizerInputs,
              prefix: str) -> tuple[jax.Array, dict[str, jax.Array]]:
    """Sum of the regularisers' terms, and their metrics with `prefix` (each gets its own key)."""
    total, metrics = jnp.zeros(()), {}
    for i, reg in enumerate(regs):
        term, reg_metrics = reg(inputs._replace(key=jax.random.fold_in(inputs.key, i)))
        total = total + term
        metrics.update({prefix + k: v for k, v in reg_metrics.items()})
    return total, metrics

