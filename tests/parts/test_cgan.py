"""Conditional GANs (seeds 003, 004): conditioning parts, projection D, hinge loss, resize-conv ResNet G,
fixed and adaptive discriminator advantage (every cGAN variant end to end: tests/test_variants.py)."""

from __future__ import annotations

import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from conftest import tiny_config

from jaxgan import configs
from jaxgan.data import datasets as data
from jaxgan.core import build_gan
from jaxgan.parts import losses
from jaxgan.parts.models import conditioning, resnet
from jaxgan.parts.models.cgan_mlp import ConditionalMLPDiscriminator, ConditionalMLPGenerator

TINY_RESNET = {"generator.channels": (4, 4), "discriminator.channels": (4, 4, 4)}
IMAGE = (28, 28, 1)
KEY = jax.random.PRNGKey(0)


def tiny(variant: str, data_dir, **overrides):
    """`tiny_config`, with the ResNets shrunk to 4 channels."""
    extra = TINY_RESNET if configs.get_config(variant).generator.name == "resnet" else {}
    return tiny_config(variant, data_dir, **{**extra, **overrides})


def init(module: nn.Module, *args):
    return module.init({"params": KEY, "dropout": KEY}, *args, train=False)


def tiny_networks():
    """(generator, discriminator) pairs of every conditional kind, tiny."""
    return {
        "mlp": (ConditionalMLPGenerator(IMAGE, hidden=(8,)), ConditionalMLPDiscriminator(hidden=(8,))),
        "resnet": (resnet.ResNetGenerator(IMAGE, channels=(4, 4), conditional_bn=True),
                   resnet.ResNetDiscriminator(channels=(4, 4, 4), batch_norm=True)),
        "projection": (resnet.ResNetGenerator(IMAGE, channels=(4, 4), label_code="onehot"),
                       resnet.ResNetDiscriminator(channels=(4, 4, 4), conditioning="projection",
                                                  spectral_norm=True)),
    }


def batch(n: int = 6):
    z = jax.random.normal(jax.random.PRNGKey(1), (n, 100))
    y = jnp.arange(n, dtype=jnp.int32) % 10
    x = jax.random.uniform(jax.random.PRNGKey(2), (n, *IMAGE), minval=-1.0, maxval=1.0)
    return z, y, x


# ------------------------------------------------------------------------------------------ conditioning
def test_join_puts_the_code_after_the_features():
    code = conditioning.LabelCode(10).apply({}, jnp.array([3, 7]))
    flat = conditioning.join(jnp.zeros((2, 5)), code)
    assert flat.shape == (2, 15)
    assert np.argwhere(np.asarray(flat)).tolist() == [[0, 5 + 3], [1, 5 + 7]]
    maps = conditioning.join(jnp.zeros((2, 4, 4, 3)), code)
    assert maps.shape == (2, 4, 4, 13)
    np.testing.assert_array_equal(maps[0, :, :, 3 + 3], 1.0)  # the one-hot plane, at every position
    assert float(maps.sum()) == 2 * 16


def test_label_joins_the_networks_where_configured():
    # MLP D: the first dense layer reads [x (784), one-hot (10)]; the one-hot's weight rows are 784 + y.
    d = ConditionalMLPDiscriminator(hidden=(8,))
    z, y, x = batch()
    params = init(d, x, y)["params"]
    assert params["mlp"]["Dense_0"]["kernel"].shape == (784 + 10, 8)
    h0 = np.asarray(x).reshape(6, -1) @ params["mlp"]["Dense_0"]["kernel"][:784] + params["mlp"]["Dense_0"]["bias"]
    h0 = h0 + np.asarray(params["mlp"]["Dense_0"]["kernel"])[784 + np.asarray(y)]
    expected = np.where(h0 > 0, h0, 0.2 * h0) @ params["mlp"]["Dense_1"]["kernel"] + params["mlp"]["Dense_1"]["bias"]
    np.testing.assert_allclose(d.apply({"params": params}, x, y)[0], expected, rtol=1e-4, atol=1e-5)
    # ResNet D: the code joins before block `join_at` (extra input channels there only).
    for join_at, widened in ((0, "block_0"), (1, "block_1"), (2, "block_2")):
        p = init(resnet.ResNetDiscriminator(channels=(4, 4, 4), join_at=join_at), x, y)["params"]
        for block, cin in (("block_0", 1), ("block_1", 4), ("block_2", 4)):
            assert p[block]["conv_0"]["kernel"].shape[2] == cin + 10 * (block == widened), (join_at, block)


