"""MMD^2 against a naive double loop and its statistical behaviour; the `mmd` G regulariser in the engine."""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import tiny_config

from jaxgan import configs
from jaxgan.core import build_gan, step
from jaxgan.parts import regularizers
from jaxgan.parts.regularizers import REGULARIZERS, mmd2


def naive_mmd2(x: np.ndarray, y: np.ndarray, sigmas, unbiased: bool) -> float:
    """Double loops over all pairs, in float64."""
    k = lambda a, b: sum(np.exp(-np.sum((a - b) ** 2) / (2 * s * s)) for s in sigmas)
    n, m = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if not unbiased or i != j)
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if not unbiased or i != j)
    xy = sum(k(x[i], y[j]) for i in range(n) for j in range(m))
    pairs_x, pairs_y = (n * (n - 1), m * (m - 1)) if unbiased else (n * n, m * m)
    return xx / pairs_x + yy / pairs_y - 2 * xy / (n * m)


@pytest.mark.parametrize("sigmas", [(1.0, 2.0, 4.0, 8.0, 16.0), (0.5,), (3.0, 7.0)])
@pytest.mark.parametrize("unbiased", [True, False])
def test_mmd2_matches_naive_double_loop(sigmas, unbiased):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 5)).astype(np.float32)
    y = (rng.normal(size=(7, 5)) * 1.5 + 0.7).astype(np.float32)  # sets of different sizes
    np.testing.assert_allclose(mmd2(x, y, sigmas, unbiased), naive_mmd2(x, y, sigmas, unbiased),
                               rtol=1e-4, atol=1e-6)


def test_kernel_mixture_is_the_sum_of_single_bandwidths_and_mmd2_is_symmetric():
    kx, ky = jax.random.split(jax.random.PRNGKey(1))
    x, y = jax.random.normal(kx, (20, 6)), 2.0 + jax.random.normal(ky, (30, 6))
    sigmas = (1.0, 2.0, 4.0, 8.0, 16.0)
    for unbiased in (True, False):
        np.testing.assert_allclose(mmd2(x, y, sigmas, unbiased),
                                   sum(mmd2(x, y, (s,), unbiased) for s in sigmas), rtol=1e-5)
        np.testing.assert_allclose(mmd2(x, y, sigmas, unbiased), mmd2(y, x, sigmas, unbiased), rtol=1e-5)


def test_unbiased_mmd2_is_zero_in_expectation_and_grows_with_a_mean_shift():
    keys = jax.random.split(jax.random.PRNGKey(2), 200)
    draw = jax.vmap(lambda k, shift: mmd2(jax.random.normal(jax.random.fold_in(k, 0), (32, 4)),
                                          shift + jax.random.normal(jax.random.fold_in(k, 1), (32, 4))),
                    in_axes=(0, None))
    same = np.asarray(draw(keys, 0.0))
    assert (same < 0).any()  # single unbiased estimates go below 0 ...
    assert abs(same.mean()) < 3 * same.std() / np.sqrt(len(same))  # ... and the mean is 0 within 3 s.e.
    biased_same = jax.vmap(lambda k: mmd2(jax.random.normal(jax.random.fold_in(k, 0), (32, 4)),
                                          jax.random.normal(jax.random.fold_in(k, 1), (32, 4)),
                                          unbiased=False))(keys)
    assert float(biased_same.min()) > 0  # the biased estimate counts k(a, a) and stays above 0
    means = [float(draw(keys[:50], shift).mean()) for shift in (0.0, 0.5, 1.0, 2.0)]
    assert means == sorted(means) and means[1] > 5 * abs(means[0])


def test_mmd2_gradient_is_finite_where_x_equals_y():
    x = jax.random.normal(jax.random.PRNGKey(3), (8, 5))
    for unbiased in (True, False):
        value, grad = jax.value_and_grad(lambda a: mmd2(a, x, unbiased=unbiased))(x)
        assert np.isfinite(np.asarray(grad)).all()
        if not unbiased:  # the biased estimate is ||mean embedding difference||^2: 0 and flat at x == y
            np.testing.assert_allclose(value, 0.0, atol=1e-5)
            np.testing.assert_allclose(grad, 0.0, atol=1e-5)


