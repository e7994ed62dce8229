"""train_and_evaluate in-process: outputs, exact resume, checkpoint problems, non-finite losses, hooks and their
cadences, the console progress line, validation before anything is created."""

import dataclasses
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import tiny_config
from jaxgan import registry
from jaxgan.parts import losses
from jaxgan.run import checkpoint, hooks, load, trainer
from jaxgan.run import workdir as workdir_lib


def params_of(state):
    return [np.asarray(x) for x in jax.tree_util.tree_leaves((state.params, state.g_opt_state, state.d_opt_state,
                                                             state.ema_params))]


def test_run_writes_logs_samples_checkpoints(tiny_idx_dir, tmp_path):
    config = tiny_config("vanilla", tiny_idx_dir, **{"monitors.weight_norms": dict(every=2)})
    trainer.train_and_evaluate(config, str(tmp_path))
    rows = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")]
    assert [r["step"] for r in rows] == [2, 4]
    assert all(np.isfinite(r["d/loss"]) and np.isfinite(r["g/loss"]) for r in rows)
    assert "monitor/generator_weight_norm" in rows[0]
    assert (tmp_path / "plots" / "monitor_generator_weight_norm.png").stat().st_size > 0
    assert (tmp_path / "plots" / "losses.png").stat().st_size > 0
    events = [name for name in os.listdir(tmp_path) if name.startswith("events.out.tfevents")]
    assert events
    import tensorflow as tf  # TensorBoard's own reader: the sample grid is in the Images tab

    images = [(e.step, v) for name in events for e in tf.compat.v1.train.summary_iterator(str(tmp_path / name))
              for v in e.summary.value if v.tag == "samples"]
    assert [step for step, _ in images] == [4]
    assert images[0][1].metadata.plugin_data.plugin_name == "images"
    width, height = (int(x) for x in images[0][1].tensor.string_val[:2])
    assert (height, width) == (2 * 29 - 1, 2 * 29 - 1)  # 4 samples: a 2 x 2 grid with 1-pixel gaps
    assert (tmp_path / "samples.png").exists() and (tmp_path / "samples" / "step_0000004.png").exists()
    assert sorted(os.listdir(tmp_path / "checkpoints")) == ["2", "4"]
    recorded = json.load(open(tmp_path / "dataset.json"))
    assert recorded["size"] == 256 and len(recorded["sha256"]) == 64


def test_resume_with_ema_is_bit_identical_and_samples_use_the_ema(tiny_idx_dir, tmp_path):
    decay = 0.9  # EMA on: its params used to share the generator's buffers and crash the donated chunk
    config = tiny_config("vanilla", tiny_idx_dir, steps=6, ema_decay=decay)
    straight = trainer.train_and_evaluate(config, str(tmp_path / "a")).member(0)
    trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir, steps=3, checkpoint_every=3, ema_decay=decay),
                               str(tmp_path / "b"))
    resumed = trainer.train_and_evaluate(config, str(tmp_path / "b")).member(0)
    assert int(resumed.step) == 6
    for x, y in zip(params_of(straight), params_of(resumed)):
        np.testing.assert_array_equal(x, y)
    rows = [json.loads(line)["step"] for line in open(tmp_path / "b" / "metrics.jsonl")]
    assert rows == [2, 3, 4, 6]
    # config.json describes the latest checkpoints; what changed on resume is recorded with its step.
    assert json.load(open(tmp_path / "b" / "config.json"))["steps"] == 6
    history = [json.loads(line) for line in open(tmp_path / "b" / workdir_lib.CONFIG_HISTORY)]
    assert history == [{"step": 3, "changes": {"checkpoint_every": {"from": 3, "to": 2},
                                               "steps": {"from": 3, "to": 6}}}]
    assert not (tmp_path / "a" / workdir_lib.CONFIG_HISTORY).exists()

    # One G update from the initial weights g0 to g1 leaves ema = decay * g0 + (1 - decay) * g1.
    run = load.load_run(str(tmp_path / "b"))
    gan, state = run.member_gan(0), run.member_state(0)
    state0 = gan.init(jax.random.PRNGKey(1))
    g0 = [np.asarray(x) for x in jax.tree_util.tree_leaves(state0.params["generator"])]
    state1, _ = gan.train_chunk(state0, jnp.zeros((16, 28, 28, 1)), jnp.zeros((16,), jnp.int32), 1)
    for x0, x1, ema in zip(g0, jax.tree_util.tree_leaves(state1.params["generator"]),
                           jax.tree_util.tree_leaves(state1.ema_params)):
        np.testing.assert_allclose(ema, decay * x0 + (1 - decay) * np.asarray(x1), rtol=1e-6, atol=1e-7)

    # Samples come from the EMA weights, which differ from G's own after training.
    key = jax.random.PRNGKey(3)
    with_ema = np.asarray(gan.generate(state, key, 4))
    by_hand = gan.generate(state.replace(params={**state.params, "generator": state.ema_params}), key, 4,
                           use_ema=False)
    np.testing.assert_array_equal(with_ema, by_hand)
    assert np.abs(with_ema - np.asarray(gan.generate(state, key, 4, use_ema=False))).max() > 1e-4