def test_projection_logit_equals_the_explicit_formula():
    d = resnet.ResNetDiscriminator(channels=(4, 4, 4), conditioning="projection")
    z, y, x = batch()
    params = init(d, x, y)["params"]
    logits, phi = d.apply({"params": params}, x, y)
    embed = np.asarray(params["code"]["embedding"]["embedding"], np.float64)  # [10, 4]
    w, b = np.asarray(params["head"]["kernel"], np.float64), np.asarray(params["head"]["bias"], np.float64)
    phi = np.asarray(phi, np.float64)
    expected = [phi[i] @ w[:, 0] + b[0] + embed[int(y[i])] @ phi[i] for i in range(6)]
    np.testing.assert_allclose(np.asarray(logits)[:, 0], expected, rtol=1e-4)
    assert np.abs(embed).max() > 0  # the inner product really contributes
    with pytest.raises(ValueError, match="one output"):
        init(resnet.ResNetDiscriminator(num_outputs=11, conditioning="projection"), x, y)


@pytest.mark.parametrize("kind", ["mlp", "resnet", "projection"])
def test_conditioning_is_real_and_label_codes_round_trip(kind):
    g, d = tiny_networks()[kind]
    z, y, x = batch()
    g_vars, d_vars = init(g, z, y), init(d, x, y)
    images = g.apply(g_vars, z, y)
    other = (y + 1) % 10
    moved = np.abs(np.asarray(images - g.apply(g_vars, z, other))).reshape(6, -1).max(axis=1)
    assert (moved > 1e-4).all()  # changing only the label changes every image
    scores, wrong = d.apply(d_vars, x, y)[0], d.apply(d_vars, x, other)[0]
    assert (np.abs(np.asarray(scores - wrong)) > 1e-6).all()  # D scores an image differently under another label
    # The label-code contract: the code of each label, fed back as a float code, gives the same images.
    codes = g.apply(g_vars, y, method="label_codes")
    assert codes.dtype == jnp.float32 and codes.shape[0] == 6
    np.testing.assert_array_equal(g.apply(g_vars, z, codes), images)
    mixed = 0.5 * (codes + g.apply(g_vars, other, method="label_codes"))  # an in-between code is accepted
    assert np.isfinite(np.asarray(g.apply(g_vars, z, mixed))).all()
    with pytest.raises(ValueError, match="label codes must be"):
        g.apply(g_vars, z, codes[:, :3])


# ---------------------------------------------------------------------------------------------- ResNet G
def test_resize_conv_upsampling_and_no_transposed_convolution():
    x = jnp.arange(2 * 3 * 3 * 2, dtype=jnp.float32).reshape(2, 3, 3, 2)
    up = np.asarray(resnet.upsample(x))
    assert up.shape == (2, 6, 6, 2)
    np.testing.assert_array_equal(up, np.kron(np.asarray(x), np.ones((1, 2, 2, 1))))  # nearest neighbour
    g = resnet.ResNetGenerator(IMAGE, channels=(4, 4), conv_impl="lax")
    z, y, _ = batch()
    g_vars = init(g, z, y)
    jaxpr = jax.make_jaxpr(lambda v: g.apply(v, z, y))(g_vars)
    convs = [e for e in jaxpr.jaxpr.eqns if e.primitive.name == "conv_general_dilated"]
    assert len(convs) == 7  # 2 blocks x (2 convs + 1x1 shortcut) + output conv
    assert all(tuple(e.params["lhs_dilation"]) == (1, 1) for e in convs)  # a transposed conv dilates its input
    assert all(tuple(e.params["window_strides"]) == (1, 1) for e in convs)
    # The patch convolution computes the same generator.
    patches = resnet.ResNetGenerator(IMAGE, channels=(4, 4), conv_impl="patches")
    np.testing.assert_allclose(patches.apply(g_vars, z, y), g.apply(g_vars, z, y), atol=1e-5)


