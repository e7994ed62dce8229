"""Latent exploration (jaxgan.explore): every figure for a tiny trained GM-GAN (and conditional GANs when
their variants exist), endpoints and zero-noise rows against direct samples, D accuracy by hand."""

from __future__ import annotations

import json
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import configs
from jaxgan.analysis import explore
from jaxgan.run import load

# The MLP cGAN runs by default; the conv ones (same code path, long compiles) with -m slow.
CONDITIONAL = [pytest.param(v, marks=[pytest.mark.slow] if v != "cgan_mlp" else [])
               for v in ("cgan_mlp", "cgan_resnet", "cgan_proj") if v in configs.variants()]


@pytest.fixture(scope="module")
def run(tiny_run):
    """(workdir, gan, state, meta) of a 4-step tiny GM-GAN run."""
    workdir = tiny_run("gm_gan")
    run = load.load_run(str(workdir))
    return workdir, run.member_gan(0), run.member_state(0), run.meta


def check_every_what_writes_its_figure(run, tmp_path):
    workdir, gan, state, meta = run
    written = explore.explore(gan, state, meta, explore.WHATS, str(tmp_path), jax.random.PRNGKey(0), per_class=3,
                              steps=4, fakes_per_class=5)
    names = {p.rsplit("/", 1)[1] for p in written}
    for name in ("class_grid", "class_means", "interpolate_within", "interpolate_between", "latent_noise",
                 "embedding_noise", "fake_embeddings", "d_accuracy"):
        assert f"{name}.png" in names and f"{name}.json" in names
    assert (tmp_path / "d_accuracy.md").read_text().count("\n") == 2 + 10
    table = json.loads((tmp_path / "d_accuracy.json").read_text())
    assert [r["num_fake"] for r in table["rows"]] == [5] * 10
    # The tiny run trained on tiny_idx_dir's train split; d_accuracy's real images are its test split.
    assert table["real"]["split"] == "test" and table["real_images_seen_in_training"] == 0


def test_every_what_writes_its_figure(run, tmp_path):
    check_every_what_writes_its_figure(run, tmp_path)


def check_class_grid_and_means(run):
    _, gan, state, _ = run
    space = explore.class_space(gan, state)
    key = jax.random.PRNGKey(3)
    eps = explore.base_noise(key, 2, space.latent_dim)
    grid = np.asarray(explore.class_grid(space, key, 2)).reshape(10, 2, -1)
    means = np.asarray(explore.class_means(space)).reshape(10, -1)
    params = state.params
    for k in (0, 7):
        if space.kind == "mixture":  # G(mu[k] + sigma[k] * eps), G(mu[k]) with sigma from the prior's own log_sigma
            mu, log_sigma = params["prior"]["mu"][k], params["prior"]["log_sigma"][k]
            sigma = gan.prior.min_sigma + jnp.exp(log_sigma)
            z, z0, labels = mu + sigma * eps, mu[None], jnp.full((2,), k)
        else:  # G(eps, k), G(0, k) with int labels
            z, z0, labels = eps, jnp.zeros((1, space.latent_dim)), jnp.full((2,), k)
        direct = gan.generate_from(params, state.model_state, z, labels)[0]
        mean = gan.generate_from(params, state.model_state, z0, labels[:1])[0]
        np.testing.assert_allclose(grid[k], np.asarray(direct).reshape(2, -1), atol=1e-5)
        np.testing.assert_allclose(means[k], np.asarray(mean).reshape(-1), atol=1e-5)


def test_class_grid_and_means_are_the_generator_at_the_class_latents(run):
    check_class_grid_and_means(run)


def check_interpolation_endpoints(run):
    _, gan, state, _ = run
    space = explore.class_space(gan, state)
    key = jax.random.PRNGKey(1)
    steps = 5
    within = np.asarray(explore.interpolate_within(space, key, steps)).reshape(10, steps, -1)
    # eps_0 and eps_1 are the first two columns of the class grid with the same key.
    grid = np.asarray(explore.class_grid(space, key, 2)).reshape(10, 2, -1)
    np.testing.assert_allclose(within[:, 0], grid[:, 0], atol=1e-6)
    np.testing.assert_allclose(within[:, -1], grid[:, 1], atol=1e-6)
    between = np.asarray(explore.interpolate_between(space, key, [(2, 8), (3, 1)], steps)).reshape(2, steps, -1)
    for row, (a, b) in enumerate([(2, 8), (3, 1)]):
        np.testing.assert_allclose(between[row, 0], grid[a, 0], atol=1e-6)
        np.testing.assert_allclose(between[row, -1], grid[b, 0], atol=1e-6)
    assert not np.allclose(between[0, 2], between[0, 0])  # the middle is neither end


