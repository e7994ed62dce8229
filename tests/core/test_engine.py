"""The generic engine: scanned chunks equal single steps, determinism, schedules and the data order."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import tiny_config
from jaxgan.data import datasets as data
from jaxgan.core import build_gan, make_train
def build(tiny_idx_dir, variant="vanilla", **overrides):
    config = tiny_config(variant, tiny_idx_dir, **overrides)
    ds = data.load_idx(str(tiny_idx_dir), "train")
    gan = build_gan(config, ds.image_shape, ds.num_classes, ds.size)
    return gan, data.to_device(ds)


def assert_trees_equal(a, b):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_one_chunk_of_k_steps_equals_k_single_steps(tiny_idx_dir):
    gan, (images, labels) = build(tiny_idx_dir)
    start = gan.init(jax.random.PRNGKey(0))
    chunked, chunk_metrics = jax.jit(gan.train_chunk, static_argnums=3)(start, images, labels, 5)
    state = start
    step = jax.jit(gan.train_step)
    single_losses = []
    for _ in range(5):
        state, metrics = step(state, images, labels)
        single_losses.append(float(metrics["d/loss"]))
    assert int(chunked.step) == int(state.step) == 5
    assert_trees_equal(chunked.params, state.params)
    assert_trees_equal(chunked.g_opt_state, state.g_opt_state)
    np.testing.assert_array_equal(np.asarray(chunk_metrics["d/loss"]), np.float32(single_losses))


def test_same_seed_same_run_other_seed_other_run(tiny_idx_dir):
    gan, (images, labels) = build(tiny_idx_dir)
    run = jax.jit(make_train(gan, 3))
    a, _ = run(jax.random.PRNGKey(0), images, labels)
    b, _ = run(jax.random.PRNGKey(0), images, labels)
    c, _ = run(jax.random.PRNGKey(1), images, labels)
    assert_trees_equal(a.params, b.params)
    assert not np.allclose(a.params["generator"]["Dense_0"]["kernel"], c.params["generator"]["Dense_0"]["kernel"])


def test_g_every_skips_generator_updates(tiny_idx_dir):
    gan, (images, labels) = build(tiny_idx_dir, g_every=2)
    step = jax.jit(gan.train_step)
    s0 = gan.init(jax.random.PRNGKey(0))
    s1, m1 = step(s0, images, labels)  # step 0: generator's turn
    s2, m2 = step(s1, images, labels)  # step 1: discriminator only
    assert float(m1["g/updated"]) == 1.0 and float(m2["g/updated"]) == 0.0
    assert not np.allclose(s0.params["generator"]["Dense_0"]["kernel"], s1.params["generator"]["Dense_0"]["kernel"])
    assert_trees_equal(s1.params["generator"], s2.params["generator"])
    assert not np.allclose(s1.params["discriminator"]["Dense_0"]["kernel"],
                           s2.params["discriminator"]["Dense_0"]["kernel"])


def test_each_epoch_visits_every_image_once(tiny_idx_dir):
    key = jax.random.PRNGKey(3)
    for epoch in range(3):
        order = np.asarray(data.epoch_order(key, jnp.int32(epoch), 256))
        assert sorted(order.tolist()) == list(range(256))
    assert not np.array_equal(data.epoch_order(key, jnp.int32(0), 256), data.epoch_order(key, jnp.int32(1), 256))


def test_n_d_discriminator_updates_consume_distinct_batches(tiny_idx_dir):
    gan, (images, labels) = build(tiny_idx_dir, n_d=3, batch_size=32)
    state, metrics = jax.jit(gan.train_step)(gan.init(jax.random.PRNGKey(0)), images, labels)
    assert int(state.step) == 1 and np.isfinite(float(metrics["d/loss"]))
    # 256 images / batch 32 = 8 batches per epoch; 3 steps x 3 updates = 9 batches crosses into epoch 1.
    order0 = np.asarray(gan.init(jax.random.PRNGKey(0)).data_order)
    for _ in range(2):
        state, _ = jax.jit(gan.train_step)(state, images, labels)
    assert not np.array_equal(np.asarray(state.data_order), order0)


def test_impossible_sizes_are_rejected(tiny_idx_dir):
    with pytest.raises(ValueError, match="batch_size must be in"):
        build(tiny_idx_dir, batch_size=257)
    with pytest.raises(ValueError, match="n_d must be >= 1"):
        build(tiny_idx_dir, n_d=0)
