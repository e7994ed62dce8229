"""Population training end to end: per-member outputs, exact resume, NaN members, the CLI, two processes."""

import json
import os
import socket
import subprocess
import sys

import jax
import numpy as np
import pytest

from conftest import tiny_config
from jaxgan.population import population
from jaxgan.run import trainer
from jaxgan.run import load

SWEEP = [("optim.generator.learning_rate", (1e-4, 3e-4))]


def leaves(tree):
    return [np.asarray(x) for x in jax.tree_util.tree_leaves(tree)]


def test_population_writes_every_member_and_resumes_exactly(tiny_idx_dir, tmp_path):
    config = tiny_config("vanilla", tiny_idx_dir)
    straight = trainer.train_and_evaluate(config, str(tmp_path / "a"), seeds=2, sweeps=SWEEP)
    trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir, steps=2), str(tmp_path / "b"), seeds=2,
                               sweeps=SWEEP)
    resumed = trainer.train_and_evaluate(config, str(tmp_path / "b"), seeds=2, sweeps=SWEEP)
    for x, y in zip(leaves(straight), leaves(resumed)):
        np.testing.assert_array_equal(x, y)
    members = json.loads((tmp_path / "a" / "population.json").read_text())["members"]
    assert [(m["seed"], m["settings"]["optim.generator.learning_rate"]) for m in members] == [
        (0, 1e-4), (1, 1e-4), (0, 3e-4), (1, 3e-4)]
    for i in range(4):
        member_dir = tmp_path / "a" / "members" / f"{i:03d}"
        rows = [json.loads(line) for line in (member_dir / "metrics.jsonl").read_text().splitlines()]
        assert [r["step"] for r in rows] == [2, 4]
        assert all(r["member"] == i and r["settings"] == members[i]["settings"] for r in rows)
        assert (member_dir / "samples.png").exists() and list(member_dir.glob("events.out.tfevents.*"))
    # load_run gives member i's own config, GAN and state
    run = load.load_run(str(tmp_path / "a"))
    config3, state3 = run.member_config(3), run.member_state(3)
    assert (config3.seed, config3.optim.generator.learning_rate) == (1, 3e-4)
    for x, y in zip(leaves(state3.params), leaves(jax.tree_util.tree_map(lambda a: a[3], straight.members.params))):
        np.testing.assert_array_equal(x, y)
    # a different population in the same workdir is refused
    with pytest.raises(ValueError, match="population"):
        trainer.train_and_evaluate(config, str(tmp_path / "a"), seeds=3)


def test_a_nan_member_is_reported_and_the_others_finish(tiny_idx_dir, tmp_path, caplog):
    config = tiny_config("vanilla", tiny_idx_dir)
    state = trainer.train_and_evaluate(config, str(tmp_path), sweeps=[("optim.discriminator.learning_rate",
                                                                     (1e38, 2e-4))])
    assert np.asarray(state.alive).tolist() == [False, True]
    assert any("member 0" in r.getMessage() and "non-finite" in r.getMessage() for r in caplog.records)
    good = [json.loads(line)["step"] for line in (tmp_path / "members" / "001" / "metrics.jsonl").read_text().splitlines()]
    assert good[-1] == config.steps
    with pytest.raises(trainer.NonFiniteLossError, match="every member"):
        trainer.train_and_evaluate(config, str(tmp_path / "all"),
                                   sweeps=[("optim.discriminator.learning_rate", (1e38, 3e38))])


def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "jaxgan.train", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.mark.parametrize("sweep, why", [("generator.hidden=8,16", "structural"), ("n_d=1,2", "structural"),
                                        ("batch_size=8,16", "structural"), ("optim.generator.nope=1", "unknown")])
def test_cli_refuses_structural_sweeps_before_creating_anything(tiny_idx_dir, tmp_path, sweep, why):
    out = run_cli("--variant=vanilla", f"--workdir={tmp_path / 'w'}", f"--config.data.name=idx:{tiny_idx_dir}",
                  f"--sweep={sweep}", cwd=tmp_path)
    assert out.returncode == 2 and why in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and not (tmp_path / "w").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_two_process_data_parallel_equals_one_process(tiny_idx_dir, tmp_path):
    """A real 2-process run on localhost (jax.distributed + gloo CPU collectives), batches split over them."""
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/, beside the checkout's jaxgan
    worker = os.path.join(tests, "two_process_worker.py")
    env = {**os.environ, "XLA_FLAGS": ""}
    port = str(free_port())
    procs = [subprocess.Popen([sys.executable, worker, str(i), "2", port, str(tiny_idx_dir), tests,
                               str(tmp_path / "two.npy")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for i in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-1500:] for o in outs]
    assert all("ok" in o[0] and " 2 2" in o[0] for o in outs)  # 2 processes, 2 global devices
    one = subprocess.run([sys.executable, worker, "0", "1", "0", str(tiny_idx_dir), tests, str(tmp_path / "one.npy")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert one.returncode == 0, one.stderr[-1500:]
    np.testing.assert_allclose(np.load(tmp_path / "two.npy"), np.load(tmp_path / "one.npy"), atol=1e-5)
