"""Adversarial objectives against their closed forms."""

import numpy as np
import pytest

from jaxgan.parts import losses


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@pytest.fixture
def logits():
    rng = np.random.default_rng(0)
    return rng.normal(0, 3, (16, 1)).astype(np.float32), rng.normal(0, 3, (16, 1)).astype(np.float32)


def test_bce_discriminator_loss_is_minus_log_likelihood(logits):
    real, fake = logits
    expected = -np.log(sigmoid(real)).mean() - np.log(1 - sigmoid(fake)).mean()
    got = losses.NonSaturatingBCE().d_loss(real, fake, None, None)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_non_saturating_generator_loss(logits):
    _, fake = logits
    np.testing.assert_allclose(losses.NonSaturatingBCE().g_loss(fake, None), -np.log(sigmoid(fake)).mean(),
                               rtol=1e-5)


def test_minimax_generator_loss_is_log_one_minus_d(logits):
    _, fake = logits
    np.testing.assert_allclose(losses.MinimaxBCE().g_loss(fake, None), np.log(1 - sigmoid(fake)).mean(),
                               rtol=1e-4)


def test_losses_stay_finite_for_huge_logits():
    big = np.array([[80.0], [-80.0]], np.float32)
    for objective in (losses.NonSaturatingBCE(), losses.MinimaxBCE()):
        assert np.isfinite(objective.d_loss(big, big, None, None))
        assert np.isfinite(objective.g_loss(big, None))


def test_optimum_of_discriminator_at_equal_densities():
    # With p_data = p_g, the optimal D outputs 1/2 and the D loss is 2 log 2 (Goodfellow et al., Prop. 1).
    zero = np.zeros((4, 1), np.float32)
    np.testing.assert_allclose(losses.NonSaturatingBCE().d_loss(zero, zero, None, None), 2 * np.log(2), rtol=1e-6)


def test_realness_of_each_objective():
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], np.float32)
    np.testing.assert_allclose(losses.NonSaturatingBCE().realness(logits[:, :1]), [1.0, 0.0])
    np.testing.assert_allclose(losses.SeparateObjectives().realness(logits), [0.5, 3.0])
    # K+1 softmax: log sum_k exp(l_k) over the K real classes minus the "fake" logit.
    expected = np.log(np.exp(logits[:, 0]) + np.exp(logits[:, 1])) - logits[:, 2]
    np.testing.assert_allclose(losses.SupervisedKPlusOne().realness(logits), expected, rtol=1e-6)