def test_workdir_of_another_variant_is_refused(tiny_idx_dir, tmp_path):
    trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir, steps=2), str(tmp_path))
    before = sorted(os.listdir(tmp_path / "checkpoints"))
    with pytest.raises(checkpoint.CheckpointError, match="variant 'vanilla', not 'vanilla_g2'"):
        trainer.train_and_evaluate(tiny_config("vanilla_g2", tiny_idx_dir, steps=4), str(tmp_path))
    with pytest.raises(checkpoint.CheckpointError, match="other parameter shapes"):
        trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir, steps=4, **{"generator.hidden": (8, 8)}),
                                   str(tmp_path))
    # A setting that changes what a step computes is refused by name, on a finished or a resumed run alike.
    for steps in (2, 4):
        with pytest.raises(workdir_lib.ConfigChangeError, match=r"trained with batch_size=8 \(asked: 16\)"):
            trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir, steps=steps, batch_size=16),
                                       str(tmp_path))
    assert sorted(os.listdir(tmp_path / "checkpoints")) == before
    assert json.load(open(tmp_path / "config.json"))["batch_size"] == 8


def test_corrupt_latest_checkpoint_falls_back_to_previous(tiny_idx_dir, tmp_path, caplog):
    trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir, steps=4), str(tmp_path))
    state_dir = tmp_path / "checkpoints" / "4" / "state"
    for root, _, files in os.walk(state_dir):
        for name in files:
            with open(os.path.join(root, name), "wb") as f:
                f.write(b"garbage")
    run = load.load_run(str(tmp_path), step=2)
    restored = checkpoint.Checkpoints(str(tmp_path / "checkpoints")).restore(run.state, run.meta)
    assert int(run.member_state(0).step) == 2
    for x, y in zip(jax.tree_util.tree_leaves(restored), jax.tree_util.tree_leaves(run.state)):
        np.testing.assert_array_equal(x, y)
    assert "corrupt" in caplog.text


def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(tiny_idx_dir, tmp_path, monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class ExplodesAfterTwoSteps(losses.NonSaturatingBCE):
        def d_loss(self, real_logits, fake_logits, real_labels, fake_labels):
            return super().d_loss(real_logits, fake_logits, real_labels, fake_labels) * np.inf

    trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir, steps=2), str(tmp_path))
    # The same config resumed (another loss name would be refused), with its objective made to explode.
    objectives = registry.Registry("loss")  # a table where "bce" names the exploding objective
    objectives.register("bce")(ExplodesAfterTwoSteps)
    monkeypatch.setattr(losses.base, "OBJECTIVES", objectives)
    config = tiny_config("vanilla", tiny_idx_dir, steps=4)
    with pytest.raises(trainer.NonFiniteLossError) as e:
        trainer.train_and_evaluate(config, str(tmp_path))
    # A single run is a population of one: when its only member fails, the run stops with one line.
    assert str(e.value) == "non-finite loss at step 3; stopped without saving it (last good checkpoint: step 2)"
    assert sorted(os.listdir(tmp_path / "checkpoints")) == ["2"]


def test_unwritable_workdir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(workdir_lib.WorkdirError, match="not writable"):
        workdir_lib.prepare(str(blocker / "sub"))


@pytest.mark.parametrize("overrides, kwargs, why", [
    ({"steps": 0}, {}, "steps must be >= 1"), ({"ema_decay": 1.0}, {}, "ema_decay must be in"),
    ({"n_d": 0}, {}, "n_d must be >= 1"), ({"population_backend": "nope"}, {}, "population_backend must be one of"),
    ({}, {"sweeps": [("ema_decay", (0.5, 1.5))]}, "ema_decay must be in"),  # a member's own value
    ({}, {"sweeps": [("n_d", (1.0, 2.0))]}, "structural"), ({}, {"seeds": 0}, "--seeds must be >= 1"),
    ({"batch_size": 8}, {"mesh": "data:3"}, "batch_size 8 cannot be split over a data axis of 3"),
    ({"population_backend": "loop"}, {"mesh": "data:1"}, "a mesh needs")])
def test_bad_settings_are_refused_before_anything_is_created(tmp_path, overrides, kwargs, why):
    """Validation runs first: no data is loaded (the data folder does not even exist), no file is written."""
    config = tiny_config("vanilla", tmp_path / "no_data_here", **overrides)
    with pytest.raises(ValueError, match=why) as e:
        trainer.train_and_evaluate(config, str(tmp_path / "run"), **kwargs)
    assert "\n" not in str(e.value) and not (tmp_path / "run").exists()


class Recorder(hooks.Hook):
    """A fake hook: records the steps it fires at and the length of every chunk it observes."""

    def __init__(self, every):
        self.every, self.fired, self.chunks, self.closed = every, [], [], False

    def observe(self, chunk):
        self.chunks.append(chunk["d/loss"].shape[1])

    def __call__(self, step, state, alive):
        self.fired.append((step, int(np.max(np.asarray(state.members.step)))))
        return [{"recorder/step": float(step)}]

    def close(self, state):
        self.closed = True


