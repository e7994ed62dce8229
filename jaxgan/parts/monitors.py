"""Monitors: pure functions of the train state, computed on the host's schedule and logged like metrics.

`config.monitors.<name> = dict(every=N, **settings)` runs monitor `name` every N steps (and at the end).
A monitor factory (`contracts.MonitorFactory`) takes the GAN and the settings and returns
`(state) -> {metric name: scalar}`; the trainer jits it once. Monitors read the state; they never change
training. A factory registers with `@MONITORS.register(name)` and checks what it needs by the
capabilities the GAN's parts declared (e.g. `latents.has_mixture`).
"""

from __future__ import annotations

from typing import Any, Mapping

import jax
import jax.numpy as jnp
import optax

from jaxgan.parts import contracts, latents
from jaxgan.parts.regularizers import lipschitz
from jaxgan.registry import Registry

Monitor = contracts.Monitor

# name -> factory(gan, **settings) -> Monitor.
MONITORS: Registry[contracts.MonitorFactory] = Registry("monitor")


@MONITORS.register("weight_norms")
def weight_norms(gan) -> Monitor:
    """Global L2 norm of each network's parameters: a cheap sign of divergence or collapse."""
    def monitor(state):
        return {f"monitor/{name}_weight_norm": optax.tree.norm(params) for name, params in state.params.items()
                if jax.tree_util.tree_leaves(params)}
    return monitor


@MONITORS.register("mixture_stats")
def mixture_stats(gan) -> Monitor:
    """Gaussian-mixture prior health: sigma mean/min/max and the spread of the K means.

    Spread = mean pairwise Euclidean distance between component means (and the std of all mu entries):
    a mixture collapsing onto one mode shows it falling, a vanishing sigma shows in sigma_min.
    """
    if not latents.has_mixture(gan.prior):
        raise ValueError(f"monitor 'mixture_stats' needs a mixture prior, got {type(gan.prior).__name__}")

    def monitor(state):
        mu, sigma = gan.prior.apply({"params": state.params["prior"]}, method="components")  # [K, d] each
        k = mu.shape[0]
        dists = jnp.sqrt(jnp.maximum(jnp.sum((mu[:, None] - mu[None]) ** 2, axis=-1), 0.0))  # [K, K]
        return {"monitor/mixture_sigma_mean": sigma.mean(), "monitor/mixture_sigma_min": sigma.min(),
                "monitor/mixture_sigma_max": sigma.max(), "monitor/mixture_mu_std": mu.std(),
                "monitor/mixture_mu_pairwise_dist": dists.sum() / max(k * (k - 1), 1)}
    return monitor


@MONITORS.register("lipschitz_bound")
def lipschitz_bound(gan) -> Monitor:
    """The critic's Lipschitz upper bound, prod of its kernels' spectral norms (seed 001, Figure 2).

    See `jaxgan.regularizers.lipschitz_upper_bound`; spectrally normalised layers count with the weights they
    actually apply (kernel / sigma estimate).
    """
    def monitor(state):
        return {"monitor/d_lipschitz_bound": lipschitz.lipschitz_upper_bound(
            state.params["discriminator"], state.model_state.get("discriminator"))}
    return monitor


def build_all(cfg: Mapping[str, Mapping[str, Any]], gan) -> dict[str, tuple[int, Monitor]]:
    """`{name: (every, jitted monitor)}` for the monitors a config names."""
    built = {}
    for name in sorted(cfg):
        settings = dict(cfg[name])
        every = int(settings.pop("every", 0))
        MONITORS.get(name)  # an unknown name is reported before a bad `every`
        if every < 1:
            raise ValueError(f"monitor {name!r} needs every >= 1, got {every}")
        built[name] = (every, jax.jit(MONITORS.create(name, gan, **settings)))
    return built
