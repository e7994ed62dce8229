"""Finding 7 (`population_sweep`): its quick run on the tiny IDX set (-m slow) times the sweep both ways,
alternating the order, and records the machine and its load; `analyze` judges made-up rows (never the timings
themselves: they depend on the machine, so only the verdict's logic on given numbers is checked)."""

from __future__ import annotations

import copy
import os

import pytest

from experiments.findings import population_sweep as ps
from experiments.findings import report
from experiments.findings.protocol import Context
from jaxgan.data import datasets as data
from jaxgan.population import backends as backends_lib


def context(tmp_path, data_dir) -> Context:
    return Context(results=str(tmp_path / "results" / "population_sweep"), runs=str(tmp_path / "runs"),
                   reference=None, reference_id=None, quick=True, command="pytest", data=f"idx:{data_dir}")


@pytest.fixture(scope="module")
def quick(tiny_idx_dir, tmp_path_factory):
    """The quick run's context and rows (trained once for this module)."""
    ctx = context(tmp_path_factory.mktemp("population_sweep"), tiny_idx_dir)
    ps.FINDING.check(ctx)
    return ctx, ps.FINDING.execute(ctx)


@pytest.mark.slow  # its quick run (~1-2 min); CI runs vanilla_tricks' quick end to end
def test_quick_times_the_same_members_both_ways_in_alternating_order(quick, tiny_idx_dir):
    ctx, rows = quick
    sweep, plan = ps.QUICK.sweeps[0], ps.QUICK
    population = f"population:{ps.DEFAULT_BACKEND}"
    assert [(r["repeat"], r["position"], r["way"]) for r in rows] == [
        (0, 0, population), (0, 1, ps.ONE_AT_A_TIME), (1, 0, ps.ONE_AT_A_TIME), (1, 1, population)]
    expected = [(0, {sweep.field: v}) for v in sweep.values]  # seeds=1: member i has seed 0 and the i-th value
    train_sha = data.load_idx(str(tiny_idx_dir), "train").checksum
    steady = plan.steps - 2 * plan.chunk  # the first chunk (compile) and the last (final hooks) are left out
    for row in rows:
        assert row["arm"] == sweep.name and row["members"] == len(expected)
        assert row["steps_per_member"] == plan.steps and row["data"]["sha256"] == train_sha
        assert row["wall_seconds"] >= row["to_first_chunk_seconds"] > 0 and row["steady_seconds"] > 0
        assert row["steady_member_steps"] == steady * len(expected)
        assert len(row["load_average_before"]) == len(row["load_average_after"]) == 3
        assert row["others_cores"] is None or row["others_cores"] >= 0
        assert row["machine"]["device"].startswith("cpu") and row["git"]["commit"] and row["command"] == "pytest"
        if row["way"] == ps.ONE_AT_A_TIME:
            assert [(c["seed"], c["settings"]) for c in row["calls"]] == expected
            assert row["wall_seconds"] == pytest.approx(sum(c["wall_seconds"] for c in row["calls"]), abs=0.01)
            assert all(c["members"] == 1 for c in row["calls"]) and row["backend"] == "loop"
        else:
            assert row["backend"] == backends_lib.resolve("auto", len(expected), None)
    assert os.listdir(ctx.runs) == []  # every timed workdir was fresh and is gone


@pytest.mark.slow  # its quick run (~1-2 min); CI runs vanilla_tricks' quick end to end
def test_quick_report_is_written_and_recomputed_from_the_rows(quick, tmp_path):
    ctx, rows = quick
    results = str(tmp_path / "population_sweep")
    ctx = copy.copy(ctx)
    ctx.results = report.staging(results)
    text = report.publish(ps.FINDING, rows, ctx, results)
    written = report.read_rows(results)
    assert [(r["way"], r["repeat"], r["wall_seconds"]) for r in written] == [
        (r["way"], r["repeat"], r["wall_seconds"]) for r in rows]
    assert ps.analyze(rows).verdict in text and (tmp_path / "population_sweep" / "report.md").exists()


def timed(population_walls, one_walls, load=0.5):
    """Made-up rows of one sweep (no training): the default population and one at a time, one row each per
    repeat, with the given wall times and the given load before every call."""
    setup = dict(arm="s", variant="vanilla", sweep=["discriminator.dropout", [0.0, 0.3]], seeds=2, members=4,
                 steps_per_member=8, batch_size=16, steps_per_call=4, overrides={}, about="made up",
                 data=dict(name="idx:tiny", split="train", size=64), machine=dict(device="cpu", cores=2),
                 to_first_chunk_seconds=1.0, steady_member_steps_per_second=10.0, others_cores=0.0)
    ways = ((f"population:{ps.DEFAULT_BACKEND}", "vmap", population_walls), (ps.ONE_AT_A_TIME, "loop", one_walls))
    return [dict(setup, way=way, backend=backend, repeat=repeat, wall_seconds=walls[repeat],
                 load_average_before=[load, load, load])
            for repeat in range(len(one_walls)) for way, backend, walls in ways]


def test_analyze_agrees_only_when_the_population_is_faster_in_every_repeat():
    agree = ps.analyze(timed([10.0, 12.0], [20.0, 20.0]))
    assert agree.verdict.startswith("agree") and "0.55 (0.50-0.60)" in agree.result
    assert ps.analyze(timed([10.0, 25.0], [20.0, 20.0])).verdict.startswith("can't tell")
    assert ps.analyze(timed([30.0, 25.0], [20.0, 20.0])).verdict.startswith("disagree")


def test_analyze_gives_no_verdict_for_a_busy_machine():
    """Busy, as the benchmark suite judges it on 2 cores: a load above 1.0 before the first call, or other processes
    using more than 1.0 core during any call. A high load before a later call is this finding's own work."""
    busy_start = timed([10.0, 12.0], [20.0, 20.0])
    busy_start[0]["load_average_before"] = [1.5, 1.0, 1.0]
    assert "before the first call 1.50" in ps.analyze(busy_start).verdict
    others = timed([10.0, 12.0], [20.0, 20.0])
    others[2]["others_cores"] = 1.2
    assert "other processes used up to 1.20 cores" in ps.analyze(others).verdict
    own = timed([10.0, 12.0], [20.0, 20.0])
    for row in own[1:]:
        row["load_average_before"] = [1.9, 1.2, 0.6]  # left by the calls before it
    assert ps.analyze(own).verdict.startswith("agree")


def test_backends_are_resolved_once_each():
    sweep = ps.Sweep("s", "vanilla", "discriminator.dropout", (0.0, 0.3), backends=("auto", "loop", "vmap", "map"))
    resolved = ps.backends(sweep, 6)
    assert [r for _, r in resolved] == list(dict.fromkeys(backends_lib.resolve(b, 6, None) for b in sweep.backends))
    assert resolved[0][0] == "auto"


def test_precheck_refuses_a_plan_without_a_steady_chunk(tiny_idx_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(ps, "QUICK", ps.Plan(ps.QUICK.sweeps, steps=8, chunk=4, repeats=1))
    with pytest.raises(ValueError, match="steady"):
        ps.FINDING.check(context(tmp_path, tiny_idx_dir))
    assert not (tmp_path / "runs").exists() and not (tmp_path / "results").exists()


def test_full_plan_validates(tiny_idx_dir, tmp_path):
    """The full sweeps' configs (every population and every single member) pass the checks, on the tiny set."""
    ctx = context(tmp_path, tiny_idx_dir)
    ctx.quick = False
    ps.FINDING.check(ctx)
