"""WGAN family: Wasserstein objective, gradient penalty, weight clipping (every WGAN variant end to end:
tests/test_variants.py)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from conftest import tiny_config

from jaxgan.core import build_gan, optim
from jaxgan.data import datasets as data
from jaxgan.parts import losses
from jaxgan.parts import regularizers
from jaxgan.parts.regularizers import constraints, penalties
from jaxgan.parts.models.mlp import MLPDiscriminator


# ------------------------------------------------------------------------------------------ objective
def test_wasserstein_losses_are_score_means():
    obj = losses.build_objective({"name": "wasserstein"})
    real = jnp.array([[1.0], [3.0]])
    fake = jnp.array([[-2.0], [0.5]])
    labels = jnp.zeros((2,), jnp.int32)
    assert obj.num_outputs(10) == 1
    np.testing.assert_array_equal(obj.realness(real), [1.0, 3.0])  # the critic's score itself
    np.testing.assert_allclose(obj.d_loss(real, fake, labels, labels), -0.75 - 2.0)
    np.testing.assert_allclose(obj.g_loss(fake, labels), 0.75)


# ----------------------------------------------------------------------------------- gradient penalty
def _linear_critic(w):
    return lambda x: x.reshape((x.shape[0], -1)) @ w  # [B, 1]


def test_gradient_penalty_linear_critic_is_analytic():
    """A linear critic w.x has input-gradient norm ||w|| everywhere: the penalty is (||w|| - 1)^2."""
    k_w, k_r, k_f, k_gp = jax.random.split(jax.random.PRNGKey(0), 4)
    w = jax.random.normal(k_w, (3 * 3 * 2, 1))
    real = jax.random.normal(k_r, (5, 3, 3, 2))
    fake = jax.random.normal(k_f, (5, 3, 3, 2))
    norm_w = float(jnp.linalg.norm(w))
    penalty, norms = regularizers.gradient_penalty(_linear_critic(w), real, fake, k_gp)
    np.testing.assert_allclose(norms, np.full(5, norm_w), rtol=1e-5)
    np.testing.assert_allclose(penalty, (norm_w - 1.0) ** 2, rtol=1e-5)
    # target and one-sided variants
    penalty, _ = regularizers.gradient_penalty(_linear_critic(w), real, fake, k_gp, target=2.0)
    np.testing.assert_allclose(penalty, (norm_w - 2.0) ** 2, rtol=1e-5)
    small = w / (2 * norm_w)  # ||small|| = 0.5 < 1
    assert float(regularizers.gradient_penalty(_linear_critic(small), real, fake, k_gp, one_sided=True)[0]) == 0.0
    np.testing.assert_allclose(regularizers.gradient_penalty(_linear_critic(small), real, fake, k_gp)[0], 0.25,
                               rtol=1e-5)


def test_gradient_penalty_matches_finite_differences_on_mlp_critic():
    critic = MLPDiscriminator(hidden=(8, 8), dropout=0.0)
    k_init, k_r, k_f, k_gp = jax.random.split(jax.random.PRNGKey(1), 4)
    real = jax.random.uniform(k_r, (4, 3, 3, 1), minval=-1, maxval=1)
    fake = jax.random.uniform(k_f, (4, 3, 3, 1), minval=-1, maxval=1)
    params = critic.init(k_init, real)
    critic_fn = lambda x: critic.apply(params, x)[0]  # [B, 1]
    penalty, norms = regularizers.gradient_penalty(critic_fn, real, fake, k_gp)

    # Independent computation: central differences of each sample's score, one input coordinate at a time
    # (all 2 * 9 perturbed copies of the batch scored in one call).
    x_hat, _ = penalties.interpolate(real, fake, k_gp)
    x_flat = np.asarray(x_hat, np.float64).reshape(4, -1)
    h = 1e-2  # LeakyReLU nets are piecewise linear: a large step is exact unless it crosses a kink
    steps = h * np.eye(x_flat.shape[1])[:, None, :]  # [D, 1, D]
    batch = np.concatenate([x_flat[None] + steps, x_flat[None] - steps]).reshape(-1, *x_hat.shape[1:])
    scores = np.asarray(critic_fn(jnp.asarray(batch, jnp.float32))[:, 0], np.float64).reshape(2, -1, 4)
    fd_grads = ((scores[0] - scores[1]) / (2 * h)).T  # [B, D]
    fd_norms = np.linalg.norm(fd_grads, axis=1)
    np.testing.assert_allclose(norms, fd_norms, rtol=2e-3)
    np.testing.assert_allclose(penalty, np.mean((fd_norms - 1.0) ** 2), rtol=5e-3)

    # Grad of the sum equals per-sample grads (vmap of grad): the critic has no batch coupling.
    per_sample = jax.vmap(jax.grad(lambda x: critic_fn(x[None])[0, 0]))(x_hat)
    np.testing.assert_allclose(norms, jnp.linalg.norm(per_sample.reshape(4, -1), axis=1), rtol=1e-5)


def test_interpolation_draws_one_eps_per_sample():
    real = jnp.ones((16, 2, 2, 1))
    fake = jnp.zeros((16, 2, 2, 1))
    x_hat, eps = penalties.interpolate(real, fake, jax.random.PRNGKey(3))
    assert eps.shape == (16,)
    assert len(np.unique(np.asarray(eps))) == 16  # a different eps per sample
    assert float(eps.min()) >= 0.0 and float(eps.max()) <= 1.0
    # every pixel of sample i is eps_i * 1 + (1 - eps_i) * 0
    np.testing.assert_allclose(x_hat, jnp.broadcast_to(eps[:, None, None, None], x_hat.shape), rtol=1e-6)


def test_gradient_penalty_regularizer_weight_and_double_backprop():
    """The registered regulariser applies lambda, and its value is differentiable w.r.t. critic params."""
    reg = regularizers.build_all({"gradient_penalty": dict(weight=10.0)})[0]
    real = jax.random.normal(jax.random.PRNGKey(4), (4, 2, 2, 1))
    fake = jax.random.normal(jax.random.PRNGKey(5), (4, 2, 2, 1))
    labels = jnp.zeros((4,), jnp.int32)

    def term(w):
        inputs = regularizers.RegularizerInputs(
            critic=lambda x, y, k: _linear_critic(w)(x), params=None, real=real, fake=fake, real_labels=labels,
            fake_labels=labels, real_features=None, fake_features=None, key=jax.random.PRNGKey(6))
        return reg(inputs)

    w = jnp.full((4, 1), 1.0)  # ||w|| = 2
    value, metrics = term(w)
    np.testing.assert_allclose(value, 10.0 * (2.0 - 1.0) ** 2, rtol=1e-5)
    np.testing.assert_allclose(metrics["grad_norm"], 2.0, rtol=1e-5)
    # d/dw 10 (||w|| - 1)^2 = 20 (||w|| - 1) w / ||w||
    np.testing.assert_allclose(jax.grad(lambda w: term(w)[0])(w), 20 * 1.0 * w / 2.0, rtol=1e-4)


# ------------------------------------------------------------------------------------- weight clipping
def test_clip_params_transform_projects_into_box():
    params = {"a": jnp.array([0.5, -0.5, 0.005]), "b": jnp.array([[0.02]])}
    tx = optax.chain(optax.sgd(1.0), constraints.clip_params(0.01))
    grads = {"a": jnp.array([0.0, 0.0, -0.003]), "b": jnp.array([[0.0]])}
    updates, _ = tx.update(grads, tx.init(params), params)
    new = optax.apply_updates(params, updates)
    np.testing.assert_allclose(new["a"], [0.01, -0.01, 0.008], rtol=1e-6)
    np.testing.assert_allclose(new["b"], [[0.01]], rtol=1e-6)
    with pytest.raises(ValueError):
        constraints.clip_params(0.0)


def test_optim_group_clip_is_not_passed_to_optax():
    groups = {"d": dict(pattern="^discriminator/", optimizer="sgd", learning_rate=1.0, clip=0.1),
              "g": dict(pattern="^generator/", optimizer="sgd", learning_rate=1.0)}
    params = {"discriminator": {"w": jnp.array([0.0])}, "generator": {"w": jnp.array([0.0])}}
    tx = optim.build_optimizer(groups)
    grads = {"discriminator": {"w": jnp.array([-5.0])}, "generator": {"w": jnp.array([-5.0])}}
    updates, _ = tx.update(grads, tx.init(params), params)
    new = optax.apply_updates(params, updates)
    np.testing.assert_allclose(new["discriminator"]["w"], [0.1])  # clipped
    np.testing.assert_allclose(new["generator"]["w"], [5.0])  # its own group: untouched


# ---------------------------------------------------------------------------------------------- wgan_clip
def test_clipped_critic_stays_in_the_box_while_training(tiny_idx_dir):
    """wgan_clip's config reaches the engine: after 2 steps x n_d=5 critic updates every critic weight is in
    [-c, c] (up to one rounding of p + (clip(p + u) - p)), the initial weights (std ~ 1/sqrt(784) > c) really
    were clipped, and G's weights are not."""
    config = tiny_config("wgan_clip", tiny_idx_dir)
    ds = data.load_idx(str(tiny_idx_dir), "train")
    gan = build_gan(config, ds.image_shape, ds.num_classes, ds.size)
    state, _ = gan.jit_train_chunk(jax.jit(gan.init)(jax.random.PRNGKey(0)), *data.to_device(ds), 2)
    c = config.optim.discriminator.clip
    biggest = max(float(jnp.abs(p).max()) for p in jax.tree_util.tree_leaves(state.params["discriminator"]))
    assert c * (1 - 1e-6) <= biggest <= c * (1 + 1e-6)
    assert max(float(jnp.abs(p).max()) for p in jax.tree_util.tree_leaves(state.params["generator"])) > c
