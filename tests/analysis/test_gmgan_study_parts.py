"""The parts that end GM-GAN's per-class collapse (issue 12): per-class minibatch std in D and the weighted
class term of the K+1 objective, each against an independent computation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan.parts import losses
from jaxgan.parts.models.mlp import MLPDiscriminator
from jaxgan.parts.models.minibatch_std import class_minibatch_std


def naive_class_std(h: np.ndarray, labels: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    out = np.zeros((len(h), 1))
    for i in range(len(h)):
        group = h[labels == labels[i]]
        dev = group - group.mean(axis=0)
        out[i, 0] = np.mean(np.sqrt((dev ** 2).mean(axis=0) + eps))
    return out


def test_class_minibatch_std_matches_a_loop_and_sees_collapse_within_a_class():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(16, 6)).astype(np.float32)
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 3, 0, 1, 2, 0, 4])  # class 4 has a single row
    got = np.asarray(class_minibatch_std(jnp.asarray(h), jnp.asarray(labels)))
    np.testing.assert_allclose(got, naive_class_std(h, labels), rtol=1e-5, atol=1e-6)
    # Collapse within classes while the classes still differ: the per-class statistic drops to ~0 although
    # the whole-batch statistic (Karras et al.'s, all labels equal) stays large.
    collapsed = h[labels % 5]  # rows of the same class are one identical vector
    assert np.asarray(class_minibatch_std(jnp.asarray(collapsed), jnp.asarray(labels))).max() < 1e-3
    assert np.asarray(class_minibatch_std(jnp.asarray(collapsed), jnp.zeros(16, np.int32))).min() > 0.5


def test_minibatch_std_discriminator_reads_only_rows_of_the_same_class():
    d = MLPDiscriminator(num_outputs=11, hidden=(32, 16), dropout=0.0, minibatch_std=True)
    x = jax.random.normal(jax.random.PRNGKey(0), (8, 28, 28, 1))
    labels = jnp.array([0, 0, 0, 1, 1, 1, 2, 2])
    params = d.init(jax.random.PRNGKey(1), x, labels)
    logits, feats = d.apply(params, x, labels)
    assert logits.shape == (8, 11) and feats.shape == (8, 16)
    assert params["params"]["Dense_2"]["kernel"].shape == (17, 11)  # 16 features + the statistic
    other_class = x.at[3].set(-x[3])  # change a class-1 row: class-0 and class-2 rows keep their logits
    changed = d.apply(params, other_class, labels)[0]
    np.testing.assert_allclose(changed[np.array([0, 1, 2, 6, 7])], logits[np.array([0, 1, 2, 6, 7])], rtol=1e-6)
    assert not np.allclose(changed[4:6], logits[4:6])
    # Without the option, labels are ignored and every row is its own.
    plain = MLPDiscriminator(num_outputs=11, hidden=(32, 16), dropout=0.0)
    p = plain.init(jax.random.PRNGKey(1), x, labels)
    np.testing.assert_array_equal(plain.apply(p, x, labels)[0], plain.apply(p, x, labels[::-1])[0])


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


@pytest.mark.parametrize("weight", [1.0, 0.3, 0.0])
def test_k_plus_one_generator_class_weight(weight):
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=3.0, size=(9, 11)).astype(np.float64)
    y = rng.integers(0, 10, 9)
    p = np.exp(log_softmax(logits))
    # -log P(real) - w * log P(y | real), written out from the probabilities.
    realness = -np.log(p[:, :10].sum(axis=1))
    class_term = -np.log(p[np.arange(9), y] / p[:, :10].sum(axis=1))
    expected = np.mean(realness + weight * class_term)
    got = losses.SupervisedKPlusOne(g_class_weight=weight).g_loss(jnp.asarray(logits, jnp.float32), jnp.asarray(y))
    np.testing.assert_allclose(float(got), expected, rtol=1e-5)
    if weight == 1.0:  # the seed's game: plain (K+1)-way cross-entropy towards y
        np.testing.assert_allclose(float(got), -np.mean(log_softmax(logits)[np.arange(9), y]), rtol=1e-5)


def test_k_plus_one_class_weight_may_be_traced():
    logits = jax.random.normal(jax.random.PRNGKey(2), (4, 11))
    y = jnp.arange(4)
    f = jax.vmap(lambda w: losses.SupervisedKPlusOne(g_class_weight=w).g_loss(logits, y))
    got = f(jnp.array([1.0, 0.5]))
    np.testing.assert_allclose(got[0], losses.SupervisedKPlusOne().g_loss(logits, y), rtol=1e-6)
    assert got[1] < got[0]


def test_twin_objective_against_numpy():
    rng = np.random.default_rng(3)
    real, fake = (rng.normal(scale=2.0, size=(6, 21)) for _ in range(2))  # K = 10: 11 game + 10 twin logits
    y_real, y_fake = rng.integers(0, 10, 6), rng.integers(0, 10, 6)
    rows = np.arange(6)
    ce = lambda logits, y: -np.mean(log_softmax(logits)[rows, y])
    obj = losses.SupervisedKPlusOneTwin(g_class_weight=0.5, twin_weight=0.7)
    assert obj.num_outputs(10) == 21
    d = ce(real[:, :11], y_real) + ce(fake[:, :11], np.full(6, 10)) + ce(fake[:, 11:], y_fake)
    p = np.exp(log_softmax(fake[:, :11]))
    g = (np.mean(-np.log(p[:, :10].sum(1)) - 0.5 * np.log(p[rows, y_fake] / p[:, :10].sum(1)))
         - 0.7 * ce(fake[:, 11:], y_fake))
    j = lambda a: jnp.asarray(a, jnp.float32)
    np.testing.assert_allclose(float(obj.d_loss(j(real), j(fake), j(y_real), j(y_fake))), d, rtol=1e-5)
    np.testing.assert_allclose(float(obj.g_loss(j(fake), j(y_fake))), g, rtol=1e-5)
    # Realness ignores the twin columns: log sum_k exp(l_k) - l_fake over the first 11.
    np.testing.assert_allclose(obj.realness(j(real)), np.log(np.exp(real[:, :10]).sum(1)) - real[:, 10], rtol=1e-5)


def naive_mode_seeking(images: np.ndarray, latents: np.ndarray, labels: np.ndarray, eps: float = 1e-5):
    """MSGAN's term pair by pair: mean over ordered same-class pairs i != j of 1 / (RMS image / RMS latent + eps)."""
    rms = lambda a, b: np.sqrt(np.mean((a.astype(np.float64) - b) ** 2))
    terms, ratios = [], []
    for i in range(len(images)):
        for j in range(len(images)):
            if i != j and labels[i] == labels[j]:
                r = rms(images[i], images[j]) / rms(latents[i], latents[j])
                terms.append(1.0 / (r + eps))
                ratios.append(r)
    return np.mean(terms), np.mean(ratios)


