"""Classifiers trained on generated digits (jaxgan.synthetic): the mix, the splits, equivalence with plain
training, and the CLI."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import jax
import numpy as np
import pytest

from jaxgan.data import datasets as data
from jaxgan.eval import evaluator
from jaxgan.analysis import synthetic
from jaxgan.run import load

FAST = evaluator.Settings(epochs=1, channels=(4, 8), features=16, batch_size=16)


@pytest.fixture(scope="module")
def run(tiny_run):
    workdir = tiny_run("gm_gan")
    loaded = load.load_run(str(workdir))
    return workdir, loaded.member_gan(0), loaded.member_state(0)


def test_count_shared():
    a = np.arange(24, dtype=np.uint8).reshape(6, 2, 2)
    assert synthetic.count_shared(a, a[[1, 4]]) == 2
    assert synthetic.count_shared(a[:3], a[3:]) == 0


def test_splits_keep_the_test_images_out(mnist_dir):
    """MNIST's single test split is cut into train / val / test rows that never overlap."""
    splits = synthetic.real_splits(f"idx:{mnist_dir}", test_fraction=0.2, val_fraction=0.1)
    assert (splits.train.size, splits.val.size, splits.test.size) == (7200, 800, 2000)
    assert synthetic.count_shared(splits.test.images, np.concatenate([splits.train.images, splits.val.images])) == 0


def test_mixed_set_holds_the_requested_share_and_no_test_image(run, tiny_idx_dir):
    _, gan, state = run
    splits = synthetic.real_splits(f"idx:{tiny_idx_dir}")  # has a test split: test = t10k, train/val cut from train
    for fraction, expected in ((0.0, 0), (0.25, 25), (0.5, 50), (1.0, 100)):
        mix = synthetic.mixed_training_set(gan, state, splits.train, fraction, 100, seed=3)
        assert mix.num_generated == expected and mix.images.shape == (100, 28, 28, 1)
        assert len(mix.real_rows) == 100 - expected and len(set(mix.real_rows.tolist())) == 100 - expected
        assert mix.real_rows.max(initial=0) < splits.train.size  # indices into the training part only
        np.testing.assert_array_equal(mix.images[expected:], splits.train.images[mix.real_rows])
        assert synthetic.count_shared(mix.images, splits.test.images) == 0
        assert synthetic.count_shared(mix.images[expected:], splits.val.images) == 0
    # The generated rows are labelled with the class each was drawn for: a draw with those labels repeats them.
    images, labels = synthetic.generated(gan, state, jax.random.PRNGKey(0), 20)
    again = synthetic.to_uint8(gan.generate(state, jax.random.split(jax.random.fold_in(jax.random.PRNGKey(0), 0))[1],
                                            20, labels))
    np.testing.assert_array_equal(images, again)


def test_to_uint8_inverts_scaling():
    x = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(synthetic.to_uint8(np.asarray(data.scale_images(x))), x)


def test_fraction_zero_is_plain_training_and_vmapped_seeds_equal_single_runs(run, tiny_idx_dir):
    """Fraction 0, vmapped over 2 seeds == evaluator.train_classifier on the same real rows, seed by seed
    (the use_vmap=False path); the vmapped accuracies == argmax of the evaluator's own forward pass."""
    _, gan, state = run
    splits = synthetic.real_splits(f"idx:{tiny_idx_dir}")
    mixes = [synthetic.mixed_training_set(gan, state, splits.train, 0.0, 64, seed=s) for s in (0, 1)]
    vmapped = synthetic.train_classifiers(np.stack([m.images for m in mixes]), np.stack([m.labels for m in mixes]),
                                          [0, 1], 10, FAST)
    rows = np.stack([np.random.default_rng(s).permutation(splits.train.size)[:64] for s in (0, 1)])
    plain = synthetic.train_classifiers(splits.train.images[rows], splits.train.labels[rows], [0, 1], 10, FAST,
                                        use_vmap=False)
    for a, b in zip(jax.tree_util.tree_leaves(plain), jax.tree_util.tree_leaves(vmapped)):
        np.testing.assert_allclose(a, b, atol=2e-5)
    module = evaluator.build_module(FAST, 10)
    acc = synthetic.accuracies(module, vmapped, splits.test.images, splits.test.labels)
    for i in range(2):
        p = jax.tree_util.tree_map(lambda v: v[i], vmapped)
        probs = evaluator.forward(module, p, data.scale_images(splits.test.images))[1]
        assert acc[i] == pytest.approx(np.mean(np.argmax(probs, 1) == splits.test.labels))


def test_cli(run, tmp_path):
    workdir = run[0]
    out = tmp_path / "syn"
    cmd = [sys.executable, "-m", "jaxgan.synthetic", f"--workdir={workdir}", f"--out={out}"]
    ok = subprocess.run(cmd + ["--fractions=0.5", "--num_train=32", "--seeds=2", "--epochs=1",
                               "--finetune_epochs=1"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    result = json.loads((out / "synthetic.json").read_text())
    # stdout: one JSON line per fraction (the rows of synthetic.json); stderr: the human table
    assert [json.loads(line) for line in ok.stdout.splitlines()] == [
        dict(step=result["step"], num_train=32, **row) for row in result["rows"]]
    assert "| % real | % generated |" in ok.stderr
    assert [r["num_generated"] for r in result["rows"]] == [16]
    assert len(result["rows"][0]["finetuned_accuracy"]) == 2
    assert result["test"]["split"] == "test" and result["test_images_seen_by_generator"] == 0
    assert (out / "synthetic.md").read_text().startswith("| % real | % generated |")
    for args, message in ((["--fractions=0,1.5"], "--fractions"), (["--num_train=100000"], "--num_train")):
        bad = subprocess.run([sys.executable, "-m", "jaxgan.synthetic", f"--workdir={workdir}",
                              f"--out={tmp_path / 'bad'}", *args], capture_output=True, text=True)
        assert bad.returncode == 2 and bad.stderr.startswith(f"error: {message}"), bad.stderr
        assert not (tmp_path / "bad").exists()
