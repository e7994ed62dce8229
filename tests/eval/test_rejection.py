"""Discriminator rejection sampling: the acceptance rule, the density-ratio readings, and sampling itself."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import tiny_config

from jaxgan.core import build_gan
from jaxgan.parts import losses
from jaxgan.eval import rejection


def test_acceptance_probability_is_a_probability_even_at_extremes():
    log_ratio = jnp.array([-1e4, -50.0, -1.0, 0.0, 3.0, 1e4])
    for gamma in (-20.0, 0.0, 5.0):
        p = np.asarray(rejection.acceptance_probability(log_ratio, jnp.float32(3.0), gamma))
        assert np.all(np.isfinite(p)) and np.all((p >= 0.0) & (p <= 1.0))
        assert np.all(np.diff(p[:5]) >= 0.0)  # monotone up to the max
    # Above the (stale) max the ratio is clamped to it, never NaN.
    assert float(rejection.acceptance_probability(jnp.array([10.0]), jnp.float32(3.0), 0.0)[0]) > 0.99


def test_gamma_zero_is_exact_rejection_sampling_acceptance():
    # sigmoid(F) with gamma = 0 equals exp(D - D*) (up to eps): rejection sampling with envelope exp(D*).
    d = jnp.linspace(-8.0, -1e-2, 50)
    np.testing.assert_allclose(rejection.acceptance_probability(d, jnp.float32(0.0), 0.0, eps=1e-6), np.exp(d),
                               rtol=1e-4, atol=1e-6)


def gaussian_proposal(batch: int = 4096):
    """Proposal N(0, 1) in 1-D; 'images' [B, 1] and labels [B]."""
    sample = jax.jit(lambda key: (jax.random.normal(key, (batch, 1)), jnp.zeros((batch,), jnp.int32)))
    return sample


def test_drs_with_exact_ratio_recovers_the_target():
    # Proposal q = N(0, 1), target p = N(1, 1): log p/q = x - 1/2. With gamma = 0 the accepted samples follow p.
    result = rejection.rejection_sample_fn(gaussian_proposal(), jax.jit(lambda x, y: x[:, 0] - 0.5),
                                           jax.random.PRNGKey(0), 5000, burn_in=50_000, gamma=0.0)
    x = result.images[:, 0]
    assert x.shape == (5000,) and result.labels.shape == (5000,)
    assert abs(x.mean() - 1.0) < 0.06 and abs(x.std() - 1.0) < 0.05
    # Acceptance = E_q[p/q] / max ratio = exp(-max log ratio).
    assert result.acceptance_rate == pytest.approx(np.exp(-result.max_log_ratio), rel=0.1)


def test_percentile_shift_moves_samples_toward_the_favoured_region():
    favoured = jax.jit(lambda x, y: 3.0 * x[:, 0])  # D prefers large x
    low = rejection.rejection_sample_fn(gaussian_proposal(1000), favoured, jax.random.PRNGKey(1), 2000,
                                        burn_in=2000, percentile=50.0)
    high = rejection.rejection_sample_fn(gaussian_proposal(1000), favoured, jax.random.PRNGKey(1), 2000,
                                         burn_in=2000, percentile=95.0)
    assert 0.0 < high.images.mean() and low.images.mean() < high.images.mean()
    assert high.acceptance_rate < low.acceptance_rate < 1.0
    again = rejection.rejection_sample_fn(gaussian_proposal(1000), favoured, jax.random.PRNGKey(1), 2000,
                                          burn_in=2000, percentile=95.0)
    np.testing.assert_array_equal(high.images, again.images)  # a pure function of the key


def test_hopeless_acceptance_raises():
    with pytest.raises(RuntimeError, match="accepted"):  # a shift of 1000 accepts with probability ~e^-987
        rejection.rejection_sample_fn(gaussian_proposal(64), jax.jit(lambda x, y: x[:, 0]), jax.random.PRNGKey(0),
                                      10, burn_in=64, gamma=1000.0)


def test_realness_is_the_log_density_ratio_drs_assumes():
    # DRS reads D's log(p_data / p_g) off the objective's realness; check it against D's probabilities.
    logits = jax.random.normal(jax.random.PRNGKey(0), (5, 4)) * 2.0
    d = jax.nn.sigmoid(logits[:, 0])
    for objective in (losses.NonSaturatingBCE(), losses.MinimaxBCE()):
        np.testing.assert_allclose(objective.realness(logits), np.log(d / (1 - d)), rtol=1e-4, atol=1e-5)
    probs = jax.nn.softmax(logits)  # K = 3 classes + fake
    np.testing.assert_allclose(losses.SupervisedKPlusOne().realness(logits),
                               np.log(probs[:, :3].sum(axis=1) / probs[:, 3]), rtol=1e-4, atol=1e-5)
    p_real = jax.nn.sigmoid(logits[:, 3])
    np.testing.assert_allclose(losses.SeparateObjectives().realness(logits), np.log(p_real / (1 - p_real)),
                               rtol=1e-4, atol=1e-5)


def test_rejection_sample_from_a_gan(tiny_idx_dir):
    gan = build_gan(tiny_config("vanilla", tiny_idx_dir), (28, 28, 1), 10, 256)
    state = gan.init(jax.random.PRNGKey(0))
    images = rejection.rejection_sample(gan, state, jax.random.PRNGKey(3), 20, batch_size=16, burn_in=32)
    assert images.shape == (20, 28, 28, 1) and images.min() >= -1.0 and images.max() <= 1.0
    again = rejection.rejection_sample(gan, state, jax.random.PRNGKey(3), 20, batch_size=16, burn_in=32)
    np.testing.assert_array_equal(images, again)
