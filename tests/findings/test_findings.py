"""The findings (`python -m experiments.findings`): one quick finding end to end on conftest's tiny IDX data (no
shared data needed), the refusal to judge on training data, the range-overlap rule every verdict uses, the
verdict logic on made-up rows, and the verdict table's determinism and README copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from experiments import findings
from experiments.findings import cgan_advantage, report, stats, vanilla_tricks
from experiments.findings.protocol import Scale
from jaxgan.run import validate

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.findings", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def quick_flags(tmp, tiny_idx_dir, reference_split="test") -> list[str]:
    return ["--finding=vanilla_tricks", "--quick", f"--data=idx:{tiny_idx_dir}", f"--reference=idx:{tiny_idx_dir}",
            f"--reference_split={reference_split}", f"--results={tmp / 'results'}", f"--runs={tmp / 'runs'}",
            f"--cache_dir={tmp / 'cache'}", "--evaluator_epochs=1"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, tiny_idx_dir):
    tmp = tmp_path_factory.mktemp("findings")
    result = run(*quick_flags(tmp, tiny_idx_dir))
    assert result.returncode == 0, result.stderr[-3000:]
    return tmp / "results" / "vanilla_tricks", result


def test_quick_finding_writes_rows_report_curves_and_grids(quick_run, tiny_idx_dir):
    folder, result = quick_run
    rows = report.read_rows(str(folder))
    # base sweeps dropout over 2 values; g2 and diffaug are one setting each; 2 seeds per setting at --quick
    assert sorted((r["arm"], json.dumps(r["settings"]), r["seed"]) for r in rows) == sorted(
        [("base", json.dumps({"discriminator.dropout": d}), s) for d in (0.0, 0.3) for s in (0, 1)]
        + [(a, "{}", s) for a in ("g2", "diffaug") for s in (0, 1)])
    for row in rows:
        assert row["training_data"]["split"] == "train" and row["reference_data"]["split"] == "test"
        assert row["training_data"]["sha256"] != row["reference_data"]["sha256"]
        assert row["final"]["reference_is_training_data"] is False and row["steps"] == 20
        assert [p["step"] for p in row["curve"]] == [10, 20]  # 2 evaluations during training
        assert row["train_wall_seconds"] > 0 and len(row["git"]["commit"]) == 40
        assert row["command"].startswith("python -m experiments.findings --finding=vanilla_tricks --quick")
    grids = {r["grid"] for r in rows if "grid" in r}
    assert grids == {"grid_base_dropout-0.png", "grid_base_dropout-0.3.png", "grid_g2.png", "grid_diffaug.png"}
    for png in grids | {"curves.png"}:
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (folder / "report.md").read_text()
    assert vanilla_tricks.FINDING.claim in text and "**Verdict:**" in text and "identical noise" in text
    assert text.split("## Setup")[0] in result.stdout
    assert not (folder.parent / "vanilla_tricks.partial").exists()


@pytest.mark.slow  # a second quick run (~1 min)
def test_quick_rerun_resumes_and_rewrites_the_same_rows(quick_run, tiny_idx_dir, tmp_path_factory):
    """Training workdirs are keyed by recipe: a second run trains nothing new and judges to the same numbers."""
    folder, _ = quick_run
    before = [r["final"]["fid"] for r in report.read_rows(str(folder))]
    tmp = folder.parent.parent
    result = run(*quick_flags(tmp, tiny_idx_dir))
    assert result.returncode == 0, result.stderr[-3000:]
    assert [r["final"]["fid"] for r in report.read_rows(str(folder))] == before


def test_a_reference_that_is_the_training_data_is_refused_before_any_file(tmp_path, tiny_idx_dir):
    result = run(*quick_flags(tmp_path, tiny_idx_dir, reference_split="train"))
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "is the data it trains on" in errors[0]
    assert not (tmp_path / "results").exists() and not (tmp_path / "runs").exists()


def test_unknown_finding_is_one_line(tmp_path):
    result = run("--finding=nope")
    assert result.returncode != 0 and "nope" in result.stderr


@pytest.mark.parametrize("name", findings.NAMES)
def test_every_finding_names_its_report_and_builds_valid_recipes(name, tmp_path):
    finding = findings.get(name)
    assert finding.report and (finding.claim or name == "population_sweep") and finding.scale_note
    for scale in (finding.full, finding.quick):
        for arm in finding.arms:
            validate.validate(arm.config(scale), seeds=scale.seeds, sweeps=[arm.sweep] if arm.sweep else (),
                              workdir=str(tmp_path / arm.name))


def test_ranges_that_overlap_are_no_effect():
    a, b = stats.summarize([1.0, 2.0, 3.0]), stats.summarize([2.5, 4.0, 5.0])
    assert stats.compare(a, b) == 0 and stats.compare(b, a) == 0
    c = stats.summarize([3.5, 4.0])
    assert stats.compare(c, a) == 1 and stats.compare(a, c) == -1
    assert stats.compare(stats.summarize([]), a) == 0
    assert str(a) == "2.00 (1.00-3.00)" and stats.summarize([float("nan"), 1.0]).n == 1


def fake_rows(fids: dict[str, list[float]]) -> list[dict]:
    """Rows as vanilla_tricks writes them, with only the fields its analysis reads."""
    rows = []
    for label, values in fids.items():
        arm, _, setting = label.partition(", dropout=")
        for seed, fid in enumerate(values):
            rows.append(dict(arm=arm, settings={"discriminator.dropout": float(setting)} if setting else {},
                             seed=seed, steps=100, seeds=len(values), curve=[], training_data={"name": "mnist"},
                             final=dict(fid=fid, precision=0.5, recall=0.5, coverage=0.5, classes_found=10.0)))
    return rows


def test_vanilla_tricks_verdict_follows_the_seed_ranges():
    agree = fake_rows({"base, dropout=0": [300, 320, 310], "base, dropout=0.3": [100, 110, 120],
                       "g2": [50, 60, 55], "diffaug": [30, 35, 40]})
    assert vanilla_tricks.analyze(agree).verdict.startswith("agree")
    overlap = fake_rows({"base, dropout=0": [300, 320, 310], "base, dropout=0.3": [100, 110, 120],
                         "g2": [50, 60, 55], "diffaug": [30, 35, 58]})
    assert vanilla_tricks.analyze(overlap).verdict.startswith("partly")
    worse = fake_rows({"base, dropout=0": [300, 320, 310], "base, dropout=0.3": [100, 110, 120],
                       "g2": [50, 60, 55], "diffaug": [70, 75, 80]})
    assert vanilla_tricks.analyze(worse).verdict.startswith("disagree")


def cgan_rows(accuracy: dict[str, list[float]], fid: dict[str, list[float]]) -> list[dict]:
    """Rows as cgan_advantage writes them, with only the fields its analysis reads."""
    return [dict(arm=arm, settings={}, seed=seed, steps=600, seeds=len(values), curve=[], d_accuracy=[],
                 training_data={"name": "mnist"}, final=dict(fid=f, class_accuracy=a, recall=0.5, coverage=0.5))
            for arm, values in accuracy.items() for seed, (a, f) in enumerate(zip(values, fid[arm]))]


def test_cgan_advantage_judges_only_arms_that_learned_their_labels():
    fid = {"adv9": [250, 260, 270], "adv1": [300, 350, 400], "adaptive": [300, 310, 320], "proj": [200, 210, 255]}
    at_chance = cgan_advantage.analyze(cgan_rows({arm: [0.11, 0.12, 0.13] for arm in fid}, fid)).verdict
    assert at_chance.startswith("can't tell at this scale: no arm learned its labels (class accuracy at most 0.13")
    assert "advantage 9 has lower FID than advantage 1" in at_chance and "FID within the spread of" in at_chance
    learned = {"adv1": [0.5, 0.55, 0.6], "adv9": [0.7, 0.75, 0.8], "adaptive": [0.6] * 3, "proj": [0.85, 0.9, 0.95]}
    assert cgan_advantage.analyze(cgan_rows(learned, fid)).verdict.startswith("agree")
    overlap = cgan_advantage.analyze(cgan_rows({**learned, "proj": [0.75, 0.8, 0.85]}, fid)).verdict
    assert overlap.startswith("can't tell at this scale: class accuracy of advantage 9 vs 1 higher")
    worse = cgan_advantage.analyze(cgan_rows({**learned, "proj": [0.3, 0.35, 0.4]}, fid)).verdict
    assert worse.startswith("disagree") and "concatenation lower" in worse


def test_verdict_table_is_deterministic_and_experiments_readme_holds_it():
    root = os.path.join(ROOT, "experiments", "results", "findings")
    text = report.verdict_table(findings.all_findings(), root)
    assert text == report.verdict_table(findings.all_findings(), root)
    assert len(text.splitlines()) == 2 + len(findings.NAMES)
    with open(os.path.join(ROOT, "experiments", "README.md")) as f:
        readme = f.read()
    begin, end = readme.index(report.TABLE_BEGIN) + len(report.TABLE_BEGIN), readme.index(report.TABLE_END)
    assert readme[begin:end].strip("\n") == text.strip("\n"), (
        "experiments/README.md's verdict table is stale: python -m experiments.findings --table "
        "--table_out=experiments/README.md")


@pytest.mark.parametrize("name", findings.NAMES)
def test_committed_reports_are_recomputed_from_their_rows(name):
    """Each committed report.md is what the finding's analysis makes of its committed rows today."""
    folder = os.path.join(ROOT, "experiments", "results", "findings", name)
    rows = report.read_rows(folder)
    if not rows:
        pytest.skip(f"{name} has no committed results")
    finding = findings.get(name)
    with open(os.path.join(folder, "report.md")) as f:
        assert f.read() == report.report_md(finding, rows, os.path.exists(os.path.join(folder, "curves.png"))), (
            f"{name}'s report.md is stale: python -m experiments.findings --finding={name} --reanalyze")


def test_reanalyze_rewrites_the_report_from_the_rows_and_refuses_a_folder_without_rows(quick_run, tmp_path):
    folder, _ = quick_run
    copy = tmp_path / "results" / "vanilla_tricks"
    shutil.copytree(folder, copy)
    expected = (copy / "report.md").read_text()
    (copy / "report.md").write_text("stale\n")
    args = ["--finding=vanilla_tricks", "--reanalyze", f"--results={tmp_path / 'results'}"]
    result = run(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (copy / "report.md").read_text() == expected
    shutil.rmtree(copy)
    result = run(*args)
    assert result.returncode == 2 and "no results.jsonl" in result.stderr.strip().splitlines()[-1]


def test_scale_flags_replace_the_findings_own(tmp_path):
    from experiments.findings.protocol import Context

    ctx = Context(results="", runs="", reference=None, reference_id={}, quick=False, command="", steps=7, seeds=1)
    assert vanilla_tricks.FINDING.scale(ctx) == Scale(steps=7, seeds=1)
