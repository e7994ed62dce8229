"""Evaluation of trained runs and baselines: metrics wiring, conditionality, PCA, history plot and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jax
import numpy as np
import pytest
from conftest import tiny_config

from jaxgan.eval import baselines
from jaxgan.data import datasets as data
from jaxgan.core import build_gan
from jaxgan.eval import evaluation
from jaxgan.viz import plots
from jaxgan.run import trainer
from jaxgan.eval import evaluator as ev

TINY = ev.Settings(epochs=1)  # what the CLI tests ask for with --evaluator_epochs=1, so they reuse its cache entry
METRIC_KEYS = {"fid", "is", "is_std", "precision", "recall", "density", "coverage", "kid", "kid_std", "num_samples",
               "num_real", "dataset", "split", "evaluator_accuracy", "conditional", "step"}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("jaxgan_cache"))


@pytest.fixture(scope="module")
def trained_run(tiny_idx_dir, tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("run"))
    trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir), workdir)
    return workdir


def run_cli(*args: str, cache: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jaxgan.evaluate", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, ev.CACHE_ENV: cache})


def test_pca_fit_matches_the_covariance_and_samples_in_range():
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(16, 16)))[0][:, :3]  # three orthonormal directions in 16-d
    x = 0.1 * rng.normal(size=(4000, 3)) * np.array([3.0, 2.0, 1.0]) @ basis.T - 0.2
    model = baselines.fit_pca(x.reshape(4000, 4, 4, 1).astype(np.float32), 3)
    np.testing.assert_allclose(model.components @ model.components.T, np.eye(3), atol=1e-5)
    np.testing.assert_allclose(model.variances, np.sort(np.linalg.eigvalsh(np.cov(x, rowvar=False)))[::-1][:3],
                               rtol=1e-4)
    samples = baselines.sample_pca(model, jax.random.PRNGKey(0), 3000)
    assert samples.shape == (3000, 4, 4, 1) and samples.min() >= -1.0 and samples.max() <= 1.0
    np.testing.assert_allclose(np.cov(samples.reshape(3000, -1), rowvar=False), np.cov(x, rowvar=False), atol=6e-3)
    uint8 = baselines.sample_pca(baselines.fit_pca(np.full((5, 2, 2, 1), 255, np.uint8), 1), jax.random.PRNGKey(0), 2)
    np.testing.assert_allclose(uint8, 1.0)  # uint8 input is scaled to [-1, 1] before fitting


def test_label_purity():
    probs = np.eye(3)[[0, 0, 1, 2, 2, 2]]
    assert evaluation.label_purity(probs, np.array([0, 0, 0, 1, 1, 1])) == pytest.approx(5 / 6)
    assert evaluation.label_purity(probs, np.array([1, 1, 0, 2, 2, 2])) == 1.0


@pytest.mark.parametrize("variant,expected", [("vanilla", False), ("gm_gan", True), ("gm_gan_sep", True),
                                              ("gm_gan_unsup", False)])
def test_conditional_follows_the_training_signal(tiny_idx_dir, variant, expected):
    config = tiny_config(variant, tiny_idx_dir)
    gan = build_gan(config, (28, 28, 1), 10, 256)
    state = gan.init(jax.random.PRNGKey(0))
    assert evaluation.is_conditional(gan, state, config) is expected
    config.conditional = not expected
    assert evaluation.is_conditional(gan, state, config) is (not expected)


def test_plot_eval_history(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text(json.dumps({"step": 1, "d/loss": 1.0}) + "\n")
    assert not plots.plot_eval_history(str(path), str(tmp_path / "none.png"))
    assert not (tmp_path / "none.png").exists()
    with open(path, "a") as f:
        for step, fid in ((10, 50.0), (20, 30.0)):
            f.write(json.dumps({"step": step, "eval/fid": fid, "eval/precision": 0.5, "eval/recall": 0.4}) + "\n")
    assert plots.plot_eval_history(str(path), str(tmp_path / "plot.png"))
    assert (tmp_path / "plot.png").stat().st_size > 1000


def test_to_json_writes_null_for_nan():
    text = evaluation.to_json({"a": float("nan"), "b": [1.0, float("inf")]})
    assert json.loads(text) == {"a": None, "b": [1.0, None]}


def test_reference_features_are_cached(tiny_idx_dir, cache):
    evaluator = ev.load_or_train(f"idx:{tiny_idx_dir}", cache_dir=cache, settings=TINY, log=None)
    train = data.load_idx(str(tiny_idx_dir), "train")
    ref = evaluation.reference(evaluator, train)
    cached = [f for f in os.listdir(evaluator.path) if f.startswith("ref-train-")]
    assert len(cached) == 1 and ref.features.shape == (256, 128)
    again = evaluation.reference(evaluator, train)
    np.testing.assert_array_equal(again.features, ref.features)
    np.testing.assert_allclose(again.stats.cov, np.cov(ref.features, rowvar=False), rtol=1e-4, atol=1e-4)


def test_real_baseline_is_near_the_floor_and_pca_is_not(tiny_idx_dir, cache):
    name = f"idx:{tiny_idx_dir}"
    real = baselines.evaluate_baseline("real", name, 64, jax.random.PRNGKey(0), cache_dir=cache, settings=TINY)
    pca = baselines.evaluate_baseline("pca", name, 64, jax.random.PRNGKey(0), pca_components=5, cache_dir=cache,
                                      settings=TINY)
    assert METRIC_KEYS - {"step", "conditional"} <= set(real) and real["split"] == "train"
    assert real["heldout_split"] == "test" and real["num_samples"] == 64 and "class_accuracy" in real
    assert pca["pca_components"] == 5 and 0.0 < pca["pca_explained_variance"] <= 1.0
    assert real["fid"] < pca["fid"]


def test_periodic_evaluator_and_rejection(trained_run, tiny_idx_dir, cache):
    from jaxgan.run import load

    run = load.load_run(trained_run)
    config, gan, state = run.member_config(0), run.member_gan(0), run.member_state(0)
    config.eval_num_samples = 32
    periodic = evaluation.PeriodicEvaluator(gan, config, data.load_idx(str(tiny_idx_dir), "train"), cache_dir=cache,
                                            settings=TINY)
    scalars = periodic.run(state)
    assert {f"eval/{k}" for k in ("fid", "is", "precision", "recall", "density", "coverage", "kid")} <= set(scalars)
    assert all(isinstance(v, float) for v in scalars.values())
    assert periodic.run(state) == scalars  # fixed evaluation noise
    result = evaluation.evaluate_state(gan, state, f"idx:{tiny_idx_dir}", "train", 32, jax.random.PRNGKey(0),
                                       rejection=True, context=periodic.context,
                                       rejection_kwargs=dict(burn_in=64, percentile=50.0))
    assert result["rejection"] and 0.0 < result["acceptance_rate"] <= 1.0 and result["num_samples"] == 32


def test_evaluate_cli_end_to_end(trained_run, cache):
    result = run_cli(f"--workdir={trained_run}", "--num_samples=32", "--evaluator_epochs=1", cache=cache)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert METRIC_KEYS <= set(out) and out["step"] == 4 and out["variant"] == "vanilla"
    assert out["reference_is_training_data"] and not out["conditional"] and "class_accuracy" not in out
    assert all(np.isfinite(out[k]) for k in ("fid", "is", "precision", "recall", "kid"))
    with open(os.path.join(trained_run, "eval_step_4.json")) as f:
        assert json.load(f) == out


def test_pca_baseline_cli(tiny_idx_dir, cache, tmp_path):
    out_file = tmp_path / "pca.json"
    result = run_cli("--baseline=pca", f"--dataset=idx:{tiny_idx_dir}", "--num_samples=32", "--pca_components=4",
                     "--evaluator_epochs=1", f"--out={out_file}", cache=cache)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(out_file.read_text())


@pytest.mark.parametrize("args,message", [
    (["--workdir=/nonexistent/run"], "does not exist"),
    (["--baseline=gan", "--dataset=mnist"], "--baseline"),
    (["--baseline=pca"], "needs --dataset"),
    ([], "--workdir is required"),
    (["--workdir=/tmp", "--num_samples=3"], "--num_samples"),
])
def test_bad_input_is_one_line_exit_2(args, message, cache):
    assert_one_line_error(run_cli(*args, cache=cache), message)


def test_workdir_without_checkpoints_is_one_line(tmp_path, cache):
    assert_one_line_error(run_cli(f"--workdir={tmp_path}", cache=cache), "no checkpoints")


def assert_one_line_error(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode == 2 and result.stdout == "", result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr[-2000:]
