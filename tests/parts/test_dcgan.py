"""DCGAN networks, the patch transposed conv, batch norm / virtual batch norm state (every DCGAN variant end to
end, exact resume included: tests/test_variants.py)."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import tiny_config

from jaxgan.data import datasets as data
from jaxgan.core import build_gan
from jaxgan.parts.models.conv_transpose import PatchConvTranspose
from jaxgan.parts.models.dcgan import DCGANDiscriminator, DCGANGenerator
from jaxgan.parts.models.normalization import VirtualBatchNorm


@pytest.mark.parametrize("k,s,h,w", [(4, 2, 7, 7), (5, 2, 7, 7), (3, 2, 5, 6), (4, 1, 5, 5), (3, 3, 4, 3)])
def test_patch_conv_transpose_equals_flax_conv_transpose_with_the_same_params(k, s, h, w):
    x = jax.random.normal(jax.random.PRNGKey(0), (3, h, w, 4))
    params = PatchConvTranspose(6, k, s).init(jax.random.PRNGKey(1), x)
    expected = nn.ConvTranspose(6, (k, k), strides=(s, s), padding="SAME").apply(params, x)
    np.testing.assert_allclose(PatchConvTranspose(6, k, s).apply(params, x), expected, atol=2e-6)


def _count(tree) -> int:
    return sum(x.size for x in jax.tree_util.tree_leaves(tree))


def test_dcgan_shapes_parameter_counts_and_dcgan_init():
    g, d = DCGANGenerator((28, 28, 1)), DCGANDiscriminator()
    z = jax.random.normal(jax.random.PRNGKey(0), (5, 100))
    g_vars = jax.jit(g.init)(jax.random.PRNGKey(1), z)  # jitted: op-by-op initialisation is several times slower
    x = jax.jit(g.apply)(g_vars, z)
    assert x.shape == (5, 28, 28, 1) and float(jnp.abs(x).max()) <= 1.0
    d_vars = jax.jit(d.init)(jax.random.PRNGKey(2), x)
    logits, features = jax.jit(d.apply)(d_vars, x)
    assert logits.shape == (5, 1) and features.shape == (5, 4 * 4 * 128)
    # G: dense 100 -> 7*7*128, BN(128), convT 128 -> 64 (4x4), BN(64), convT 64 -> 1; D: convs 1->32->64->128,
    # BN(64), BN(128), dense 2048 -> 1.
    assert _count(g_vars["params"]) == (100 * 6272 + 6272) + 256 + (16 * 128 * 64 + 64) + 128 + (16 * 64 + 1)
    assert _count(d_vars["params"]) == ((16 * 32 + 32) + (16 * 32 * 64 + 64) + 128 + (16 * 64 * 128 + 128)
                                        + 256 + (2048 + 1))
    kernel = np.asarray(g_vars["params"]["ConvTranspose_0"]["kernel"])
    assert abs(kernel.std() - 0.02) < 0.001 and abs(kernel.mean()) < 0.001  # DCGAN's N(0, 0.02)
    # Other image shapes: any H x W x C (odd sizes are cropped from the upsampled grid).
    g3 = DCGANGenerator((30, 26, 3), channels=(16, 8, 4))
    x3 = jax.eval_shape(lambda z: g3.apply(g3.init(jax.random.PRNGKey(1), z), z), z)
    assert x3.shape == (5, 30, 26, 3)
    d3 = DCGANDiscriminator(channels=(8, 16))
    assert jax.eval_shape(lambda x: d3.apply(d3.init(jax.random.PRNGKey(2), x), x), x3)[1].shape == (5, 8 * 7 * 16)


def test_batch_norm_updates_its_statistics_in_training_and_is_frozen_in_evaluation():
    g = DCGANGenerator((28, 28, 1), channels=(8, 4))
    z = jax.random.normal(jax.random.PRNGKey(0), (16, 100))
    variables = g.init(jax.random.PRNGKey(1), z)
    x_train, updated = g.apply(variables, z, train=True, mutable=["batch_stats"])
    before, after = variables["batch_stats"]["Norm_0"], updated["batch_stats"]["Norm_0"]
    # Running mean moves 10% of the way (momentum 0.9) to the batch mean of the projection's pre-norm output.
    pre_norm = (z @ variables["params"]["Dense_0"]["kernel"] + variables["params"]["Dense_0"]["bias"])
    batch_mean = np.asarray(pre_norm.reshape(16, 7, 7, 8).mean(axis=(0, 1, 2)))
    np.testing.assert_allclose(after["mean"], 0.9 * np.asarray(before["mean"]) + 0.1 * batch_mean, atol=1e-6)
    # Training: an example's output depends on its batch; evaluation: it does not, and nothing is written.
    assert np.abs(np.asarray(x_train[:4]) - np.asarray(g.apply(variables, z[:4], train=True,
                                                                mutable=["batch_stats"])[0])).max() > 1e-4
    frozen = {**variables, **updated}
    np.testing.assert_allclose(g.apply(frozen, z)[:4], g.apply(frozen, z[:4]), atol=1e-6)


def test_virtual_batch_norm_matches_a_per_example_computation():
    r, b = 5, 3
    x = np.asarray(jax.random.normal(jax.random.PRNGKey(0), (r + b, 4, 3, 2))) * 2 + 1
    params = VirtualBatchNorm(r).init(jax.random.PRNGKey(1), x)
    out = np.asarray(VirtualBatchNorm(r).apply(params, x))
    ref = x[:r]
    for i in range(r + b):
        # The reference rows use the reference's statistics; an example joins the reference as one more member.
        pool = ref if i < r else np.concatenate([ref, x[i:i + 1]])
        mean, var = pool.mean(axis=(0, 1, 2)), pool.var(axis=(0, 1, 2))
        np.testing.assert_allclose(out[i], (x[i] - mean) / np.sqrt(var + 1e-5), rtol=1e-4, atol=1e-5)


def test_virtual_batch_norm_reference_is_chosen_once_and_examples_are_independent(tiny_idx_dir):
    ds = data.load_dataset(f"idx:{tiny_idx_dir}", "train")
    images, labels = data.to_device(ds)
    config = tiny_config("dcgan_small", tiny_idx_dir)
    config.generator.channels, config.discriminator.channels = (8, 4), (4, 8)
    config.generator.reference_size = config.discriminator.reference_size = 6  # <= batch size 8
    gan = build_gan(config, ds.image_shape, ds.num_classes, ds.size)
    state0 = jax.jit(gan.init)(jax.random.PRNGKey(0))
    assert not state0.model_state["discriminator"]["vbn"]["reference"]["chosen"]
    # One step per call, one compile (jitted, not donating: un-jitted steps are slow).
    chunk = jax.jit(lambda state: gan.train_chunk(state, images, labels, 1))
    state1, _ = chunk(state0)
    d_ref = state1.model_state["discriminator"]["vbn"]["reference"]
    # D's reference: the first 6 images of the first real batch (the initial epoch order's first batch).
    first_batch = data.gather_batch(images, labels, state0.data_order, 0, config.batch_size)[0]
    np.testing.assert_allclose(d_ref["reference"], first_batch[:6], atol=1e-6)  # the same scaled pixels
    state3, _ = chunk(chunk(state1)[0])
    for net in ("generator", "discriminator"):
        jax.tree_util.tree_map(np.testing.assert_array_equal, state3.model_state[net]["vbn"],
                               state1.model_state[net]["vbn"])
    assert bool(state3.model_state["generator"]["vbn"]["reference"]["chosen"])
    # No example depends on the rest of its batch, in evaluation and in training.
    z = jax.random.normal(jax.random.PRNGKey(1), (5, config.latent.dim))
    g_vars = {"params": state3.params["generator"], **state3.model_state["generator"]}
    generate = jax.jit(lambda z: gan.generator.apply(g_vars, z))
    np.testing.assert_allclose(generate(z)[:2], generate(z[:2]), atol=1e-6)
    d_vars = {"params": state3.params["discriminator"], **state3.model_state["discriminator"]}
    train_d = jax.jit(lambda x: gan.discriminator.apply(d_vars, x, train=True, mutable=["vbn"])[0][0])
    np.testing.assert_allclose(train_d(images[:5])[:2], train_d(images[:2]), atol=1e-5)