def test_mode_seeking_matches_a_pair_loop_and_grows_when_a_class_collapses():
    from jaxgan.parts.regularizers import mode_seeking_loss

    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, size=(12, 4, 4, 1)).astype(np.float32)
    latents = rng.normal(size=(12, 5)).astype(np.float32)
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1, 3, 3, 0, 4])  # class 4 has a single row: no pair
    loss, ratio = mode_seeking_loss(jnp.asarray(images), jnp.asarray(latents), jnp.asarray(labels))
    want_loss, want_ratio = naive_mode_seeking(images, latents, labels)
    np.testing.assert_allclose([loss, ratio], [want_loss, want_ratio], rtol=1e-5)
    # One image per class (different latents): the ratio is ~0 and the term ~1 / eps.
    collapsed = images[labels]
    loss_c, ratio_c = mode_seeking_loss(jnp.asarray(collapsed), jnp.asarray(latents), jnp.asarray(labels))
    assert float(ratio_c) < 1e-4 and float(loss_c) > 1e4 * float(loss)
    # Its gradient is finite (the masked diagonal has 0 / 0) and pushes same-class images apart.
    grad = jax.grad(lambda x: mode_seeking_loss(x, jnp.asarray(latents), jnp.asarray(labels))[0])(
        jnp.asarray(images))
    assert np.isfinite(np.asarray(grad)).all()
    moved = mode_seeking_loss(jnp.asarray(images) - 1e-3 * grad, jnp.asarray(latents), jnp.asarray(labels))[0]
    assert float(moved) < float(loss)


def test_mode_seeking_regularizer_sees_the_latents_of_the_fake_batch_in_the_engine(tiny_idx_dir):
    from conftest import tiny_config

    from jaxgan.core import build_gan, step
    from jaxgan.parts import regularizers

    config = tiny_config("gm_gan", tiny_idx_dir)
    config.g_regularizers.mode_seeking = dict(weight=2.0)
    gan = build_gan(config, (28, 28, 1), 10, 64)
    state = gan.init(jax.random.PRNGKey(0))
    real = jax.random.uniform(jax.random.PRNGKey(1), (16, 28, 28, 1), minval=-1, maxval=1)
    key = jax.random.PRNGKey(2)
    _, metrics = step.g_update(gan, state, real, jnp.zeros((16,), jnp.int32), key)
    # The same draw by hand: g_update's first split is the latent key, its second the generator's.
    k_latent, k_gen = jax.random.split(key, 5)[:2]
    z, y = gan.sample_latent(state.params["prior"], k_latent, 16, train=True)
    fake, _ = gan.generate_from(state.params, state.model_state, z, y, k_gen, train=True)
    want, ratio = regularizers.mode_seeking_loss(fake, z, y)
    np.testing.assert_allclose(metrics["g/mode_seeking_ratio"], ratio, rtol=1e-5)
    np.testing.assert_allclose(metrics["g/loss"] - metrics["g/adv_loss"], 2.0 * want, rtol=1e-4)
