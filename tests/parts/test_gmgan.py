"""GM-GAN (seed 000): the K+1 and separate objectives, per-group learning rates, per-class grids, seed 000's
settings. The prior is tested in tests/parts/test_latents.py, its monitor in tests/parts/test_monitors.py, and every GM
variant end to end in tests/test_variants.py."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from conftest import DEFAULT_OPTIMIZATION, tiny_config

from jaxgan import configs
from jaxgan.data import datasets as data
from jaxgan.core import build_gan, step
from jaxgan.viz import grids
from jaxgan.parts import losses


def build(config, data_dir):
    ds = data.load_idx(str(data_dir), "train")
    return build_gan(config, ds.image_shape, ds.num_classes, ds.size), ds


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def bce(logit: np.ndarray, target: float) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-logit))
    return -(target * np.log(p) + (1 - target) * np.log(1 - p))


# ------------------------------------------------------------------------------------------- objectives
def test_supervised_k_plus_one_matches_hand_computation():
    obj = losses.build_objective({"name": "supervised"})
    assert obj.num_outputs(3) == 4
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(5, 4)).astype(np.float32), rng.normal(size=(5, 4)).astype(np.float32)
    real_y, fake_y = np.array([0, 1, 2, 1, 0]), np.array([2, 2, 0, 1, 1])
    lp_real, lp_fake = log_softmax(real.astype(np.float64)), log_softmax(fake.astype(np.float64))
    expect_d = -lp_real[np.arange(5), real_y].mean() - lp_fake[:, 3].mean()  # real -> label, fake -> K = 3
    expect_g = -lp_fake[np.arange(5), fake_y].mean()  # fake -> the component it came from
    np.testing.assert_allclose(obj.d_loss(real, fake, real_y, fake_y), expect_d, rtol=1e-5)
    np.testing.assert_allclose(obj.g_loss(fake, fake_y), expect_g, rtol=1e-5)


def test_separate_objectives_match_hand_computation_and_mask_fake_classes():
    obj = losses.build_objective({"name": "separate"})
    assert obj.class_weight == 1.5 and obj.num_outputs(3) == 4
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(5, 4)).astype(np.float32), rng.normal(size=(5, 4)).astype(np.float32)
    real_y, fake_y = np.array([0, 1, 2, 1, 0]), np.array([2, 2, 0, 1, 1])
    r64, f64 = real.astype(np.float64), fake.astype(np.float64)
    class_real = -log_softmax(r64[:, :3])[np.arange(5), real_y].mean()  # columns 0..2: classes
    expect_d = 1.5 * class_real + bce(r64[:, 3], 1.0).mean() + bce(f64[:, 3], 0.0).mean()  # column 3: real/fake
    class_fake = -log_softmax(f64[:, :3])[np.arange(5), fake_y].mean()
    expect_g = 1.5 * class_fake + bce(f64[:, 3], 1.0).mean()
    np.testing.assert_allclose(obj.d_loss(real, fake, real_y, fake_y), expect_d, rtol=1e-5)
    np.testing.assert_allclose(obj.g_loss(fake, fake_y), expect_g, rtol=1e-5)
    # D gets no class loss on fakes: its gradient w.r.t. the fakes' class logits is exactly zero.
    grad_fake = jax.grad(lambda f: obj.d_loss(real, f, real_y, fake_y))(jnp.asarray(fake))
    assert (np.asarray(grad_fake[:, :3]) == 0).all() and (np.abs(np.asarray(grad_fake[:, 3])) > 0).all()


# ------------------------------------------------------------------------------------ per-group learning rates
def test_first_adam_update_scales_with_each_groups_learning_rate(tiny_idx_dir):
    lr = {"generator": 1e-3, "prior": 1e-5, "discriminator": 1e-2}
    config = tiny_config("gm_gan", tiny_idx_dir)
    for group, rate in lr.items():
        config.optim[group].learning_rate = rate
    gan, ds = build(config, tiny_idx_dir)
    state = gan.init(jax.random.PRNGKey(0))
    images, labels = data.to_device(ds)
    real = data.scale_images(images[:8])
    key = jax.random.PRNGKey(1)
    after_g, _ = jax.jit(functools.partial(step.g_update, gan))(state, real, labels[:8], key)
    after_d, _ = jax.jit(functools.partial(step.d_update, gan))(state, real, labels[:8], key)

    def deltas(new, old):
        return np.concatenate([np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).ravel()
                               for a, b in zip(jax.tree_util.tree_leaves(new), jax.tree_util.tree_leaves(old))])

    for group, new in (("generator", after_g.params["generator"]), ("prior", after_g.params["prior"]),
                       ("discriminator", after_d.params["discriminator"])):
        d = deltas(new, state.params[group])
        # Adam's first step is lr * g / (|g| + eps): at most lr, about lr wherever |g| >> eps (1e-8).
        assert d.max() <= lr[group] * 1.03, group  # 3%: float32 spacing of |mu| <= 3 at lr 1e-5
        # Components absent from the batch of 8 (K = 10) get no gradient and stay put.
        moved = d[d > 0]
        assert moved.size >= (0.3 if group == "prior" else 0.9) * d.size, group
        assert np.median(moved) >= 0.5 * lr[group], group
    for untouched in ("discriminator",):
        assert deltas(after_g.params[untouched], state.params[untouched]).max() == 0
    assert deltas(after_d.params["prior"], state.params["prior"]).max() == 0


def test_mixture_learning_rate_zero_equals_static_mode(tiny_idx_dir):
    results = {}
    for name, config in {
            "lr0": tiny_config("gm_gan_seed", tiny_idx_dir, **{"optim.prior.learning_rate": 0.0}),
            "static": tiny_config("gm_gan_static", tiny_idx_dir)}.items():
        gan, ds = build(config, tiny_idx_dir)
        images, labels = data.to_device(ds)
        state = gan.init(jax.random.PRNGKey(0))
        prior0 = jax.device_get(state.params["prior"])
        # Bit for bit at XLA's default optimisation, as users compile; with it off (the test session's setting)
        # the two programs round differently (~1e-10).
        chunk = gan.jit_train_chunk.lower(state, images, labels, 3).compile(DEFAULT_OPTIMIZATION)
        state, metrics = chunk(state, images, labels)
        results[name] = jax.device_get((state.params, metrics))
        for a, b in zip(jax.tree_util.tree_leaves(prior0), jax.tree_util.tree_leaves(results[name][0]["prior"])):
            np.testing.assert_array_equal(a, b)  # the mixture did not move in either mode
    (p_lr0, m_lr0), (p_static, m_static) = results["lr0"], results["static"]
    for a, b in zip(jax.tree_util.tree_leaves(p_lr0), jax.tree_util.tree_leaves(p_static)):
        np.testing.assert_array_equal(a, b)  # generator and discriminator too, bit for bit
    np.testing.assert_array_equal(m_lr0["g/loss"], m_static["g/loss"])


# ------------------------------------------------------------------------------------------------ sampling
def test_class_grid_rows_follow_components(tiny_idx_dir, tmp_path):
    gan, _ = build(tiny_config("gm_gan", tiny_idx_dir), tiny_idx_dir)
    state = gan.init(jax.random.PRNGKey(0))
    key = jax.random.PRNGKey(7)
    grid = grids.class_grid(gan, state, key, per_class=3)
    assert grids.num_components(gan) == 10 and grid.shape == (30, 28, 28, 1)
    expected = gan.generate(state, key, 30, jnp.repeat(jnp.arange(10, dtype=jnp.int32), 3))
    np.testing.assert_array_equal(grid, expected)
    # The labels reach the mixture: the latents behind row k come from component k.
    z, y = gan.sample_latent(state.params["prior"], key, 30, grids.grid_labels(range(10), 3))
    np.testing.assert_array_equal(y, np.repeat(np.arange(10), 3))
    mu = np.asarray(state.params["prior"]["mu"])
    nearest = np.argmin(((np.asarray(z)[:, None] - mu[None]) ** 2).sum(-1), axis=1)
    assert (nearest == np.asarray(y)).mean() > 0.9
    samples = grids.save_class_grid(gan, state, key, 2, str(tmp_path / "g.png"), labels=[3, 7])
    assert samples.shape == (4, 28, 28, 1) and (tmp_path / "g.png").stat().st_size > 0
    with pytest.raises(ValueError, match="labels"):
        grids.class_grid(gan, state, key, 2, labels=[10])


# ----------------------------------------------------------------------------------------- seed 000
def test_gm_gan_seed_keeps_seed_000s_table_1_settings():
    """README and the config's docstring say gm_gan_seed is seed 000's exact configuration (its Table 1), the
    baseline issue 12's collapse study compares against: guard those numbers."""
    c = configs.get_config("gm_gan_seed")
    assert (c.latent.name, c.latent.num_components, c.latent.sigma0, c.latent.mean_range) == (
        "gaussian_mixture", 10, 1.4, 3.0)
    assert (c.optim.generator.learning_rate, c.optim.discriminator.learning_rate,
            c.optim.prior.learning_rate) == (8e-5, 8e-5, 1e-7)
