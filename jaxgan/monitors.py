"""Monitors: pure functions of the train state, computed on the host's schedule and logged like metrics.

`config.monitors.<name> = dict(every=N, **settings)` runs monitor `name` every N steps (and at the end).
A monitor factory takes the GAN and the settings and returns `(state) -> {metric name: scalar}`; the
trainer jits it once. Monitors read the state; they never change training.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import jax
import optax

Monitor = Callable[[Any], dict[str, jax.Array]]


def weight_norms(gan) -> Monitor:
    """Global L2 norm of each network's parameters: a cheap sign of divergence or collapse."""
    def monitor(state):
        return {f"monitor/{name}_weight_norm": optax.global_norm(params) for name, params in state.params.items()
                if jax.tree_util.tree_leaves(params)}
    return monitor


# name -> factory(gan, **settings) -> Monitor.
MONITORS: dict[str, Callable[..., Monitor]] = {"weight_norms": weight_norms}


def build_all(cfg: Mapping[str, Mapping[str, Any]], gan) -> dict[str, tuple[int, Monitor]]:
    """`{name: (every, jitted monitor)}` for the monitors a config names."""
    built = {}
    for name in sorted(cfg):
        settings = dict(cfg[name])
        every = int(settings.pop("every", 0))
        if name not in MONITORS:
            raise ValueError(f"unknown monitor {name!r}; known: {', '.join(sorted(MONITORS))}")
        if every < 1:
            raise ValueError(f"monitor {name!r} needs every >= 1, got {every}")
        try:
            built[name] = (every, jax.jit(MONITORS[name](gan, **settings)))
        except TypeError as e:
            raise ValueError(f"bad settings for monitor {name!r}: {e}") from None
    return built