def test_hooks_fire_on_their_cadences_and_end_chunks_there(tiny_idx_dir, tmp_path):
    # log and checkpoint every 2, samples every 8, chunks of at most 4; the recorder every 3.
    config = tiny_config("vanilla", tiny_idx_dir, steps=8, steps_per_call=4, sample_every=8)
    recorder = Recorder(every=3)
    trainer.train_and_evaluate(config, str(tmp_path), extra_hooks=[recorder])
    assert recorder.fired == [(3, 3), (6, 6), (8, 8)]  # its multiples, and the last step; the state is at that step
    assert recorder.chunks == [2, 1, 1, 2, 2]  # chunks end at 2, 3, 4, 6, 8: every step some hook fires
    assert recorder.closed
    rows = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")]
    assert [(r["step"], "d/loss" in r, "recorder/step" in r) for r in rows] == [
        (2, True, False), (3, False, True), (4, True, False), (6, True, True), (8, True, True)]
    assert sorted(os.listdir(tmp_path / "checkpoints"), key=int)[-1] == "8"


def test_next_boundary_is_the_first_step_a_hook_fires():
    three, five = Recorder(3), Recorder(5)
    assert [hooks.next_boundary(s, 100, [three, five]) for s in (0, 3, 4, 5, 9)] == [3, 5, 5, 6, 10]
    assert hooks.next_boundary(14, 15, [three, five]) == 15  # the chunk limit (steps_per_call, or the last step)


def test_progress_line_shows_step_rate_eta_and_losses():
    now = [100.0]
    losses = hooks.LossSummary(every=10, size=2)
    progress = hooks.Progress(10, start=0, total=100, losses=losses, clock=lambda: now[0])
    now[0] += 4.0
    losses.latest = [{"d/loss": 1.0, "g/loss": 2.0}, {"d/loss": 3.0, "g/loss": 4.0}]
    # 20 steps in 4 s: 5 steps/s, 80 steps left: 16 s; the losses are the members' mean.
    assert progress.line(20, np.array([True, True])) == (
        "step 20/100 20% | 5.0 steps/s | ETA 16s | d/loss 2 g/loss 3 (mean of 2 members)")
    now[0] += 20.0  # 10 steps in 20 s: 0.5 steps/s, 70 steps left; member 1 has failed
    assert progress.line(30, np.array([True, False])) == (
        "step 30/100 30% | 0.5 steps/s | ETA 2m20s | d/loss 1 g/loss 2 (mean of 1 alive of 2 members)")
    assert [hooks.format_duration(s) for s in (42.4, 347, 7300)] == ["42s", "5m47s", "2h01m"]


def test_training_prints_one_progress_line_per_log_step(tiny_idx_dir, tmp_path, capsys):
    trainer.train_and_evaluate(tiny_config("vanilla", tiny_idx_dir), str(tmp_path))
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("step ")]
    assert [line.split(" | ")[0] for line in lines] == ["step 2/4 50%", "step 4/4 100%"]
    assert all("steps/s" in line and "ETA" in line and "d/loss" in line and "g/loss" in line for line in lines)


def test_periodic_evaluation_is_logged_and_plotted(tiny_idx_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGAN_CACHE", str(tmp_path / "cache"))
    config = tiny_config("vanilla", tiny_idx_dir, eval_every=2, eval_num_samples=32, eval_evaluator_epochs=1)
    trainer.train_and_evaluate(config, str(tmp_path / "run"))
    rows = [json.loads(line) for line in open(tmp_path / "run" / "metrics.jsonl")]
    assert [r["step"] for r in rows if "eval/fid" in r] == [2, 4]
    assert all(np.isfinite(r["eval/fid"]) and 0 <= r["eval/precision"] <= 1 for r in rows if "eval/fid" in r)
    assert (tmp_path / "run" / "plots" / "eval_history.png").exists()



def test_config_changes_split_into_resumable_and_refused():
    stored = {"steps": 10, "optim": {"g": {"learning_rate": 1e-4}}, "monitors": {}, "data": {"name": "mnist"}}
    current = {"steps": 20, "optim": {"g": {"learning_rate": 2e-4}}, "monitors": {"weight_norms": {"every": 5}},
               "data": {"name": "mnist"}}
    assert workdir_lib.config_changes(stored, current) == {
        "monitors.weight_norms.every": {"from": "<absent>", "to": 5},
        "optim.g.learning_rate": {"from": 1e-4, "to": 2e-4}, "steps": {"from": 10, "to": 20}}
    with pytest.raises(workdir_lib.ConfigChangeError, match=r"optim.g.learning_rate=0.0001 \(asked: 0.0002\)"):
        workdir_lib.check_resume(stored, current, "w")
    del current["optim"]["g"]["learning_rate"]  # a field the checkpoint's config does not have is a change too
    with pytest.raises(workdir_lib.ConfigChangeError, match="learning_rate"):
        workdir_lib.check_resume(stored, current, "w")
    current["optim"] = stored["optim"]
    assert set(workdir_lib.check_resume(stored, current, "w")) == {"steps", "monitors.weight_norms.every"}