def test_interpolation_endpoints_are_direct_samples(run):
    check_interpolation_endpoints(run)


@pytest.mark.parametrize("variant", CONDITIONAL)
def test_conditional_variants(variant, tiny_run, tmp_path):
    """A conditional GAN's class space is its label codes: the same checks as for GM-GAN."""
    from jaxgan.eval import evaluation

    workdir = tiny_run(variant)
    loaded = load.load_run(str(workdir))
    config, gan, state = loaded.member_config(0), loaded.member_gan(0), loaded.member_state(0)
    run = (workdir, gan, state, loaded.meta)
    assert explore.class_space(gan, state).kind == "conditional"
    check_every_what_writes_its_figure(run, tmp_path)
    check_class_grid_and_means(run)
    check_interpolation_endpoints(run)
    assert evaluation.is_conditional(gan, config)  # so jaxgan.evaluate reports its class score


def test_noise_rows(run):
    _, gan, state, _ = run
    space = explore.class_space(gan, state)
    key = jax.random.PRNGKey(2)
    grid = np.asarray(explore.class_grid(space, key, 1))
    for fn in (explore.embedding_noise, explore.latent_noise):
        rows = np.asarray(fn(space, key, 1, (0.0, 0.5, 2.0))).reshape(3, 10, -1)
        np.testing.assert_allclose(rows[0], grid.reshape(10, -1), atol=1e-6)  # eps = 0 is the class grid
        change = [np.abs(r - rows[0]).mean() for r in rows[1:]]
        assert 0 < change[0] < change[1]  # more noise, further from the noiseless samples


def test_fake_embeddings_inside_and_outside_the_learned_range():
    emb = jnp.asarray(np.random.default_rng(0).uniform(-3, 3, (10, 6)), jnp.float32)
    fake = np.asarray(explore.fake_embedding_vectors(emb, jax.random.PRNGKey(0)))
    lo, hi = np.asarray(emb.min(0)), np.asarray(emb.max(0))
    inside, outside = fake[:explore.FAKE_INSIDE], fake[explore.FAKE_INSIDE:]
    assert inside.shape == (3, 6) and outside.shape == (2, 6)
    assert np.all((inside >= lo) & (inside <= hi))
    width = hi - lo
    gap = np.maximum(lo - outside, outside - hi)  # distance beyond the range, per coordinate
    np.testing.assert_allclose(gap, np.broadcast_to(explore.FAR * width, gap.shape), rtol=1e-5)


def test_d_accuracy_table_counts_by_hand():
    rng = np.random.default_rng(0)
    real_s, real_y = rng.normal(size=200), rng.integers(0, 4, 200)
    fake_s, fake_y = rng.normal(size=120), np.repeat(np.arange(3), 40)  # class 3 has no fakes
    rows = explore.d_accuracy_table(real_s, real_y, fake_s, fake_y, 4)
    for c in range(4):
        real_hits = sum(1 for s, y in zip(real_s, real_y) if y == c and s > 0)
        assert rows[c]["num_real"] == sum(real_y == c)
        assert rows[c]["real_accuracy"] == pytest.approx(real_hits / sum(real_y == c))
    assert rows[1]["fake_accuracy"] == pytest.approx(sum(fake_s[40:80] < 0) / 40)
    assert rows[3]["fake_accuracy"] is None and rows[3]["num_fake"] == 0


