"""Finding 6 (experiments/findings/synthetic_data.py): its mixing, its refusals, and run + analyze + publish end
to end on tiny zoo runs of both generators (2 seeds, 4 steps on conftest's tiny IDX digits)."""

from __future__ import annotations

import json

import jax
import numpy as np
import pytest

from conftest import tiny_config
from experiments.findings import report, synthetic_data as finding
from experiments.findings.protocol import Context
from jaxgan.analysis import synthetic
from jaxgan.data import datasets as data
from jaxgan.eval import evaluation
from jaxgan.run import load

SEEDS = 2


@pytest.fixture(scope="module")
def zoo_root(tiny_idx_dir, tmp_path_factory):
    """A runs root holding each generator's tiny run where the zoo would put its cpu recipe's run."""
    from jaxgan.run import trainer

    root = tmp_path_factory.mktemp("zoo")
    for variant in finding.GENERATORS:
        trainer.train_and_evaluate(tiny_config(variant, tiny_idx_dir), finding.zoo_workdir(variant, str(root), SEEDS),
                                   seeds=SEEDS)
    return str(root)


def context(tiny_idx_dir, tmp_path) -> Context:
    reference = data.load_dataset(f"idx:{tiny_idx_dir}", "test")
    return Context(results=str(tmp_path / "results"), runs=str(tmp_path / "runs"), reference=reference,
                   reference_id=evaluation.data_identity(reference.describe()), quick=True, command="test")


def test_the_mix_holds_the_share_and_each_digit_its_label(zoo_root, tiny_idx_dir):
    """The sets the finding trains on: round(f * N) generated digits labelled with the class each was drawn for,
    then N - round(f * N) real digits with their own labels; the real part of a smaller share contains the
    larger share's (one permutation per classifier seed)."""
    run = load.load_run(finding.find_zoo_run("cgan_mlp", zoo_root))
    gan, state = run.member_gan(1), run.member_state(1)
    real = data.load_dataset(f"idx:{tiny_idx_dir}", "train")
    n, previous = 40, None
    for fraction, expected in zip(finding.FRACTIONS, (0, 10, 20, 30, 40)):
        mix = synthetic.mixed_training_set(gan, state, real, fraction, n, seed=1)
        assert mix.num_generated == expected and mix.images.shape == (n, 28, 28, 1) and len(mix.real_rows) == n - expected
        np.testing.assert_array_equal(mix.labels[expected:], real.labels[mix.real_rows])
        np.testing.assert_array_equal(mix.images[expected:], real.images[mix.real_rows])
        key = jax.random.fold_in(jax.random.PRNGKey(1), synthetic.GENERATED_STREAM)
        images, labels = synthetic.generated(gan, state, key, expected)
        np.testing.assert_array_equal(mix.labels[:expected], labels)
        np.testing.assert_array_equal(mix.images[:expected], images)
        if previous is not None:
            assert set(mix.real_rows.tolist()) <= set(previous.tolist())
        previous = mix.real_rows


def test_precheck_names_the_zoo_command(tmp_path, tiny_idx_dir, monkeypatch):
    monkeypatch.setenv(finding.RUNS_ENV, str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="python -m experiments.zoo --variant=cgan_mlp --scale=cpu"):
        finding.FINDING.check(context(tiny_idx_dir, tmp_path))


@pytest.mark.slow  # ~1 min of compiles; the mixing test stays in CI
def test_precheck_refuses_an_unfinished_run(zoo_root, tmp_path, tiny_idx_dir, monkeypatch):
    """A run whose recipe asks for more steps than its last checkpoint holds (still training) is refused."""
    read_meta = load.read_meta

    def longer(path, step=None):
        meta = read_meta(path, step)
        return {**meta, "config": {**meta["config"], "steps": 2 * meta["config"]["steps"]}}

    monkeypatch.setenv(finding.RUNS_ENV, zoo_root)
    monkeypatch.setattr(load, "read_meta", longer)
    with pytest.raises(ValueError, match="at step 4 of 8; finish it: python -m experiments.zoo --variant=cgan_mlp"):
        finding.FINDING.check(context(tiny_idx_dir, tmp_path))


