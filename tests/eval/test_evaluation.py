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

from jaxgan import metrics
from jaxgan.metrics import modes
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


class StubEvaluator:
    """Stands in for the evaluator network: features = the flattened image, probs = a softmax of its first 3."""

    def features_and_probs(self, images):
        feats = np.asarray(images, np.float32).reshape(len(images), -1)
        logits = feats[:, :3] * 4.0
        probs = np.exp(logits - logits.max(1, keepdims=True))
        return feats, probs / probs.sum(1, keepdims=True)


def stub_inputs(n=40, seed=0):
    """(evaluator, reference of 60 images, n images [n, 2, 2, 2], labels [n])."""
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(60, 2, 2, 2)).astype(np.float32)
    evaluator = StubEvaluator()
    feats, _ = evaluator.features_and_probs(real)
    ref = evaluation.Reference({}, feats, metrics.feature_statistics(feats))
    return evaluator, ref, rng.normal(0.3, 1.2, size=(n, 2, 2, 2)).astype(np.float32), np.arange(n) % 3


def test_image_metrics_are_the_metric_functions_fields():
    """Every field and value as composed by hand from the metric functions (what evaluate printed before
    metrics registered themselves)."""
    evaluator, ref, images, labels = stub_inputs()
    key = jax.random.PRNGKey(3)
    out = evaluation.image_metrics(evaluator, ref, images, labels, conditional=True, key=key)
    feats, probs = evaluator.features_and_probs(images)
    real = ref.subset(len(feats))
    is_mean, is_std = metrics.inception_score(probs[np.random.default_rng(0).permutation(len(probs))], splits=10)
    kid_mean, kid_std = metrics.kid(real, feats, key=key)
    expected = dict(fid=metrics.fid(ref.stats, feats), is_std=is_std, kid=kid_mean, kid_std=kid_std,
                    **{"is": is_mean}, **metrics.precision_recall(real, feats, k=3),
                    **metrics.density_coverage(real, feats, k=5), num_samples=40, num_real=40, num_reference=60,
                    conditional=True, label_purity=metrics.label_purity(probs, labels),
                    class_accuracy=metrics.class_accuracy(probs, labels),
                    per_class_accuracy=[float(a) for a in metrics.per_class_accuracy(probs, labels, 3)],
                    classes_found=float(modes.classes_found(probs)),
                    class_histogram=[round(float(h), 5) for h in modes.class_histogram(probs)])
    assert out == expected
    unconditional = evaluation.image_metrics(evaluator, ref, images, labels, key=key)
    assert set(out) - set(unconditional) == {"class_accuracy", "per_class_accuracy"}
    assert "label_purity" not in evaluation.image_metrics(evaluator, ref, images, key=key)


@pytest.fixture
def spread_metric(monkeypatch):
    """A throwaway metric, registered (in a copy of the registry) the way a new metric module would."""
    from jaxgan.metrics import base

    table = base.METRICS.copy()
    monkeypatch.setattr(base, "METRICS", table)

    @table.register("spread", scalars=("spread",), needs=("features",), higher_is_better=True, min_samples=20,
                    order=2.5, table=("spread",), curves=("spread",))
    def spread(inputs: base.MetricInputs) -> dict[str, float]:
        return {"spread": float(np.mean(np.std(inputs.fake_features, axis=0))), "spread_note": "x"}

    return spread


def test_a_registered_metric_is_computed_logged_tabled_and_plotted(spread_metric, tmp_path):
    from jaxgan.cli import evaluate as evaluate_cli

    evaluator, ref, images, labels = stub_inputs()
    out = evaluation.image_metrics(evaluator, ref, images, labels)
    assert out["spread"] == pytest.approx(images.reshape(40, -1).std(axis=0).mean()) and out["spread_note"] == "x"
    # Listed where the registry says: after precision/recall (order 2.5), in tables and beside FID.
    assert metrics.scalar_names()[:5] == ("fid", "is", "precision", "recall", "spread")
    assert metrics.curve_names() == ("precision", "recall", "spread", "density", "coverage")
    table = evaluate_cli.member_table([dict(out, member=0, member_seed=1, member_settings={})])
    assert table.splitlines()[0].split() == ["member", "seed", "settings", "fid", "precision", "recall", "spread",
                                             "coverage"]
    path = tmp_path / "metrics.jsonl"
    path.write_text(json.dumps({"step": 5, "eval/fid": 3.0, "eval/spread": 0.5}) + "\n")
    fig = plots.eval_history_figure(str(path))
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()] == ["spread"]
    # Its minimum sample count is now the evaluation's.
    assert metrics.min_samples() == 20
    with pytest.raises(ValueError, match="need at least 20 samples to evaluate, got 15"):
        evaluation.image_metrics(evaluator, ref, images[:15], labels[:15])


def test_label_purity():
    probs = np.eye(3)[[0, 0, 1, 2, 2, 2]]
    assert metrics.label_purity(probs, np.array([0, 0, 0, 1, 1, 1])) == pytest.approx(5 / 6)
    assert metrics.label_purity(probs, np.array([1, 1, 0, 2, 2, 2])) == 1.0


@pytest.mark.parametrize("variant,expected", [("vanilla", False), ("gm_gan", True), ("gm_gan_sep", True),
                                              ("gm_gan_unsup", False)])
def test_conditional_follows_the_training_signal(tiny_idx_dir, variant, expected):
    config = tiny_config(variant, tiny_idx_dir)
    gan = build_gan(config, (28, 28, 1), 10, 256)
    assert evaluation.is_conditional(gan, config) is expected
    config.conditional = not expected
    assert evaluation.is_conditional(gan, config) is (not expected)


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
