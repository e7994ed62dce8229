"""Monitors (jaxgan.parts.monitors): each one's values against a numpy computation on a small network's state,
and the one-line errors of the monitor settings."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from conftest import tiny_config

from jaxgan.core import build_gan
from jaxgan.parts import monitors


def build_monitor(name: str, gan, **settings):
    """The jitted monitor `name` as the trainer builds it from `config.monitors.<name> = dict(every=1, ...)`."""
    return monitors.build_all({name: {"every": 1, **settings}}, gan)[name][1]


def small_gan(variant: str, data_dir, **overrides):
    """(gan, state): `variant` with tiny networks, freshly initialised (init jitted: one compile, not one per op)."""
    gan = build_gan(tiny_config(variant, data_dir, **overrides), (28, 28, 1), 10, 256)
    return gan, jax.jit(gan.init)(jax.random.PRNGKey(0))


def top_singular_value(kernel) -> float:
    """sigma_max of a kernel read as a matrix [prod(all but the last axis), out] (seed 001's reading)."""
    kernel = np.asarray(kernel, np.float64)
    return float(np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0])


@pytest.mark.parametrize("variant,overrides", [
    ("wgan", {}),  # dense critic: 784 -> 16 -> 16 -> 1
    ("wgan_gp_conv", {"discriminator.channels": (4, 8, 8, 8)}),  # 3x3 convs, then a dense head
])
def test_lipschitz_bound_is_the_product_of_the_critics_kernel_norms(tiny_idx_dir, variant, overrides):
    gan, state = small_gan(variant, tiny_idx_dir, **overrides)
    kernels = [leaf for path, leaf in jax.tree_util.tree_leaves_with_path(state.params["discriminator"])
               if path[-1].key == "kernel"]
    assert len(kernels) == (3 if variant == "wgan" else 5)
    expected = np.prod([top_singular_value(k) for k in kernels])
    out = build_monitor("lipschitz_bound", gan)(state)
    np.testing.assert_allclose(out["monitor/d_lipschitz_bound"], expected, rtol=1e-4)


def test_weight_norms_are_each_networks_global_l2_norm(tiny_idx_dir):
    gan, state = small_gan("gm_gan", tiny_idx_dir)  # three networks: generator, mixture prior, discriminator
    out = jax.device_get(build_monitor("weight_norms", gan)(state))
    assert set(out) == {f"monitor/{n}_weight_norm" for n in ("generator", "prior", "discriminator")}
    for name, params in state.params.items():
        flat = np.concatenate([np.asarray(x, np.float64).ravel() for x in jax.tree_util.tree_leaves(params)])
        np.testing.assert_allclose(out[f"monitor/{name}_weight_norm"], np.sqrt(np.sum(flat ** 2)), rtol=1e-5)
    _, vanilla = small_gan("vanilla", tiny_idx_dir)  # a Gaussian prior has no parameters: no row for it
    assert "monitor/prior_weight_norm" not in build_monitor("weight_norms", gan)(vanilla)


def test_mixture_stats_are_the_mixtures_moments(tiny_idx_dir):
    gan, state = small_gan("gm_gan", tiny_idx_dir)
    out = jax.device_get(build_monitor("mixture_stats", gan)(state))
    mu = np.asarray(state.params["prior"]["mu"], np.float64)
    sigma = gan.prior.min_sigma + np.exp(np.asarray(state.params["prior"]["log_sigma"], np.float64))
    pairwise = np.linalg.norm(mu[:, None] - mu[None], axis=-1)
    np.testing.assert_allclose(out["monitor/mixture_mu_pairwise_dist"], pairwise.sum() / (10 * 9), rtol=1e-5)
    np.testing.assert_allclose(out["monitor/mixture_mu_std"], mu.std(), rtol=1e-5)
    np.testing.assert_allclose(out["monitor/mixture_sigma_mean"], sigma.mean(), rtol=1e-5)
    np.testing.assert_allclose(out["monitor/mixture_sigma_min"], sigma.min(), rtol=1e-5)
    np.testing.assert_allclose(out["monitor/mixture_sigma_max"], sigma.max(), rtol=1e-5)


def test_bad_monitor_settings_are_one_line_errors(tiny_idx_dir):
    vanilla = build_gan(tiny_config("vanilla", tiny_idx_dir), (28, 28, 1), 10, 256)
    for cfg, message in (({"nope": {"every": 1}}, "nope"),
                         ({"weight_norms": {"every": 0}}, "every"),
                         ({"weight_norms": {"every": 1, "bogus": 2}}, "bogus"),
                         ({"mixture_stats": {"every": 1}}, "mixture prior")):
        with pytest.raises(ValueError, match=message) as error:
            monitors.build_all(cfg, vanilla)
        assert "\n" not in str(error.value)
