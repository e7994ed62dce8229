"""Network shapes and exact parameter counts of the reports' fixed MLP GAN."""

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.parts import models


def count(params):
    return sum(int(np.prod(x.shape)) for x in jax.tree_util.tree_leaves(params))


def test_mlp_generator_shapes_and_parameter_count():
    g = models.build_generator(dict(name="mlp", hidden=(256, 512, 1024)), (28, 28, 1), 10)
    z = jnp.zeros((3, 100))
    params = g.init(jax.random.PRNGKey(0), z)["params"]
    x = g.apply({"params": params}, z)
    assert x.shape == (3, 28, 28, 1)
    assert float(jnp.abs(x).max()) <= 1.0
    expected = (100 * 256 + 256) + (256 * 512 + 512) + (512 * 1024 + 1024) + (1024 * 784 + 784)
    assert count(params) == expected == 1_486_352


def test_mlp_discriminator_shapes_parameter_count_and_dropout():
    d = models.build_discriminator(dict(name="mlp", hidden=(1024, 512, 256), dropout=0.3), 1, 10)
    x = jax.random.normal(jax.random.PRNGKey(1), (5, 28, 28, 1))
    params = d.init(jax.random.PRNGKey(0), x)["params"]
    logits, feats = d.apply({"params": params}, x)
    assert logits.shape == (5, 1) and feats.shape == (5, 256)
    expected = (784 * 1024 + 1024) + (1024 * 512 + 512) + (512 * 256 + 256) + (256 * 1 + 1)
    assert count(params) == expected == 1_460_225
    # Dropout only in training, and its mask comes from the 'dropout' rng.
    eval_a, _ = d.apply({"params": params}, x, train=False)
    eval_b, _ = d.apply({"params": params}, x, train=False)
    np.testing.assert_array_equal(eval_a, eval_b)
    train_a, _ = d.apply({"params": params}, x, train=True, rngs={"dropout": jax.random.PRNGKey(2)})
    train_b, _ = d.apply({"params": params}, x, train=True, rngs={"dropout": jax.random.PRNGKey(3)})
    assert not np.allclose(train_a, train_b)


def test_unknown_network_name_is_a_clear_error():
    import pytest
    with pytest.raises(ValueError, match="unknown generator 'nope'"):
        models.build_generator(dict(name="nope"), (28, 28, 1), 10)
    with pytest.raises(ValueError, match="bad discriminator config"):
        models.build_discriminator(dict(name="mlp", widths=3), 1, 10)
