"""The command-line tools as a user runs them: end to end, and every bad input as one line with exit 2."""

import json
import os
import subprocess
import sys

import pytest

from conftest import write_idx
from jaxgan import configs
from jaxgan.configs import fields

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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
def train_run(tiny_idx_dir, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cli") / "run"
    result = run("jaxgan.train", "--variant=vanilla", f"--workdir={workdir}", f"--config.data.name=idx:{tiny_idx_dir}",
                 *TINY)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir, result


@pytest.fixture(scope="module")
def trained(train_run):
    return train_run[0]


# Library start-up and checkpointing chatter that must stay off the console without --verbosity.
NOISE = ("orbax", "checkpoint_manager", "oneDNN", "absl::InitializeLog", "Unable to initialize backend")


def test_train_console_shows_progress_not_library_chatter(train_run):
    stderr = train_run[1].stderr
    assert not [line for line in stderr.splitlines() if any(n in line for n in NOISE)], stderr[-3000:]
    assert "[2] " in stderr and "d/loss=" in stderr  # the run's own progress: metrics at each log step


def test_train_cli_end_to_end(trained):
    assert any(n.startswith("events.out.tfevents") for n in os.listdir(trained))
    assert sorted(os.listdir(trained / "checkpoints")) == ["2", "4"]
    rows = [json.loads(line) for line in open(trained / "metrics.jsonl")]
    assert [r["step"] for r in rows] == [2, 4]
    assert (trained / "samples.png").stat().st_size > 0
    assert json.load(open(trained / "config.json"))["data"]["offline_fallback"] is False


def test_sample_cli_png_and_npz(trained, tmp_path):
    import numpy as np

    quiet = run("jaxgan.sample", f"--workdir={trained}", "--num=6", f"--out={tmp_path}/s.npz")
    assert quiet.returncode == 0 and not any(n in quiet.stderr for n in NOISE), quiet.stderr[-3000:]
    out = np.load(tmp_path / "s.npz")
    assert out["images"].shape == (6, 28, 28, 1) and np.abs(out["images"]).max() <= 1.0
    result = run("jaxgan.sample", f"--workdir={trained}", "--per_class=2", "--step=2", f"--out={tmp_path}/g.png",
                 "--verbosity=0")  # absl's flag brings the libraries' INFO lines back
    assert result.returncode == 0 and (tmp_path / "g.png").exists()
    assert "checkpoint_manager" in result.stderr
    result = run("jaxgan.sample", f"--workdir={trained}", "--rejection", "--burn_in=64", "--num=5",
                 f"--out={tmp_path}/r.npz")
    assert result.returncode == 0, result.stderr[-2000:]
    assert np.load(tmp_path / "r.npz")["images"].shape == (5, 28, 28, 1)


def test_help_lists_variants_and_described_fields():
    result = run("jaxgan.train", "--help")
    assert result.returncode == 0
    assert "vanilla_g2" in result.stdout
    lines = result.stdout.splitlines()
    at = lines.index("  --config.batch_size=64")
    assert lines[at + 1].strip() == fields.FIELDS["batch_size"]


CLI_MODULES = sorted(f"jaxgan.{name[:-3]}" for name in os.listdir(os.path.join(ROOT, "jaxgan"))
                     if name.endswith(".py") and "app.run(" in open(os.path.join(ROOT, "jaxgan", name)).read())


@pytest.mark.parametrize("module", [m for m in CLI_MODULES if m != "jaxgan.train"])
def test_every_cli_help_exits_0(module):
    result = run(module, "--help")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"python -m {module}" in result.stdout and "--verbosity" in result.stdout


def test_every_config_field_of_every_variant_has_a_description():
    def leaves(node, prefix=""):
        for key, value in node.items():
            yield from leaves(value, f"{prefix}{key}.") if hasattr(value, "items") else [prefix + key]

    missing = sorted({field for variant in configs.variants() for field in leaves(configs.get_config(variant))
                      if fields.lookup(field) is None})
    assert not missing, ("config fields without a description; add to FIELDS in jaxgan/configs/fields.py: "
                         + "; ".join(f"{f!r}: '<one line>' (or an entry for its section {f.rsplit('.', 1)[0]!r})"
                                     if "." in f else f"{f!r}: '<one line>'" for f in missing))


def test_field_descriptions_fall_back_on_wildcards_then_sections():
    assert fields.lookup("latent.sigma0")[0] == "latent.sigma0"
    assert fields.lookup("optim.critic_head.learning_rate")[0] == "optim.*.learning_rate"
    assert fields.lookup("generator.some_new_part_setting")[0] == "generator"
    assert fields.lookup("optim.critic_head.new_setting")[0] == "optim"
    assert fields.lookup("a_new_top_level_field") is None


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


def test_a_checkpoint_of_another_structure_is_one_line_not_corrupt(trained, tmp_path):
    """A readable checkpoint whose state does not fit the run (here: a step saved with another tree) is refused
    as a mismatch, in one line, with no dump of the stored tree and no fall back to an older step."""
    import shutil

    import numpy as np

    from jaxgan.run import checkpoint, load

    workdir = tmp_path / "run"
    shutil.copytree(trained, workdir)
    ckpts = checkpoint.Checkpoints(str(workdir / "checkpoints"))
    ckpts.save({"other": np.zeros(3, np.float32)}, load.read_meta(str(workdir)), step=6)
    ckpts.close()
    result = run("jaxgan.sample", f"--workdir={workdir}", "--num=4", f"--out={tmp_path}/s.png")
    assert_one_line_error(result, "step 6 holds a state of another structure than this run's")
    assert "corrupt" not in result.stderr and len(result.stderr) < 1000, result.stderr[-3000:]
