"""The model zoo (`python -m experiments.zoo`), the recipes it trains (every variant's `cpu` and `seed` scales) and
`jaxgan.evaluate --reference`, on conftest's tiny IDX data (no shared data needed).

One zoo run (cgan_mlp, label-aware and the fastest network: 2 seeds, 2 steps, 32 samples) is made once through
the command line and then read by every zoo test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from flax import traverse_util

from experiments import provenance, zoo
from jaxgan import configs
from jaxgan.core import build_gan
from jaxgan.data import datasets as data
from jaxgan.run import validate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANT = "cgan_mlp"
TINY = {"batch_size": 8, "steps": 2, "steps_per_call": 2, "log_every": 1, "sample_every": 2, "checkpoint_every": 2,
        "num_samples": 4, "generator.hidden": (16, 16), "discriminator.hidden": (16, 16)}
NUM_SAMPLES = 32
SEEDS = 2


def run(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr[-2000:]
    return errors[0]


def tiny_flags(data_dir) -> list[str]:
    values = {**TINY, "data.name": f"idx:{data_dir}"}
    return [f"--config.{k}={'(' + ','.join(map(str, v)) + ')' if isinstance(v, tuple) else v}"
            for k, v in values.items()]


@pytest.fixture(scope="module")
def dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("zoo")
    return dict(results=root / "results", runs=root / "runs", cache=root / "cache")


def zoo_flags(dirs, tiny_idx_dir, reference_split: str = "test") -> list[str]:
    return [f"--variant={VARIANT}", f"--seeds={SEEDS}", "--scale=cpu", f"--results={dirs['results']}",
            f"--runs={dirs['runs']}", f"--cache_dir={dirs['cache']}", "--evaluator_epochs=1",
            f"--num_samples={NUM_SAMPLES}", f"--reference=idx:{tiny_idx_dir}", f"--reference_split={reference_split}",
            *tiny_flags(tiny_idx_dir)]


@pytest.fixture(scope="module")
def zoo_run(dirs, tiny_idx_dir):
    """The results folder of one zoo run, trained on the tiny set's train split, judged on its test split."""
    result = run("experiments.zoo", *zoo_flags(dirs, tiny_idx_dir))
    assert result.returncode == 0, result.stderr[-3000:]
    return dirs["results"] / VARIANT / "cpu"


def members(folder) -> list[dict]:
    return [json.loads((folder / f"member_{i:03d}.json").read_text()) for i in range(SEEDS)]


# ------------------------------------------------------------------------------------------------ recipes
@pytest.mark.parametrize("variant", configs.variants())
def test_every_scale_builds_and_names_real_fields(variant):
    for scale in configs.SCALES:
        config = configs.get_config(variant, scale)
        validate.validate(config)
        build_gan(config, (28, 28, 1), 10, 60_000)  # composes every part the recipe names
        found = configs.get_scale(variant, scale)
        assert found.report, (variant, scale)
        flat = {".".join(k) for k in traverse_util.flatten_dict(config.to_dict())}
        sections = {f.rsplit(".", 1)[0] for f in flat}
        for field in [*found.departs, *found.ours]:  # notes never point at a field the config lacks
            assert field in flat or field in sections, (variant, scale, field)


def test_default_scale_is_todays_config_and_scales_change_only_their_fields():
    # Today's defaults, as the configs wrote them before scales existed.
    assert (configs.get_config("vanilla").steps, configs.get_config("vanilla").batch_size) == (20_000, 64)
    assert configs.get_config("cgan_resnet").generator.channels == (64, 64)
    assert configs.get_config("dcgan").steps == 18_000
    for variant in configs.variants():
        before = traverse_util.flatten_dict(configs.get_config(variant).to_dict())
        for scale in configs.SCALES:
            scaled = traverse_util.flatten_dict(configs.get_config(variant, scale).to_dict())
            changed = {".".join(k) for k in before if before[k] != scaled[k]}
            assert set(scaled) == set(before)  # a scale adds no field
            assert changed <= set(configs.get_scale(variant, scale).overrides), (variant, scale, changed)
        assert traverse_util.flatten_dict(configs.get_config(variant).to_dict()) == before  # nothing mutated


def test_unknown_scale_is_one_line():
    with pytest.raises(ValueError, match="has no scale 'gpu'"):
        configs.get_config("vanilla", "gpu")
    result = run("jaxgan.train", "--variant=vanilla", "--scale=gpu")
    assert "has no scale 'gpu'" in one_line_error(result)


