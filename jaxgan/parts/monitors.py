"""Monitors: pure functions of the train state, computed on the host's schedule and logged like metrics.

`config.monitors.<name> = dict(every=N, **settings)` runs monitor `name` every N steps (and at the end).
A monitor factory takes the GAN and the settings and returns `(state) -> {metric name: scalar}`; the
trainer jits it once. Monitors read the state; they never change training.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import jax
import jax.numpy as jnp
import optax

from jaxgan.parts.regularizers import lipschitz

Monitor = Callable[[Any], dict[str, jax.Array]]


def weight_norms(gan) -> Monitor:
    """Global L2 norm of each network's parameters: a cheap sign of divergence or collapse."""
    def monitor(state):
        return {f"monitor/{name}_weight_norm": optax.tree.norm(params) for name, params in state.params.items()
                if jax.tree_util.tree_leaves(params)}
    return monitor


def mixture_stats(gan) -> Monitor:
    """Gaussian-mixture prior health: sigma mean/min/max and the spread of the K means.

    Spread = mean pairwise Euclidean distance between component means (and the std of all mu entries):
    a mixture collapsing onto one mode shows it falling, a vanishing sigma shows in sigma_min.
    """
    components = getattr(gan.prior, "components", None)
    if components is None:
        raise ValueError(f"monitor 'mixture_stats' needs a mixture prior, got {type(gan.prior).__name__}")

    def monitor(state):
        mu, sigma = gan.prior.apply({"params": state.params["prior"]}, method="components")  # [K, d] each
        k = mu.shape[0]
        dists = jnp.sqrt(jnp.maximum(jnp.sum((mu[:, None] - mu[None]) ** 2, axis=-1), 0.0))  # [K, K]
        return {"monitor/mixture_sigma_mean": sigma.mean(), "monitor/mixture_sigma_min": sigma.min(),
                "monitor/mixture_sigma_max": sigma.max(), "monitor/mixture_mu_std": mu.std(),
                "monitor/mixture_mu_pairwise_dist": dists.sum() / max(k * (k - 1), 1)}
    return monitor


def lipschitz_bound(gan) -> Monitor:
    """The critic's Lipschitz upper bound, prod of its kernels' spectral norms (seed 001, Figure 2).

    See `jaxgan.regularizers.lipschitz_upper_bound`; spectrally normalised layers count with the weights they
    actually apply (kernel / sigma estimate).
    """
    def monitor(state):
        return {"monitor/d_lipschitz_bound": lipschitz.lipschitz_upper_bound(
            state.params["discriminator"], state.model_state.get("discriminator"))}
    return monitor


# name -> factory(gan, **settings) -> Monitor.
MONITORS: dict[str, Callable[..., Monitor]] = {"weight_norms": weight_norms, "mixture_stats": mixture_stats}
MONITORS["lipschitz_bound"] = lipschitz_bound


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
