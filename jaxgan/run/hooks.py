"""What the host does between chunks of training: periodic hooks, each one object with its cadence (the idea of
clu's `periodic_actions`, called once per chunk instead of once per step).

A hook fires at every multiple of its `every` and after the last step. The train loop (jaxgan.run.trainer)
ends each chunk at the next step some hook fires, so a resumed run stops at the same steps, with the same
chunks, as an uninterrupted one (bit for bit).

Hooks that measure something (the losses, monitors, evaluation) return scalars per member; `MetricLog` writes
one row per member and step from what they returned (clu writers and metrics.jsonl). Samples, checkpoints and
the console progress line are hooks with side effects only.
"""

from __future__ import annotations

import abc
import json
import os
import sys
import time
from typing import Any, Callable, Sequence, TextIO

import jax
import ml_collections
import numpy as np

from jaxgan.population import fetch
from jaxgan.population.population import Population
from jaxgan.population.state import PopulationState
from jaxgan.run import checkpoint
from jaxgan.run import workdir as workdir_lib
from jaxgan.viz import images, plots

Scalars = list[dict[str, float]]  # one dict per member


class Hook(abc.ABC):
    """Something the host does every `every` steps (and after the last step)."""

    every: int

    def due(self, step: int, last: int) -> bool:
        return step % self.every == 0 or step == last

    def next_step(self, step: int) -> int:
        """The first step after `step` at which this hook fires (the loop ends a chunk there)."""
        return (step // self.every + 1) * self.every

    def observe(self, chunk: dict[str, np.ndarray]) -> None:
        """Called after every chunk with its metrics `{name: [P, steps in the chunk]}` (host arrays)."""

    @abc.abstractmethod
    def __call__(self, step: int, state: PopulationState, alive: np.ndarray) -> Scalars | None:
        """Runs at `step` on the population's state; may return scalars `[{name: value}]` per member."""

    def close(self, state: PopulationState) -> None:
        """Called once after the last step."""


def summarize(chunks: list[dict[str, np.ndarray]]) -> dict[str, float]:
    """Means over the steps since the last log; generator metrics only over steps where G was updated."""
    stacked = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    g_steps = stacked.pop("g/updated") > 0
    out = {}
    for k, v in stacked.items():
        rows = v[g_steps] if k.startswith("g/") else v
        if rows.size:
            out[k] = float(rows.mean())
    return out


class LossSummary(Hook):
    """Every `every` steps: each member's train metrics averaged over the steps since the last summary."""

    def __init__(self, every: int, size: int):
        self.every, self.size = every, size
        self.pending: list[dict[str, np.ndarray]] = []
        self.latest: Scalars = [{} for _ in range(size)]

    def observe(self, chunk):
        self.pending.append(chunk)

    def __call__(self, step, state, alive):
        self.latest = [summarize([{k: v[i] for k, v in c.items()} for c in self.pending]) for i in range(self.size)]
        self.pending = []
        return self.latest


class Monitor(Hook):
    """A monitor of jaxgan.parts.monitors (a jitted `fn(TrainState) -> {name: scalar}`) on every member."""

    def __init__(self, every: int, fn: Callable[[Any], dict[str, jax.Array]], population: Population):
        self.every, self.fn, self.population = every, fn, population

    def __call__(self, step, state, alive):
        return [{k: float(v) for k, v in fetch(self.fn(self.population.member_state(state, i))).items()}
                for i in range(self.population.size)]


class Evaluation(Hook):
    """Sample-quality evaluation (jaxgan.eval.evaluation.PeriodicEvaluator) of every member still training."""

    def __init__(self, every: int, evaluator, population: Population):
        self.every, self.evaluator, self.population = every, evaluator, population

    def __call__(self, step, state, alive):
        return [self.evaluator.run(self.population.member_state(state, i)) if alive[i] else {}
                for i in range(self.population.size)]


class Samples(Hook):
    """Every member's fixed-noise sample grid: `DIR/samples/step_NNNNNNN.png` and TensorBoard's Images tab;
    the final grid as `DIR/samples.png`."""

    def __init__(self, every: int, sample_fn: Callable[[PopulationState], jax.Array], log: MetricLog):
        self.every, self.sample_fn, self.log = every, sample_fn, log

    def __call__(self, step, state, alive):
        grids = fetch(self.sample_fn(state))
        for i, directory in enumerate(self.log.dirs if self.log.main else ()):
            grid = np.asarray(grids[i])
            images.save_grid(grid, os.path.join(directory, "samples", f"step_{step:07d}.png"))
            tiled = images.tile(grid)  # [H, W] or [H, W, 3] in [0, 1]; TensorBoard wants [N, H, W, C] uint8
            self.log.writers[i].write_images(
                step, {"samples": np.uint8(np.round(255 * tiled)).reshape(1, *tiled.shape[:2], -1)})

    def close(self, state):
        final = fetch(self.sample_fn(state))
        for i, directory in enumerate(self.log.dirs if self.log.main else ()):
            images.save_grid(np.asarray(final[i]), os.path.join(directory, "samples.png"))


class Checkpoint(Hook):
    """Saves the whole population state with the run's meta."""

    def __init__(self, every: int, ckpts: checkpoint.Checkpoints, meta: dict):
        self.every, self.ckpts, self.meta = every, ckpts, meta

    def __call__(self, step, state, alive):
        self.ckpts.save(state, self.meta, step=step)


def format_duration(seconds: float) -> str:
    """`347` -> `5m47s`, `7300` -> `2h01m`, `42.4` -> `42s`."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress(Hook):
    """One console line per log step: `step 2000/20000 10% | 51.8 steps/s | ETA 5m47s | d/loss 1.21 g/loss 0.93`
    (a population's losses are the mean over its members still training). steps/s also goes to TensorBoard."""

    SHOWN = ("d/loss", "g/loss")

    def __init__(self, every: int, start: int, total: int, losses: LossSummary, writer=None,
                 stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic):
        self.every, self.total, self.losses, self.writer = every, total, losses, writer
        self.stream, self.clock = stream, clock
        self.last_step, self.last_time = start, clock()

    def line(self, step: int, alive: np.ndarray) -> str:
        now = self.clock()
        rate = (step - self.last_step) / max(now - self.last_time, 1e-9)
        self.last_step, self.last_time = step, now
        parts = [f"step {step}/{self.total} {100 * step // self.total}%", f"{rate:.1f} steps/s",
                 f"ETA {format_duration((self.total - step) / rate) if rate > 0 else '?'}"]
        rows = [row for row, ok in zip(self.losses.latest, alive) if ok and row]
        shown = [f"{k} {np.mean([r[k] for r in rows]):.3g}" for k in self.SHOWN if rows and all(k in r for r in rows)]
        if len(alive) > 1:
            shown.append(f"(mean of {len(rows)} alive of {len(alive)} members)" if len(rows) < len(alive)
                         else f"(mean of {len(alive)} members)")
        if self.writer is not None and step > 0:
            self.writer.write_scalars(step, {"steps_per_sec": rate})
        return " | ".join(parts + [" ".join(shown)] if shown else parts)

    def __call__(self, step, state, alive):
        stream = self.stream or sys.stderr
        stream.write(self.line(step, alive) + "\n")  # one write: clu's logging thread may write between two
        stream.flush()


class MetricLog:
    """Each member's scalars: clu writers (TensorBoard events + the console's `[step] name=value` lines) and
    `DIR/metrics.jsonl`, one row per member and step. A single run writes in the workdir; member i of a
    population in `workdir/members/NNN/`, its rows tagged with member, seed and settings. Only process 0 writes.
    """

    def __init__(self, workdir: str, population: Population, config: ml_collections.ConfigDict, start: int,
                 main: bool):
        self.main = main
        single = population.size == 1
        self.dirs = [workdir] if single else [os.path.join(workdir, "members", f"{i:03d}")
                                              for i in range(population.size)]
        self.tags = [{} if single else dict(member=m.index, seed=m.seed, settings=m.settings)
                     for m in population.members]
        self.files: list[TextIO] = []
        if main:
            for d in self.dirs:
                os.makedirs(d, exist_ok=True)
                _drop_rows_after(os.path.join(d, "metrics.jsonl"), start)
            self.files = [open(os.path.join(d, "metrics.jsonl"), "a") for d in self.dirs]
        from clu import metric_writers  # imports TensorFlow (seconds): only once a run really writes

        self.writers = [metric_writers.create_default_writer(d, just_logging=not main) for d in self.dirs]
        if start == 0:
            for writer, member in zip(self.writers, population.members):
                writer.write_hparams({**_flat_hparams(config), **member.settings, "seed": member.seed})

    def write(self, step: int, scalars: Scalars, alive: np.ndarray) -> None:
        """One row per member still training that has something to write at `step`."""
        for i in np.flatnonzero(alive):
            if scalars[i] and self.main:
                self.writers[i].write_scalars(step, scalars[i])
                self.files[i].write(json.dumps({"step": step, **self.tags[i], **scalars[i]}) + "\n")
                self.files[i].flush()

    def close(self, plot: bool = True) -> None:
        """Closes files and writers; with `plot`, draws each member's curves into `DIR/plots/`."""
        for f in self.files:
            f.close()
        self.files = []
        if plot and self.main:
            for d in self.dirs:
                jsonl = os.path.join(d, "metrics.jsonl")
                plots.plot_monitor_histories(jsonl, os.path.join(d, "plots"))
                plots.plot_training_curves(jsonl, os.path.join(d, "plots", "losses.png"))
                plots.plot_eval_history(jsonl, os.path.join(d, "plots", "eval_history.png"))
        for writer in self.writers:
            writer.flush()
            writer.close()


def _drop_rows_after(path: str, last_step: int) -> None:
    """Drops log rows past `last_step` (left by a run that stopped after its last checkpoint)."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        rows = [line for line in f if line.strip() and json.loads(line)["step"] <= last_step]
    workdir_lib.atomic_write(path, "".join(rows))


def _flat_hparams(config: ml_collections.ConfigDict) -> dict[str, Any]:
    """Config flattened to `a.b` keys with scalar values (tuples as strings) for TensorBoard's hparams."""
    from flax import traverse_util

    flat = traverse_util.flatten_dict(config.to_dict(), sep=".")
    return {k: v if isinstance(v, (int, float, str, bool)) else str(v) for k, v in flat.items()}


def next_boundary(step: int, limit: int, hooks: Sequence[Hook]) -> int:
    """The end of the next chunk: the first step after `step` at which a hook fires, at most `limit`."""
    return min([limit] + [h.next_step(step) for h in hooks])