@pytest.mark.slow  # ~1 min of compiles; the mixing test stays in CI
def test_run_analyze_publish(zoo_root, tmp_path, tiny_idx_dir, monkeypatch):
    monkeypatch.setenv(finding.RUNS_ENV, zoo_root)
    ctx = context(tiny_idx_dir, tmp_path)
    finding.FINDING.check(ctx)
    results = ctx.results
    ctx.results = report.staging(results)
    rows = finding.FINDING.execute(ctx)

    seeds = finding.QUICK.classifier_seeds
    real = [r for r in rows if r["generator"] == finding.REAL]
    assert [(r["fraction"], r["classifier_seed"]) for r in real] == [(0.0, s) for s in range(seeds)]
    n = rows[0]["train_size"]
    assert n == 256 and rows[0]["test_size"] == 64  # the tiny digits, all of them (quick asks for up to 500 / 1000)
    for variant in finding.GENERATORS:
        mine = [r for r in rows if r["generator"] == variant]
        assert sorted({r["gan_member"] for r in mine}) == list(range(SEEDS))
        assert sorted((r["gan_member"], r["fraction"], r["classifier_seed"]) for r in mine) == sorted(
            (i, f, s) for i in range(SEEDS) for f in finding.FRACTIONS[1:] for s in range(seeds))
        assert all(r["generated"] == round(r["fraction"] * n) and r["real"] == n - r["generated"] for r in mine)
        assert all(r["gan_step"] == 4 for r in mine)
    assert len(rows) == seeds + len(finding.GENERATORS) * SEEDS * 4 * seeds
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in rows)

    text = report.publish(finding.FINDING, rows, ctx, results)
    again = report.read_rows(results)
    assert json.loads(json.dumps(again)) == again and len(again) == len(rows)
    verdict = finding.analyze(again)
    assert verdict == finding.analyze(rows)
    assert verdict.verdict.split(":")[0] in ("agree", "agree on 'keeps', not on 'beats'", "partly", "disagree")
    assert "cgan_mlp" in verdict.result and "gm_gan" in verdict.result and "quick" in verdict.result
    assert "| `cgan_mlp` (2 GAN seeds) |" in verdict.details and "97.7" in verdict.details
    assert verdict.verdict in text


def rows_with(real: list[float], mixed: dict[float, list[float]]) -> list[dict]:
    """Hand-made rows: real-only accuracies, and per fraction one accuracy per (GAN seed, classifier seed)."""
    rows = [dict(generator=finding.REAL, fraction=0.0, classifier_seed=s, accuracy=a, train_size=100, test_size=50,
                 classifier=dict(channels=[4, 8], features=16, dropout=0.3, learning_rate=2e-3, batch_size=16),
                 classifier_epochs=1, classifier_max_shift=2, quick=False) for s, a in enumerate(real)]
    for f, accs in mixed.items():
        rows += [dict(rows[0], generator="g", fraction=f, gan_seed=k // 2, classifier_seed=k % 2, accuracy=a)
                 for k, a in enumerate(accs)]
    return rows


@pytest.mark.parametrize("at_25, verdict", [
    ([0.95, 0.96], "agree: 25% generated beats"),
    ([0.90, 0.93], "agree on 'keeps', not on 'beats'"),
    ([0.80, 0.85], "disagree"),
])
def test_analyze_reads_the_range_rule(at_25, verdict):
    other = {f: [0.5, 0.6] for f in (0.5, 0.75, 1.0)}
    out = finding.analyze(rows_with([0.91, 0.92], {0.25: at_25, **other}))
    assert out.verdict.startswith(verdict), out.verdict
    assert "all-real 91.5 (91.0-92.0)" in out.result and "CAS (100% generated): g 55.0 (50.0-60.0)" in out.result
