"""Optimiser groups: coverage (each parameter in exactly one group) and per-group settings really applied."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan import configs
from jaxgan.core import build_gan
from jaxgan.core import optim

PARAMS = {"generator": {"Dense_0": {"kernel": jnp.ones((2, 3)), "bias": jnp.ones(3)}},
          "prior": {"mu": jnp.ones((4, 2))}}


def test_every_parameter_of_every_variant_is_in_exactly_one_group(tiny_idx_dir):
    for variant in configs.variants():
        config = configs.get_config(variant)
        gan = build_gan(config, (28, 28, 1), 10, 256)
        params = jax.eval_shape(gan.init, jax.random.PRNGKey(0)).params
        labels = optim.assign_groups(params, config.optim)  # raises unless exactly one group each
        assert set(jax.tree_util.tree_leaves(labels)) <= set(config.optim)


def test_uncovered_or_doubly_covered_parameter_is_rejected():
    with pytest.raises(ValueError, match="matches 0 optimiser groups"):
        optim.assign_groups(PARAMS, {"g": dict(pattern="^generator/")})
    with pytest.raises(ValueError, match="matches 2 optimiser groups"):
        optim.assign_groups(PARAMS, {"g": dict(pattern="^generator/"), "all": dict(pattern="."),
                                     "p": dict(pattern="^prior/")})


def test_group_learning_rates_are_applied_per_group():
    groups = {"g": dict(pattern="^generator/", optimizer="sgd", learning_rate=0.1),
              "p": dict(pattern="^prior/", optimizer="sgd", learning_rate=1e-3)}
    tx = optim.build_optimizer(groups)
    grads = jax.tree_util.tree_map(jnp.ones_like, PARAMS)
    updates, _ = tx.update(grads, tx.init(PARAMS), PARAMS)
    np.testing.assert_allclose(updates["generator"]["Dense_0"]["kernel"], -0.1)
    np.testing.assert_allclose(updates["prior"]["mu"], -1e-3)


def test_adam_first_step_moves_each_group_by_its_own_learning_rate():
    groups = {"g": dict(pattern="^generator/", optimizer="adam", learning_rate=8e-5, b1=0.5),
              "p": dict(pattern="^prior/", optimizer="adam", learning_rate=1e-7, b1=0.5)}
    tx = optim.build_optimizer(groups)
    grads = jax.tree_util.tree_map(lambda x: 3.0 * jnp.ones_like(x), PARAMS)
    updates, _ = tx.update(grads, tx.init(PARAMS), PARAMS)
    # Adam's first step is lr * g / (|g| + eps) ~ lr in magnitude, whatever the gradient's scale.
    np.testing.assert_allclose(jnp.abs(updates["generator"]["Dense_0"]["bias"]), 8e-5, rtol=1e-4)
    np.testing.assert_allclose(jnp.abs(updates["prior"]["mu"]), 1e-7, rtol=1e-3)


def test_unknown_optimizer_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown optax optimizer 'adamm'"):
        optim.make_group_optimizer(dict(pattern=".", optimizer="adamm", learning_rate=1.0))
    with pytest.raises(ValueError, match="bad settings for optax.adam"):
        optim.make_group_optimizer(dict(pattern=".", optimizer="adam", learning_rate=1.0, beta=3))
