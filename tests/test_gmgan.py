"""GM-GAN (seed 000): the Gaussian-mixture prior, the K+1 and separate objectives, per-group learning rates,
per-class grids, the mixture monitor and the four variants end to end."""

from __future__ import annotations

import functools
import json

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from conftest import tiny_config

from jaxgan.core import step
from jaxgan import configs
from jaxgan.data import datasets as data
from jaxgan.core import build_gan
from jaxgan.viz import grids
from jaxgan.parts import latents
from jaxgan.parts import losses
from jaxgan.parts import monitors
from jaxgan.run import trainer

GM_VARIANTS = ("gm_gan", "gm_gan_unsup", "gm_gan_sep", "gm_gan_static")


def mixture(**fields) -> latents.GaussianMixturePrior:
    settings = dict(dim=4, num_classes=3, sigma0=1.4, mean_range=3.0)
    settings.update(fields)
    return latents.GaussianMixturePrior(**settings)


def init_params(prior, seed: int = 0) -> dict:
    key = jax.random.PRNGKey(seed)
    return prior.init({"params": key, "dropout": key}, key, 2)["params"]


def build(config, data_dir):
    ds = data.load_idx(str(data_dir), "train")
    return build_gan(config, ds.image_shape, ds.num_classes, ds.size), ds


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def bce(logit: np.ndarray, target: float) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-logit))
    return -(target * np.log(p) + (1 - target) * np.log(1 - p))


# ------------------------------------------------------------------------------------------------- prior
def test_mixture_init_and_param_names():
    params = init_params(mixture(num_components=5, dim=7))
    assert set(params) == {"mu", "log_sigma"}
    assert params["mu"].shape == params["log_sigma"].shape == (5, 7)
    assert float(jnp.abs(params["mu"]).max()) <= 3.0 and float(params["mu"].std()) > 1.0  # U[-3, 3]
    _, sigma = mixture(num_components=5, dim=7).apply({"params": params}, method="components")
    np.testing.assert_allclose(sigma, 1.4, rtol=1e-5)
    with pytest.raises(ValueError, match="sigma0"):
        init_params(mixture(sigma0=0.0))


def test_mixture_sample_moments_match_components():
    prior = mixture(dim=4, num_classes=3)
    params = {"mu": jnp.array(np.random.default_rng(0).uniform(-3, 3, (3, 4)), jnp.float32),
              "log_sigma": jnp.log(jnp.array([[0.2, 0.5, 1.0, 2.0], [1.5, 0.3, 0.7, 1.1], [0.9, 0.9, 2.5, 0.1]]))}
    n = 60_000
    z, y = prior.apply({"params": params}, jax.random.PRNGKey(1), n)
    z, y = np.asarray(z), np.asarray(y)
    assert z.shape == (n, 4) and y.shape == (n,) and y.dtype == np.int32
    np.testing.assert_allclose(np.bincount(y, minlength=3) / n, 1 / 3, atol=0.01)  # y ~ Cat(K, 1/K)
    sigma = np.asarray(prior.min_sigma + jnp.exp(params["log_sigma"]))
    for k in range(3):
        zk = z[y == k]
        np.testing.assert_allclose(zk.mean(0), params["mu"][k], atol=4 * sigma[k].max() / np.sqrt(len(zk)))
        np.testing.assert_allclose(zk.std(0), sigma[k], rtol=0.03)
    # Given labels pick the components (conditional sampling).
    labels = jnp.full((20_000,), 2, jnp.int32)
    z2, y2 = prior.apply({"params": params}, jax.random.PRNGKey(2), 20_000, labels)
    assert (np.asarray(y2) == 2).all()
    np.testing.assert_allclose(np.asarray(z2).mean(0), params["mu"][2], atol=0.05)
    np.testing.assert_allclose(np.asarray(z2).std(0), sigma[2], rtol=0.03)


@pytest.mark.parametrize("trainable", [True, False])
def test_gradients_reach_mixture_only_in_dynamic_mode(trainable):
    prior = mixture(trainable=trainable)
    params = init_params(prior)
    labels = jnp.array([0, 1, 2, 0, 1, 2], jnp.int32)

    def loss(p):
        z, _ = prior.apply({"params": p}, jax.random.PRNGKey(3), 6, labels)
        return jnp.sum(jnp.sin(z) + z ** 2)

    grads = jax.grad(loss)(params)
    for name in ("mu", "log_sigma"):
        g = np.asarray(grads[name])
        if trainable:
            assert (np.abs(g) > 0).all(), name  # every component was sampled, every entry gets a gradient
        else:
            assert (g == 0).all(), name


def test_latent_dropout_only_in_training():
    prior = mixture(dim=64, dropout=0.5)
    params = init_params(prior)
    key = jax.random.PRNGKey(4)
    z_eval, _ = prior.apply({"params": params}, key, 32)
    assert (np.asarray(z_eval) != 0).all()
    z_a, _ = prior.apply({"params": params}, key, 32, None, True, rngs={"dropout": jax.random.PRNGKey(5)})
    z_b, _ = prior.apply({"params": params}, key, 32, None, True, rngs={"dropout": jax.random.PRNGKey(5)})
    np.testing.assert_array_equal(z_a, z_b)  # the mask comes from the 'dropout' key only
    dropped = np.asarray(z_a) == 0
    assert 0.4 < dropped.mean() < 0.6
    np.testing.assert_allclose(np.asarray(z_a)[~dropped], 2 * np.asarray(z_eval)[~dropped], rtol=1e-5)


