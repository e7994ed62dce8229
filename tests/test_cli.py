"""The command-line tools as a user runs them: end to end, and every bad input as one line with exit 2."""

import json
import os
import subprocess
import sys

import pytest

from conftest import write_idx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--config.batch_size=8", "--config.steps=4", "--config.steps_per_call=2", "--config.log_every=2",
        "--config.sample_every=4", "--config.checkpoint_every=2", "--config.num_samples=4",
        "--config.generator.hidden=(16,16)", "--config.discriminator.hidden=(16,16)"]


def run(module, *args):
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def assert_one_line_error(result, fragment):
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr[-2000:]


@pytest.fixture(scope="module")
def trained(tiny_idx_dir, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cli") / "run"
    result = run("jaxgan.train", "--variant=vanilla", f"--workdir={workdir}", f"--config.data.name=idx:{tiny_idx_dir}",
                 *TINY)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_train_cli_end_to_end(trained):
    assert any(n.startswith("events.out.tfevents") for n in os.listdir(trained))
    assert sorted(os.listdir(trained / "checkpoints")) == ["2", "4"]
    rows = [json.loads(line) for line in open(trained / "metrics.jsonl")]
    assert [r["step"] for r in rows] == [2, 4]
    assert (trained / "samples.png").stat().st_size > 0
    assert json.load(open(trained / "config.json"))["data"]["offline_fallback"] is False


def test_sample_cli_png_and_npz(trained, tmp_path):
    import numpy as np

    assert run("jaxgan.sample", f"--workdir={trained}", "--num=6", f"--out={tmp_path}/s.npz").returncode == 0
    out = np.load(tmp_path / "s.npz")
    assert out["images"].shape == (6, 28, 28, 1) and np.abs(out["images"]).max() <= 1.0
    result = run("jaxgan.sample", f"--workdir={trained}", "--per_class=2", "--step=2", f"--out={tmp_path}/g.png")
    assert result.returncode == 0 and (tmp_path / "g.png").exists()
    result = run("jaxgan.sample", f"--workdir={trained}", "--rejection", "--burn_in=64", "--num=5",
                 f"--out={tmp_path}/r.npz")
    assert result.returncode == 0, result.stderr[-2000:]
    assert np.load(tmp_path / "r.npz")["images"].shape == (5, 28, 28, 1)


def test_help_lists_variants_and_fields():
    result = run("jaxgan.train", "--help")
    assert result.returncode == 0
    assert "vanilla_g2" in result.stdout and "--config.batch_size=64" in result.stdout


@pytest.mark.parametrize("args, fragment", [
    (["--variant=nope"], "unknown variant 'nope'"),
    ([], "--variant is required"),
    (["--variant=vanilla", "--config.no_such_field=1"], "no_such_field"),
    (["--variant=vanilla", "--config.batch_size=abc"], "batch_size"),
    (["--variant=vanilla", "--config.data.name=idx:/nonexistent/folder"], "does not exist"),
])
def test_train_cli_bad_flags(args, fragment, tmp_path):
    assert_one_line_error(run("jaxgan.train", f"--workdir={tmp_path}/w", *args), fragment)
    assert not (tmp_path / "w").exists()


def test_train_cli_bad_sizes_data_and_workdirs(trained, tiny_idx_dir, tmp_path):
    data = f"--config.data.name=idx:{tiny_idx_dir}"
    assert_one_line_error(run("jaxgan.train", "--variant=vanilla", f"--workdir={tmp_path}/a", data,
                              "--config.batch_size=0"), "batch_size must be in [1, 256]")
    assert_one_line_error(run("jaxgan.train", "--variant=vanilla", f"--workdir={tmp_path}/a", data,
                              "--config.batch_size=1000"), "batch_size must be in [1, 256]")
    corrupt = tmp_path / "corrupt"
    write_idx(corrupt, "train", __import__("numpy").zeros((4, 28, 28), "uint8"), __import__("numpy").arange(4))
    (corrupt / "train-images-idx3-ubyte.gz").write_bytes(b"garbage")
    assert_one_line_error(run("jaxgan.train", "--variant=vanilla", f"--workdir={tmp_path}/b/nested",
                              f"--config.data.name=idx:{corrupt}"), "unreadable IDX file")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()  # errors found late create nothing
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    assert_one_line_error(run("jaxgan.train", "--variant=vanilla", f"--workdir={blocker}/w", data), "not writable")
    before = sorted(os.listdir(trained / "checkpoints"))
    assert_one_line_error(run("jaxgan.train", "--variant=vanilla_g2", f"--workdir={trained}", data, *TINY),
                          "holds a checkpoint of variant 'vanilla'")
    assert sorted(os.listdir(trained / "checkpoints")) == before


def test_sample_cli_bad_input(trained, tmp_path):
    assert_one_line_error(run("jaxgan.sample", f"--workdir={tmp_path}/none"), "no checkpoints")
    assert_one_line_error(run("jaxgan.sample", f"--workdir={trained}", "--out=x.jpg"), "must end in .png or .npz")
    assert_one_line_error(run("jaxgan.sample", f"--workdir={trained}", "--labels=3,99"), "--labels must be in")
    assert_one_line_error(run("jaxgan.sample", f"--workdir={trained}", "--step=3"), "no checkpoint for step 3")
    assert_one_line_error(run("jaxgan.sample", f"--workdir={trained}", "--rejection", "--per_class=2"),
                          "cannot be combined")