def test_d_accuracy_against_a_hand_computed_discriminator(run):
    """The tiny MLP D (hidden 16, 16) evaluated in numpy; realness of the K+1 objective by its definition."""
    _, gan, state, _ = run
    d = jax.tree_util.tree_map(np.asarray, state.params["discriminator"])
    layers = sorted(d, key=lambda name: int(name.split("_")[-1]))
    if d[layers[-1]]["kernel"].shape[0] != d[layers[-2]]["kernel"].shape[1]:
        pytest.skip("this D appends features (e.g. minibatch std) to its last layer; the numpy D is the plain MLP")

    def realness(x):  # K+1 softmax: log sum_k exp(l_k) - l_fake
        h = x.reshape(len(x), -1)
        for i, name in enumerate(layers):
            h = h @ d[name]["kernel"] + d[name]["bias"]
            if i < len(layers) - 1:
                h = np.where(h > 0, h, 0.2 * h)
        top = h[:, :-1].max(1, keepdims=True)
        return np.log(np.exp(h[:, :-1] - top).sum(1)) + top[:, 0] - h[:, -1]

    rng = np.random.default_rng(0)
    real = rng.integers(0, 256, (60, 28, 28, 1)).astype(np.uint8)
    labels = np.arange(60) % 10
    key = jax.random.PRNGKey(5)
    rows = explore.d_accuracy(gan, state, key, real, labels, fakes_per_class=4)
    fakes = np.asarray(gan.generate(state, key, 40, jnp.repeat(jnp.arange(10), 4)))
    real_score, fake_score = realness(real.astype(np.float32) * (2 / 255) - 1), realness(fakes)
    for c in range(10):
        assert rows[c]["real_accuracy"] == pytest.approx(np.mean(real_score[labels == c] > 0))
        assert rows[c]["fake_accuracy"] == pytest.approx(np.mean(fake_score[4 * c: 4 * c + 4] < 0))


def test_cli(run, tmp_path):
    workdir = run[0]
    out = tmp_path / "figs"
    ok = subprocess.run([sys.executable, "-m", "jaxgan.explore", f"--workdir={workdir}",
                         "--what=class_means,interpolate", "--pairs=2-8", f"--out={out}", "--steps=3"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{n}.{e}" for n in ("class_means", "interpolate_within", "interpolate_between") for e in ("png", "json"))
    # stdout: one JSON line per figure (its NAME.json with its name and files); stderr: what was written
    lines = [json.loads(line) for line in ok.stdout.splitlines()]
    assert [r["figure"] for r in lines] == ["class_means", "interpolate_within", "interpolate_between"]
    for r in lines:
        name = r.pop("figure")
        assert r.pop("files") == [str(out / f"{name}.png"), str(out / f"{name}.json")]
        assert r == json.loads((out / f"{name}.json").read_text())
    assert f"wrote {out / 'class_means.png'}" in ok.stderr
    for args, message in ((["--what=colour"], "--what must be"), (["--what=interpolate", "--pairs=2-10"], "--pairs")):
        bad = subprocess.run([sys.executable, "-m", "jaxgan.explore", f"--workdir={workdir}",
                              f"--out={tmp_path / 'bad'}", *args], capture_output=True, text=True)
        assert bad.returncode == 2 and bad.stderr.startswith(f"error: {message}"), bad.stderr
        assert not (tmp_path / "bad").exists()


def test_sample_npz_records_the_class_of_every_sample(run, tmp_path):
    """An unconditional draw saves the component/class the prior picked for each sample, with unchanged images."""
    workdir, gan, state, _ = run
    out = tmp_path / "s.npz"
    ok = subprocess.run([sys.executable, "-m", "jaxgan.sample", f"--workdir={workdir}", "--num=30", f"--out={out}",
                         "--seed=4"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    saved = np.load(out)
    key = jax.random.PRNGKey(4)
    drawn = gan.sample_latent(state.params["prior"], key, 30)[1]  # the prior's own label draw for this key
    np.testing.assert_array_equal(saved["labels"], np.asarray(drawn))
    assert len(set(saved["labels"].tolist())) > 1
    np.testing.assert_allclose(saved["images"], np.asarray(gan.generate(state, key, 30)), atol=1e-5)  # two compilations


def test_evaluate_reports_the_class_score_of_gm_gan(run):
    """Seed 004's classifier score (the share of samples whose requested class the classifier recovers) is
    `class_accuracy`, which jaxgan.evaluate reports for the GANs `is_conditional` accepts."""
    from jaxgan.eval import evaluation

    workdir, gan, state, _ = run
    config = load.load_run(str(workdir)).member_config(0)
    assert evaluation.is_conditional(gan, config)