def test_sigma_stays_positive_after_many_large_updates():
    prior = mixture()
    params = init_params(prior)
    opt = optax.adam(10.0)  # absurdly large steps, all pushing sigma down
    opt_state = opt.init(params)

    def shrink(p):
        return jnp.sum(prior.apply({"params": p}, method="components")[1])

    @jax.jit
    def step(p, s):
        updates, s = opt.update(jax.grad(shrink)(p), s, p)
        return optax.apply_updates(p, updates), s

    for _ in range(300):
        params, opt_state = step(params, opt_state)
    assert float(params["log_sigma"].max()) < -50
    # Then a single huge step (a broken optimiser): exp(log_sigma) underflows to 0, the floor still holds.
    crushed = {**params, "log_sigma": params["log_sigma"] - 1e4}
    for p in (params, crushed):
        _, sigma = prior.apply({"params": p}, method="components")
        assert np.isfinite(np.asarray(sigma)).all() and sigma.min() >= np.float32(prior.min_sigma) > 0
        z, _ = prior.apply({"params": p}, jax.random.PRNGKey(0), 8)
        assert np.isfinite(np.asarray(z)).all()


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
        state, metrics = gan.jit_train_chunk(state, images, labels, 3)
        results[name] = jax.device_get((state.params, metrics))
        for a, b in zip(jax.tree_util.tree_leaves(prior0), jax.tree_util.tree_leaves(results[name][0]["prior"])):
            np.testing.assert_array_equal(a, b)  # the mixture did not move in either mode
    (p_lr0, m_lr0), (p_static, m_static) = results["lr0"], results["static"]
    for a, b in zip(jax.tree_util.tree_leaves(p_lr0), jax.tree_util.tree_leaves(p_static)):
        np.testing.assert_array_equal(a, b)  # generator and discriminator too, bit for bit
    np.testing.assert_array_equal(m_lr0["g/loss"], m_static["g/loss"])


# ----------------------------------------------------------------------------------- sampling and monitors
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


def test_mixture_stats_monitor(tiny_idx_dir):
    gan, _ = build(tiny_config("gm_gan", tiny_idx_dir), tiny_idx_dir)
    state = gan.init(jax.random.PRNGKey(0))
    out = jax.device_get(monitors.MONITORS.get("mixture_stats")(gan)(state))
    mu = np.asarray(state.params["prior"]["mu"], np.float64)
    sigma = gan.prior.min_sigma + np.exp(np.asarray(state.params["prior"]["log_sigma"], np.float64))
    pairwise = np.linalg.norm(mu[:, None] - mu[None], axis=-1)
    np.testing.assert_allclose(out["monitor/mixture_mu_pairwise_dist"], pairwise.sum() / (10 * 9), rtol=1e-5)
    np.testing.assert_allclose(out["monitor/mixture_mu_std"], mu.std(), rtol=1e-5)
    np.testing.assert_allclose(out["monitor/mixture_sigma_mean"], sigma.mean(), rtol=1e-5)
    np.testing.assert_allclose(out["monitor/mixture_sigma_min"], sigma.min(), rtol=1e-5)
    vanilla, _ = build(tiny_config("vanilla", tiny_idx_dir), tiny_idx_dir)
    with pytest.raises(ValueError, match="mixture prior"):
        monitors.build_all({"mixture_stats": {"every": 1}}, vanilla)


# ------------------------------------------------------------------------------------------------ variants
def test_gm_gan_seed_config_matches_seed_000():
    c = configs.get_config("gm_gan_seed")
    assert (c.latent.name, c.latent.num_components, c.latent.dim, c.latent.sigma0, c.latent.mean_range) == (
        "gaussian_mixture", 10, 100, 1.4, 3.0)
    assert c.latent.trainable and c.loss.name == "supervised" and c.batch_size == 64
    assert (c.optim.generator.learning_rate, c.optim.discriminator.learning_rate,
            c.optim.prior.learning_rate) == (8e-5, 8e-5, 1e-7)
    assert configs.get_config("gm_gan_unsup").loss.name == "bce"
    assert dict(configs.get_config("gm_gan_sep").loss) == {"name": "separate", "class_weight": 1.5}
    assert not configs.get_config("gm_gan_static").latent.trainable
    for variant in (*GM_VARIANTS, "gm_gan_seed"):
        doc = __import__(f"jaxgan.configs.{variant}", fromlist=["_"]).__doc__
        assert f"python -m jaxgan.train --variant={variant}\n" in doc
        assert "mixture_stats" in configs.get_config(variant).monitors


@pytest.mark.parametrize("variant", GM_VARIANTS)
def test_variant_trains_end_to_end(variant, tiny_idx_dir, tmp_path):
    config = tiny_config(variant, tiny_idx_dir)
    state = trainer.train_and_evaluate(config, str(tmp_path / variant))
    assert int(state.step) == config.steps
    rows = [json.loads(line) for line in (tmp_path / variant / "metrics.jsonl").read_text().splitlines()]
    assert rows and rows[-1]["step"] == config.steps
    for row in rows:
        for key in ("d/loss", "g/loss"):
            if key in row:
                assert np.isfinite(row[key]), (key, row)
    assert any("d/loss" in r for r in rows) and any("g/loss" in r for r in rows)
    assert rows[-1]["monitor/mixture_sigma_min"] > 0 and rows[-1]["monitor/mixture_mu_pairwise_dist"] > 0
