"""DiffAugment: shapes, value range, identities, gradients and per-sample randomness."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan.parts import augment


@pytest.fixture(scope="module")
def images():
    return jax.random.uniform(jax.random.PRNGKey(0), (8, 28, 28, 1), minval=-1.0, maxval=1.0)


@pytest.mark.parametrize("policy", ["translation", "cutout", "translation,cutout", "color",
                                    "translation,cutout,color"])
def test_shape_dtype_and_range(images, policy):
    out = augment.diff_augment(images, jax.random.PRNGKey(1), policy)
    assert out.shape == images.shape and out.dtype == images.dtype
    if "color" not in policy:  # geometric ops only move pixels or write zeros: range stays in [-1, 1]
        assert float(out.min()) >= -1.0 and float(out.max()) <= 1.0


def test_translation_by_zero_is_identity_and_shift_matches_numpy(images):
    np.testing.assert_array_equal(augment.translate(images, jnp.zeros((8, 2), jnp.int32)), images)
    np.testing.assert_array_equal(augment.translation(images, jax.random.PRNGKey(2), ratio=0.0), images)
    shifts = jnp.array([[3, -2]] * 8)
    expected = np.zeros_like(np.asarray(images))
    expected[:, 3:, :-2] = np.asarray(images)[:, :-3, 2:]  # out[i, j] = x[i - 3, j + 2], zero elsewhere
    np.testing.assert_array_equal(augment.translate(images, shifts), expected)


def test_translation_shifts_are_bounded_and_per_sample(images):
    ones = jnp.ones_like(images)
    out = augment.translation(ones, jax.random.PRNGKey(3))
    # a shift by (dy, dx) leaves (28 - |dy|)(28 - |dx|) ones; 1/8 of 28 rounds to 4
    kept = np.asarray(out.sum(axis=(1, 2, 3)))
    assert kept.min() >= 24 * 24
    assert len(np.unique(kept)) > 1


def test_cutout_zeroes_at_most_a_half_size_square(images):
    mask = augment.cutout_mask(images.shape, jax.random.PRNGKey(4))
    assert mask.shape == (8, 28, 28, 1)
    zeroed = np.asarray(1 - mask)[..., 0]
    for m in zeroed:
        rows, cols = np.nonzero(m.any(axis=1))[0], np.nonzero(m.any(axis=0))[0]
        assert 0 < len(rows) <= 14 and 0 < len(cols) <= 14
        assert m.sum() == len(rows) * len(cols)  # one axis-aligned rectangle (the square, clipped at the edges)
    np.testing.assert_array_equal(augment.cutout(images, jax.random.PRNGKey(4)), images * mask)


def test_saturation_is_identity_on_one_channel(images):
    np.testing.assert_allclose(augment.saturation(images, jax.random.PRNGKey(5)), images, atol=1e-6)


def test_color_changes_mean_and_contrast_per_sample(images):
    out = augment.color(images, jax.random.PRNGKey(6))
    delta_mean = np.asarray((out - images).mean(axis=(1, 2, 3)))
    assert np.all(np.abs(delta_mean) <= 0.5 + 1e-5) and len(np.unique(delta_mean.round(5))) == 8
    ratio = np.asarray(out.std(axis=(1, 2, 3)) / images.std(axis=(1, 2, 3)))
    assert np.all((ratio >= 0.5 - 1e-5) & (ratio <= 1.5 + 1e-5))


def test_gradients_flow_through_every_operation(images):
    for policy in ("translation", "cutout", "color", "translation,cutout,color"):
        grad = jax.grad(lambda x: jnp.sum(augment.diff_augment(x, jax.random.PRNGKey(7), policy) ** 2))(images)
        assert bool(jnp.all(jnp.isfinite(grad))) and float(jnp.abs(grad).sum()) > 0
    # translation: the gradient is the indicator of the pixels that stay in the picture
    grad = jax.grad(lambda x: augment.translate(x, jnp.array([[1, 0]] * 8)).sum())(images)
    assert float(grad[:, -1].sum()) == 0 and float(grad[:, :-1].min()) == 1


def test_two_keys_give_two_augmentations_and_one_key_is_deterministic(images):
    a = augment.diff_augment(images, jax.random.PRNGKey(8))
    b = augment.diff_augment(images, jax.random.PRNGKey(9))
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, augment.diff_augment(images, jax.random.PRNGKey(8)))
    # per-sample randomness: identical inputs in one batch get different augmentations
    same = jnp.broadcast_to(images[:1], images.shape)
    out = np.asarray(augment.diff_augment(same, jax.random.PRNGKey(10)))
    assert len({out[i].tobytes() for i in range(8)}) > 1


def test_build_validates_policy_and_jits():
    with pytest.raises(ValueError, match="unknown augmentation"):
        augment.build({"policy": "translation,rotate"})
    identity = augment.build({"policy": ""})
    x = jnp.ones((2, 28, 28, 1))
    assert identity(x, jax.random.PRNGKey(0)) is x
    fn = jax.jit(augment.build({"policy": "translation,cutout"}))
    assert fn(x, jax.random.PRNGKey(0)).shape == x.shape
