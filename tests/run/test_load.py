"""Loading a trained workdir (jaxgan.run.load): restored once, each member's GAN built once, onto the devices
present whatever mesh the run was trained on (and resumed the same way by the trainer)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

from conftest import tiny_config
from jaxgan.eval import evaluator as ev
from jaxgan.population import population
from jaxgan.run import checkpoint, load, trainer
from jaxgan.run.workdir import WorkdirError

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/ (conftest.py)
ROOT = os.path.dirname(TESTS)
# Two members: a population on every backend and device count, so both directions below hold whatever backend
# a one-device run of one member gets.
SEEDS = 2


def leaves(tree) -> list[np.ndarray]:
    return [np.asarray(x) for x in jax.tree_util.tree_leaves(population.fetch(tree))]


def on_devices(num_devices: int, code: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh Python with `num_devices` forced host devices (XLA_FLAGS must be set before jax
    starts), with the tests folder importable; fails the test with the subprocess's stderr."""
    prelude = f"import sys; sys.path.insert(0, {TESTS!r})\n"
    result = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True,
                            cwd=ROOT, timeout=timeout,
                            env={**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={num_devices}"})
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def one_device_run(tiny_idx_dir, tmp_path_factory):
    """(workdir, final state) of 2 steps of a 2-member population trained here, on one device."""
    workdir = tmp_path_factory.mktemp("one_device") / "run"
    state = trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir, steps=2), str(workdir), seeds=SEEDS)
    return workdir, state


def test_load_run_restores_once_and_builds_each_member_gan_once(one_device_run, monkeypatch):
    workdir, trained = one_device_run
    loads, builds = [], []
    real_load, real_gans = checkpoint.Checkpoints.load, population.Population.member_gans
    monkeypatch.setattr(checkpoint.Checkpoints, "load", lambda *a, **k: loads.append(1) or real_load(*a, **k))
    monkeypatch.setattr(population.Population, "member_gans", lambda *a: builds.append(1) or real_gans(*a))
    run = load.load_run(str(workdir))
    assert (run.step, run.size, len(loads), len(builds)) == (2, SEEDS, 1, 0)  # GANs are built on first use
    for i in (0, 1, 0, 1):
        gan, state = run.member_gan(i), run.member_state(i)
        assert gan is run.member_gan(i) and int(state.step) == 2
    assert (len(loads), len(builds)) == (1, 1)
    # Member i is the trainer's own member i: its slice of the stacked state, its seed.
    for i in range(SEEDS):
        for x, y in zip(leaves(run.member_state(i)), leaves(jax.tree_util.tree_map(lambda a: a[i], trained.members))):
            np.testing.assert_array_equal(x, y)
        assert run.member_config(i).seed == run.config.seed + i
        assert run.member_dir(i) == os.path.join(str(workdir), "members", f"{i:03d}")
    with pytest.raises(WorkdirError, match=r"^--member must be in \[0, 1\] for .*, got 2$"):
        run.member_state(2)


def test_read_meta_and_missing_checkpoints(one_device_run, tmp_path):
    workdir, _ = one_device_run
    meta = load.read_meta(str(workdir))
    assert meta["variant"] == "vanilla" and len(meta["population"]["members"]) == SEEDS
    with pytest.raises(WorkdirError, match="no checkpoints in"):
        load.load_run(str(tmp_path))
    with pytest.raises(WorkdirError, match=r"no checkpoint for step 3 .*\(have \[2\]\)"):
        load.load_run(str(workdir), step=3)


def test_a_data_sharded_run_loads_evaluates_and_resumes_on_one_device(tiny_idx_dir, tmp_path):
    """Trained with --mesh=data:2 on 2 devices; then used here, on one: the issue's bug ("corrupt", a dump of
    the metadata tree, "no readable checkpoint")."""
    workdir, saved = tmp_path / "sharded", tmp_path / "sharded.npz"
    on_devices(2, f"""
        import jax, numpy as np
        from conftest import tiny_config
        from jaxgan.population import population
        from jaxgan.run import trainer
        assert jax.device_count() == 2
        state = trainer.train_and_evaluate(tiny_config("vanilla", {str(tiny_idx_dir)!r}, steps=2), {str(workdir)!r},
                                           seeds={SEEDS}, mesh="data:2")
        np.savez({str(saved)!r}, *[np.asarray(x) for x in jax.tree_util.tree_leaves(population.fetch(state))])
    """)
    assert jax.device_count() == 1
    run = load.load_run(str(workdir))
    with np.load(saved) as stored:
        for x, y in zip(leaves(run.state), [stored[f"arr_{i}"] for i in range(len(stored.files))], strict=True):
            np.testing.assert_array_equal(x, y)
    assert {d for x in jax.tree_util.tree_leaves(run.state) for d in x.devices()} == {jax.devices()[0]}
    images = run.member_gan(1).generate(run.member_state(1), jax.random.PRNGKey(0), 4)
    assert images.shape == (4, 28, 28, 1) and np.isfinite(np.asarray(images)).all()

    resumed = trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir, steps=4), str(workdir), seeds=SEEDS)
    assert [int(s) for s in np.asarray(resumed.members.step)] == [4] * SEEDS
    assert sorted(os.listdir(workdir / "checkpoints")) == ["2", "4"]

    # jaxgan.evaluate: one JSON line per member on stdout, the members' table on stderr.
    result = subprocess.run([sys.executable, "-m", "jaxgan.evaluate", f"--workdir={workdir}", "--num_samples=32",
                             "--evaluator_epochs=1"], capture_output=True, text=True, cwd=ROOT, timeout=600,
                            env={**os.environ, ev.CACHE_ENV: str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["member"], r["member_seed"], r["step"]) for r in rows] == [(i, i, 4) for i in range(SEEDS)]
    assert "member" in result.stderr and "fid" in result.stderr  # the human table
    for i, row in enumerate(rows):
        with open(workdir / "members" / f"{i:03d}" / "eval_step_4.json") as f:
            assert json.load(f) == row


def test_a_one_device_run_loads_and_resumes_on_a_data_mesh(one_device_run, tiny_idx_dir, tmp_path):
    source, trained = one_device_run
    workdir, saved = tmp_path / "run", tmp_path / "trained.npz"
    shutil.copytree(source, workdir)
    np.savez(saved, *leaves(trained))
    result = on_devices(2, f"""
        import jax, numpy as np
        from conftest import tiny_config
        from jaxgan.run import load, trainer
        assert jax.device_count() == 2
        run = load.load_run({str(workdir)!r})
        with np.load({str(saved)!r}) as stored:
            for i, x in enumerate(jax.tree_util.tree_leaves(run.state)):
                np.testing.assert_array_equal(np.asarray(x), stored[f"arr_{{i}}"])
        state = trainer.train_and_evaluate(tiny_config("vanilla", {str(tiny_idx_dir)!r}, steps=4), {str(workdir)!r},
                                           seeds={SEEDS}, mesh="data:2")
        print("steps", *np.asarray(state.members.step).tolist())
    """)
    assert result.stdout.split() == ["steps"] + ["4"] * SEEDS
    assert load.load_run(str(workdir)).step == 4  # and back on one device