# ------------------------------------------------------------------------------------------------- hinge
def test_hinge_losses_against_their_definitions():
    obj = losses.build_objective({"name": "hinge"})
    real = np.array([[2.0], [0.5], [-1.0], [1.0]], np.float32)
    fake = np.array([[-3.0], [-0.2], [0.7], [-1.0]], np.float32)
    d_expect = (sum(max(0.0, 1 - r) for r in real[:, 0]) / 4 + sum(max(0.0, 1 + f) for f in fake[:, 0]) / 4)
    np.testing.assert_allclose(obj.d_loss(real, fake, None, None), d_expect, rtol=1e-6)  # (0+.5+2+0)/4+(0+.8+1.7+0)/4
    np.testing.assert_allclose(obj.g_loss(fake, None), -fake.mean(), rtol=1e-6)
    # Beyond the margin D gets no gradient; inside it, -1/B per real and +1/B per fake.
    grad = jax.grad(lambda r, f: obj.d_loss(r, f, None, None), argnums=(0, 1))(jnp.asarray(real), jnp.asarray(fake))
    np.testing.assert_allclose(grad[0][:, 0], [0, -0.25, -0.25, 0])
    np.testing.assert_allclose(grad[1][:, 0], [0, 0.25, 0.25, 0])


# ----------------------------------------------------------------------------------- discriminator advantage
def adam_counts_array(state) -> jax.Array:
    """[D, G] optimiser update counts: Adam's step counter of each player's group."""
    d = optax.tree_utils.tree_get(state.d_opt_state.inner_states["discriminator"], "count")
    g = optax.tree_utils.tree_get(state.g_opt_state.inner_states["generator"], "count")
    return jnp.stack([d, g])


def build(config, data_dir):
    ds = data.load_idx(str(data_dir), "train")
    gan = build_gan(config, ds.image_shape, ds.num_classes, ds.size)
    return gan, data.to_device(ds)


def test_n_d_9_makes_exactly_9_d_updates_per_g_update(tiny_idx_dir):
    gan, (images, labels) = build(tiny("cgan_mlp", tiny_idx_dir, n_d=9), tiny_idx_dir)
    state, _ = gan.jit_train_chunk(gan.init(jax.random.PRNGKey(0)), images, labels, 2)
    np.testing.assert_array_equal(adam_counts_array(state), [18, 2])


def test_adaptive_advantage_rises_under_weak_d_and_resets_under_strong_d(tiny_idx_dir):
    # A fast-learning D against a frozen G: weak at first (accuracy ~0.5), then it separates the blob digits
    # from G's noise (accuracy 1). The threshold is traced (a swept population setting): three members.
    gan, (images, labels) = build(tiny("cgan_mlp", tiny_idx_dir, **{
        "adaptive_n_d.max_n_d": 4, "optim.discriminator.learning_rate": 1e-2,
        "optim.generator.learning_rate": 0.0}), tiny_idx_dir)

    def run(threshold):
        member = dataclasses.replace(gan, schedule=gan.schedule._replace(n_d_threshold=threshold))
        state, metrics = member.train_chunk(member.init(jax.random.PRNGKey(0)), images, labels, 12)
        return adam_counts_array(state), state.schedule_state["batches"], metrics

    counts, batches, metrics = jax.jit(jax.vmap(run))(jnp.array([-1.0, 0.8, 2.0]))
    advantage, accuracy = np.asarray(metrics["d/advantage"]), np.asarray(metrics["d/accuracy"])
    np.testing.assert_array_equal(advantage[0], 1)  # D never below the threshold: always 1
    np.testing.assert_array_equal(advantage[2], [1, 2, 3, 4] + [4] * 8)  # always below: up to the cap, stays
    # The seed's 0.8: one more update per step while D is weak, back to 1 once its accuracy reaches 0.8.
    weak = accuracy[1] < 0.8
    assert weak[0] and not weak[-1]
    np.testing.assert_array_equal(advantage[1][1:], np.where(weak[:-1], np.minimum(advantage[1][:-1] + 1, 4), 1))
    assert advantage[1].max() >= 2 and advantage[1][-1] == 1
    # Exactly the logged number of D updates happened, each on its own batch; G updated once per step.
    np.testing.assert_array_equal(counts[:, 0], advantage.sum(axis=1))
    np.testing.assert_array_equal(batches, advantage.sum(axis=1))
    np.testing.assert_array_equal(counts[:, 1], 12)


def test_bad_adaptive_cap_is_rejected(tiny_idx_dir):
    with pytest.raises(ValueError, match="max_n_d"):
        build(tiny("cgan_mlp", tiny_idx_dir, n_d=5, **{"adaptive_n_d.max_n_d": 3}), tiny_idx_dir)