# ---------------------------------------------------------------------------------------------------- zoo
def test_zoo_writes_each_members_results(zoo_run, tiny_idx_dir):
    train_sha = data.load_idx(str(tiny_idx_dir), "train").checksum
    test_sha = data.load_idx(str(tiny_idx_dir), "test").checksum
    rows = members(zoo_run)
    assert [r["seed"] for r in rows] == [0, 1] and [r["member"] for r in rows] == [0, 1]
    for row in rows:
        assert row["training_data"]["sha256"] == row["evaluation"]["training_data"]["sha256"] == train_sha
        assert row["reference_data"]["sha256"] == row["evaluation"]["reference_data"]["sha256"] == test_sha
        assert row["reference_data"]["split"] == "test" and row["evaluation"]["reference_is_training_data"] is False
        assert row["evaluation"]["num_samples"] == NUM_SAMPLES and row["evaluation"]["conditional"]
        for metric in ("fid", "precision", "recall", "coverage", "class_accuracy"):
            assert isinstance(row["evaluation"][metric], float)
        assert row["steps"] == row["step"] == 2 and row["batch_size"] == 8 and row["scale"] == "cpu"
        assert row["train_wall_seconds"] > 0 and row["wall_seconds_per_member"] > 0
        assert row["machine"]["device"].startswith("cpu") and row["machine"]["cores"] >= 1
        assert all(len(row[k]) == 3 for k in ("load_average_before_training", "load_average_after_training",
                                               "load_average_before_eval", "load_average_after_eval"))
        assert row["command"].startswith(f"python -m experiments.zoo --variant={VARIANT}")
        assert len(row["git"]["commit"]) == 40
        assert row["recipe"]["config"]["generator"]["hidden"] == [16, 16] and row["recipe"]["seeds"] == SEEDS
        assert row["scale_notes"]["departs"]["steps"]
        # eval_every = max(1, 2 steps // CURVE_POINTS): an evaluation against the reference after each step
        assert [p["step"] for p in row["curve"]] == [1, 2]
        assert all(0 <= p["recall"] <= 1 and 0 <= p["classes_found"] <= 10 for p in row["curve"])
        for png in (row["grid"], row["losses"]):
            assert (zoo_run / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_zoo_refuses_a_reference_that_is_its_training_data(dirs, tiny_idx_dir, tmp_path):
    refused = {**dirs, "results": tmp_path / "results", "runs": tmp_path / "runs"}
    result = run("experiments.zoo", *zoo_flags(refused, tiny_idx_dir, reference_split="train"))
    assert "is the data it trains on" in one_line_error(result)
    assert not (tmp_path / "results").exists() and not (tmp_path / "runs").exists()


def test_rerun_skips_current_results(zoo_run, dirs, tiny_idx_dir):
    """What --all runs for each variant (`run_jobs`) leaves current results alone."""
    config = configs.get_config(VARIANT, "cpu")
    config.update_from_flattened_dict({**TINY, "data.name": f"idx:{tiny_idx_dir}", "data.offline_fallback": False})
    stamps = {p: p.stat().st_mtime_ns for p in zoo_run.iterdir()}
    ran = zoo.run_jobs([zoo.Job(VARIANT, "cpu", config, SEEDS)], f"idx:{tiny_idx_dir}", "test",
                       results=str(dirs["results"]), runs=str(dirs["runs"]), num_samples=NUM_SAMPLES)
    assert ran == [False]
    assert {p: p.stat().st_mtime_ns for p in zoo_run.iterdir()} == stamps


def test_table_shows_mean_and_range_over_seeds(zoo_run, dirs, tmp_path):
    fids = [r["evaluation"]["fid"] for r in members(zoo_run)]
    text = zoo.table(str(dirs["results"]))
    row = next(line for line in text.splitlines() if line.startswith(f"| `{VARIANT}` | ") and "| cpu" in line)
    assert configs.describe(VARIANT) in row
    assert f"{np.mean(fids):.1f} ({min(fids):.1f}-{max(fids):.1f})" in row
    assert "| 2 | 2 | 8 |" in row  # seeds, steps, batch
    assert "not run" in next(line for line in text.splitlines() if line.startswith(f"| `{VARIANT}` | ″ | seed"))
    assert len(text.splitlines()) == 2 + 2 * len(configs.variants())
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{zoo.TABLE_BEGIN}\nold\n{zoo.TABLE_END}\nend\n")
    zoo.write_table(text, str(readme))
    assert readme.read_text() == f"intro\n{zoo.TABLE_BEGIN}\n{text}{zoo.TABLE_END}\nend\n"
    assert zoo.table(str(dirs["results"])) == text  # deterministic


def test_table_shows_each_monitors_last_value(zoo_run, tmp_path):
    """Rows with monitors (the WGANs' Lipschitz bound) show each one's last value over seeds; the tiny cgan_mlp
    run logs none, so its members record none and its row says "-"."""
    assert all(r["monitors"] == {} and r["monitor_plots"] == [] for r in members(zoo_run))
    row_of = lambda text: next(line for line in text.splitlines()  # noqa: E731
                               if line.startswith(f"| `{VARIANT}` | ") and "| cpu" in line)
    assert row_of(zoo.table(str(zoo_run.parent.parent))).endswith(" | - | [grid](" + os.path.relpath(
        zoo_run / "member_000_grid.png", ROOT) + ") |")
    copied = tmp_path / "results" / VARIANT / "cpu"
    copied.mkdir(parents=True)
    for i, bound in enumerate((1000.0, 3000.0)):
        row = members(zoo_run)[i] | {"monitors": {"d_lipschitz_bound": bound, "d_grad_norm": 0.5}}
        (copied / f"member_{i:03d}.json").write_text(json.dumps(row))
    assert " | d_grad_norm 0.5 (0.5-0.5); d_lipschitz_bound 2e+03 (1e+03-3e+03) | " in row_of(
        zoo.table(str(tmp_path / "results")))


def test_last_logged_reads_each_keys_last_value(tmp_path):
    log = tmp_path / "metrics.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in (
        {"step": 100, "monitor/a": 1.0, "d/loss": 0.7}, {"step": 150, "d/loss": 0.6},
        {"step": 200, "monitor/a": 9.0, "monitor/b": 2.0}, {"step": 250, "eval/fid": 30.0})))
    assert provenance.last_logged(str(log), "monitor/") == {"a": 9.0, "b": 2.0}
    assert provenance.last_logged(str(tmp_path / "absent.jsonl"), "monitor/") == {}