# ------------------------------------------------------------------------------------ the regulariser
def _capture(weight=0.0):
    """Test regulariser: returns the feature batches it was given as 'metrics'."""
    def regularizer(inputs):
        return jnp.zeros(()), {"real_features": inputs.real_features, "fake_features": inputs.fake_features,
                               "fake": inputs.fake}
    return regularizer


if "_capture_features" not in REGULARIZERS:
    REGULARIZERS.register("_capture_features")(_capture)


def _tiny_dcgan(variant="mmd_dcgan", **overrides):
    c = configs.get_config(variant)
    c.batch_size = 8
    c.generator.channels, c.discriminator.channels = (8, 4), (4, 8)
    for key, value in overrides.items():
        c[key] = value
    return build_gan(c, (28, 28, 1), 10, 64)


def test_g_regularizers_get_d_penultimate_features_and_g_loss_adds_eta_mmd2():
    gan = _tiny_dcgan()
    gan = dataclasses.replace(gan, g_regularizers=gan.g_regularizers
                              + regularizers.build_all({"_capture_features": {}}))
    state = gan.init(jax.random.PRNGKey(0))
    real = jax.random.uniform(jax.random.PRNGKey(1), (8, 28, 28, 1), minval=-1, maxval=1)
    labels = jnp.zeros((8,), jnp.int32)
    _, metrics = jax.jit(functools.partial(step.g_update, gan))(state, real, labels, jax.random.PRNGKey(2))  # jitted: op-by-op convs are slow
    d_vars = {"params": state.params["discriminator"], **state.model_state["discriminator"]}
    manual = jax.jit(lambda x: gan.discriminator.apply(d_vars, x, labels, train=True, mutable=["batch_stats"])[0][1])
    np.testing.assert_allclose(metrics["g/real_features"], manual(real), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(metrics["g/fake_features"], manual(metrics["g/fake"]), rtol=1e-5, atol=1e-6)
    assert metrics["g/real_features"].shape == (8, 7 * 7 * 8)  # the flattened last conv block
    np.testing.assert_allclose(metrics["g/mmd2"], mmd2(manual(metrics["g/fake"]), manual(real)), rtol=1e-5)
    np.testing.assert_allclose(metrics["g/loss"] - metrics["g/adv_loss"], 10.0 * metrics["g/mmd2"], rtol=1e-4)


def test_same_seed_different_eta_gives_identical_noise_and_batches(tiny_idx_dir):
    from jaxgan.data import datasets as data

    ds = data.load_dataset(f"idx:{tiny_idx_dir}", "train")
    images, labels = data.to_device(ds)
    drawn = {}
    for eta in (0.0, 10.0):
        config = tiny_config("mmd_dcgan", tiny_idx_dir)
        config.generator.channels, config.discriminator.channels = (8, 4), (4, 8)
        config.g_regularizers.mmd.weight = eta
        gan = build_gan(config, ds.image_shape, ds.num_classes, ds.size)
        record = drawn.setdefault(eta, [])
        sample = gan.sample_latent

        def sample_and_record(prior_params, key, batch_size, labels=None, train=False):
            z, y = sample(prior_params, key, batch_size, labels, train)
            jax.debug.callback(lambda z: record.append(np.asarray(z)), z, ordered=True)
            return z, y

        object.__setattr__(gan, "sample_latent", sample_and_record)  # GAN is a frozen dataclass
        state, metrics = gan.train_chunk(gan.init(jax.random.PRNGKey(config.seed)), images, labels, 3)
        jax.effects_barrier()
        drawn[eta] = (record, np.asarray(state.data_order), np.asarray(metrics["g/mmd2"]),
                      jax.tree_util.tree_leaves(state.params["generator"]))
    (z0, order0, mmd0, g0), (z10, order10, mmd10, g10) = drawn[0.0], drawn[10.0]
    assert len(z0) == len(z10) >= 6  # D's and G's latent batches of 3 steps
    for a, b in zip(z0, z10):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(order0, order10)
    np.testing.assert_array_equal(mmd0[0], mmd10[0])  # same first step up to G's first update ...
    assert any(np.abs(np.asarray(a) - np.asarray(b)).max() > 0 for a, b in zip(g0, g10))  # ... then eta acts
