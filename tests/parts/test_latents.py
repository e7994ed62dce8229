"""Latent priors (jaxgan.parts.latents): the Gaussian and the Gaussian-mixture prior (GM-GAN, seed 000), their
samples against the distributions they declare, reparameterisation gradients, dropout and sigma's floor."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan.parts import latents


def build_prior(cfg: dict, num_classes: int):
    """The prior a config section names (the registry lookup the engine uses)."""
    return latents.build_prior(cfg, num_classes)


def mixture(**fields) -> latents.GaussianMixturePrior:
    settings = dict(dim=4, num_classes=3, sigma0=1.4, mean_range=3.0)
    settings.update(fields)
    return latents.GaussianMixturePrior(**settings)


def init_params(prior, seed: int = 0) -> dict:
    key = jax.random.PRNGKey(seed)
    return prior.init({"params": key, "dropout": key}, key, 2)["params"]


def test_mixture_init_and_param_names():
    params = init_params(mixture(num_components=5, dim=7))
    assert set(params) == {"mu", "log_sigma"}
    assert params["mu"].shape == params["log_sigma"].shape == (5, 7)
    assert float(jnp.abs(params["mu"]).max()) <= 3.0 and float(params["mu"].std()) > 1.0  # U[-3, 3]
    _, sigma = mixture(num_components=5, dim=7).apply({"params": params}, method="components")
    np.testing.assert_allclose(sigma, 1.4, rtol=1e-5)
    with pytest.raises(ValueError, match="sigma0"):
        init_params(mixture(sigma0=0.0))


def test_mixture_sample_moments_match_components():
    prior = mixture(dim=4, num_classes=3)
    params = {"mu": jnp.array(np.random.default_rng(0).uniform(-3, 3, (3, 4)), jnp.float32),
              "log_sigma": jnp.log(jnp.array([[0.2, 0.5, 1.0, 2.0], [1.5, 0.3, 0.7, 1.1], [0.9, 0.9, 2.5, 0.1]]))}
    n = 60_000
    z, y = prior.apply({"params": params}, jax.random.PRNGKey(1), n)
    z, y = np.asarray(z), np.asarray(y)
    assert z.shape == (n, 4) and y.shape == (n,) and y.dtype == np.int32
    np.testing.assert_allclose(np.bincount(y, minlength=3) / n, 1 / 3, atol=0.01)  # y ~ Cat(K, 1/K)
    sigma = np.asarray(prior.min_sigma + jnp.exp(params["log_sigma"]))
    for k in range(3):
        zk = z[y == k]
        np.testing.assert_allclose(zk.mean(0), params["mu"][k], atol=4 * sigma[k].max() / np.sqrt(len(zk)))
        np.testing.assert_allclose(zk.std(0), sigma[k], rtol=0.03)
    # Given labels pick the components (conditional sampling).
    labels = jnp.full((20_000,), 2, jnp.int32)
    z2, y2 = prior.apply({"params": params}, jax.random.PRNGKey(2), 20_000, labels)
    assert (np.asarray(y2) == 2).all()
    np.testing.assert_allclose(np.asarray(z2).mean(0), params["mu"][2], atol=0.05)
    np.testing.assert_allclose(np.asarray(z2).std(0), sigma[2], rtol=0.03)


@pytest.mark.parametrize("trainable", [True, False])
def test_gradients_reach_mixture_only_in_dynamic_mode(trainable):
    prior = mixture(trainable=trainable)
    params = init_params(prior)
    labels = jnp.array([0, 1, 2, 0, 1, 2], jnp.int32)

    def loss(p):
        z, _ = prior.apply({"params": p}, jax.random.PRNGKey(3), 6, labels)
        return jnp.sum(jnp.sin(z) + z ** 2)

    grads = jax.grad(loss)(params)
    for name in ("mu", "log_sigma"):
        g = np.asarray(grads[name])
        if trainable:
            assert (np.abs(g) > 0).all(), name  # every component was sampled, every entry gets a gradient
        else:
            assert (g == 0).all(), name


def test_latent_dropout_only_in_training():
    prior = mixture(dim=64, dropout=0.5)
    params = init_params(prior)
    key = jax.random.PRNGKey(4)
    z_eval, _ = prior.apply({"params": params}, key, 32)
    assert (np.asarray(z_eval) != 0).all()
    z_a, _ = prior.apply({"params": params}, key, 32, None, True, rngs={"dropout": jax.random.PRNGKey(5)})
    z_b, _ = prior.apply({"params": params}, key, 32, None, True, rngs={"dropout": jax.random.PRNGKey(5)})
    np.testing.assert_array_equal(z_a, z_b)  # the mask comes from the 'dropout' key only
    dropped = np.asarray(z_a) == 0
    assert 0.4 < dropped.mean() < 0.6
    np.testing.assert_allclose(np.asarray(z_a)[~dropped], 2 * np.asarray(z_eval)[~dropped], rtol=1e-5)


def test_sigma_stays_positive_after_many_large_updates():
    prior = mixture()
    params = init_params(prior)
    opt = optax.adam(10.0)  # absurdly large steps, all pushing sigma down
    opt_state = opt.init(params)

    def shrink(p):
        return jnp.sum(prior.apply({"params": p}, method="components")[1])

    @jax.jit
    def step(p, s):
        updates, s = opt.update(jax.grad(shrink)(p), s, p)
        return optax.apply_updates(p, updates), s

    for _ in range(300):
        params, opt_state = step(params, opt_state)
    assert float(params["log_sigma"].max()) < -50
    # Then a single huge step (a broken optimiser): exp(log_sigma) underflows to 0, the floor still holds.
    crushed = {**params, "log_sigma": params["log_sigma"] - 1e4}
    for p in (params, crushed):
        _, sigma = prior.apply({"params": p}, method="components")
        assert np.isfinite(np.asarray(sigma)).all() and sigma.min() >= np.float32(prior.min_sigma) > 0
        z, _ = prior.apply({"params": p}, jax.random.PRNGKey(0), 8)
        assert np.isfinite(np.asarray(z)).all()


# ------------------------------------------------------------------------------------------ Gaussian prior
def test_gaussian_prior_is_standard_normal_and_labels_do_not_move_z():
    prior = build_prior({"name": "gaussian", "dim": 6}, num_classes=4)
    n = 40_000
    z, y = prior.apply({}, jax.random.PRNGKey(0), n)
    z, y = np.asarray(z, np.float64), np.asarray(y)
    assert z.shape == (n, 6) and y.dtype == np.int32
    np.testing.assert_allclose(z.mean(0), 0.0, atol=4 / np.sqrt(n))
    np.testing.assert_allclose(np.cov(z, rowvar=False), np.eye(6), atol=0.03)
    np.testing.assert_allclose(np.bincount(y, minlength=4) / n, 0.25, atol=0.01)  # y ~ Uniform{0..3}
    given = jnp.full((n,), 3, jnp.int32)
    z_given, y_given = prior.apply({}, jax.random.PRNGKey(0), n, given)
    np.testing.assert_array_equal(y_given, given)
    np.testing.assert_array_equal(z_given, z.astype(np.float32))  # the label is carried, z is the same draw


# ------------------------------------------------------------------------------------------ mixture prior
def test_mixture_with_more_components_than_classes_draws_every_component():
    prior = mixture(num_classes=3, num_components=5)
    _, y = prior.apply({"params": init_params(prior)}, jax.random.PRNGKey(1), 10_000)
    np.testing.assert_allclose(np.bincount(np.asarray(y), minlength=5) / 10_000, 0.2, atol=0.015)


def test_reparameterisation_gradients_are_the_analytic_ones():
    """z = mu[y] + (min_sigma + exp(log_sigma[y])) * eps: for L = sum(w * z), dL/dmu[k] sums w over the rows
    drawn from component k, dL/dlog_sigma[k] sums w * eps * exp(log_sigma[k]) over them."""
    prior = mixture(dim=4, num_classes=3)
    params = init_params(prior)
    params = {**params, "log_sigma": jnp.log(jnp.array([[0.2, 0.5, 1.0, 2.0], [1.5, 0.3, 0.7, 1.1],
                                                        [0.9, 0.9, 2.5, 0.1]]))}
    labels = jnp.array([0, 2, 2, 1, 0, 2, 1], jnp.int32)
    w = jax.random.normal(jax.random.PRNGKey(2), (7, 4))
    key = jax.random.PRNGKey(3)
    z, _ = prior.apply({"params": params}, key, 7, labels)
    grads = jax.grad(lambda p: jnp.sum(w * prior.apply({"params": p}, key, 7, labels)[0]))(params)

    mu, log_sigma = (np.asarray(params[k], np.float64) for k in ("mu", "log_sigma"))
    sigma = prior.min_sigma + np.exp(log_sigma)
    y, w64 = np.asarray(labels), np.asarray(w, np.float64)
    eps = (np.asarray(z, np.float64) - mu[y]) / sigma[y]  # the standard normal draw behind each row
    for k in range(3):
        rows = y == k
        np.testing.assert_allclose(grads["mu"][k], w64[rows].sum(0), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(grads["log_sigma"][k], (w64[rows] * eps[rows]).sum(0) * np.exp(log_sigma[k]),
                                   rtol=1e-4, atol=1e-5)


def test_unknown_prior_is_a_one_line_error():
    with pytest.raises(ValueError, match="nope") as error:
        build_prior({"name": "nope"}, num_classes=10)
    assert "\n" not in str(error.value) and "gaussian_mixture" in str(error.value)