# ------------------------------------------------------------------------------------- evaluate --reference
def test_evaluate_reference_reports_both_sets_and_matches_the_zoo(zoo_run, dirs, tiny_idx_dir, tmp_path):
    zoo_member = members(zoo_run)[0]
    workdir = os.path.join(ROOT, zoo_member["workdir"]) if not os.path.isabs(zoo_member["workdir"]) \
        else zoo_member["workdir"]
    out = tmp_path / "eval.json"
    result = run("jaxgan.evaluate", f"--workdir={workdir}", f"--num_samples={NUM_SAMPLES}", "--member=0",
                 f"--reference=idx:{tiny_idx_dir}", "--reference_split=test", f"--cache_dir={dirs['cache']}",
                 "--evaluator_epochs=1", f"--out={out}")
    assert result.returncode == 0, result.stderr[-3000:]
    got = json.loads(result.stdout.splitlines()[0])
    trained_on = json.loads((open(os.path.join(workdir, "dataset.json"))).read())
    assert got["training_data"] == {k: trained_on[k] for k in ("name", "split", "size", "sha256")}
    assert got["reference_data"]["sha256"] == data.load_idx(str(tiny_idx_dir), "test").checksum
    assert got["reference_data"]["split"] == "test" and got["reference_is_training_data"] is False
    assert got["fid"] == zoo_member["evaluation"]["fid"]  # the zoo judges exactly as jaxgan.evaluate does


def test_readme_holds_the_zoo_table_of_the_committed_results():
    text = zoo.table(os.path.join(ROOT, "experiments", "results", "zoo"))
    assert text == zoo.table(os.path.join(ROOT, "experiments", "results", "zoo"))  # deterministic
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    begin, end = readme.index(zoo.TABLE_BEGIN) + len(zoo.TABLE_BEGIN), readme.index(zoo.TABLE_END)
    assert readme[begin:end].strip("\n") == text.strip("\n"), (
        "README's zoo table is stale: python -m experiments.zoo --table --table_out=README.md")
