"""`train_and_evaluate(config, workdir)`: the host side of training.

The device runs chunks of up to `steps_per_call` train steps in one jitted `lax.scan`; between chunks the
host only logs (clu writers + metrics.jsonl), runs monitors, writes sample grids and saves checkpoints.
Chunks end exactly on the log/sample/checkpoint/monitor cadences, so resuming from any checkpoint repeats
the uninterrupted run bit for bit.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
from typing import Any, Sequence

import jax
import ml_collections
import numpy as np
from clu import metric_writers, periodic_actions
from tqdm import tqdm

from jaxgan.run import checkpoint
from jaxgan.data import datasets as data
from jaxgan.eval import evaluation
from jaxgan.viz import images
from jaxgan.parts import monitors
from jaxgan.viz import plots
from jaxgan.population import population
from jaxgan.run import workdir as workdir_lib

SAMPLE_STREAM = 0xF1ED  # fold_in constant for the fixed sample noise


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or Inf; training stopped without saving the bad state."""


def validate(config: ml_collections.ConfigDict) -> None:
    """One-line ValueErrors for impossible host-side settings (part settings are checked by build_gan)."""
    for name in ("steps", "steps_per_call", "log_every", "sample_every", "checkpoint_every", "keep_checkpoints",
                 "num_samples"):
        if config[name] < 1:
            raise ValueError(f"{name} must be >= 1, got {config[name]}")
    if not 0 <= config.ema_decay < 1:
        raise ValueError(f"ema_decay must be in [0, 1) (0 = no EMA), got {config.ema_decay}")
    if config.eval_every < 0 or config.eval_num_samples < 1:
        raise ValueError("eval_every must be >= 0 (0 = off) and eval_num_samples >= 1")


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


def first_nonfinite(chunk: dict[str, np.ndarray]) -> int | None:
    """Index of the first step in a chunk whose metrics hold a NaN or Inf, else None."""
    bad = np.zeros(len(next(iter(chunk.values()))), bool)
    for v in chunk.values():
        bad |= ~np.isfinite(v)
    return int(np.argmax(bad)) if bad.any() else None


def _next_boundary(step: int, config: ml_collections.ConfigDict, cadences: list[int]) -> int:
    """The next step at which the host has something to do (or the chunk limit)."""
    limit = min(step + config.steps_per_call, config.steps)
    for every in cadences:
        limit = min(limit, (step // every + 1) * every)
    return limit


def _rewrite_jsonl(path: str, last_step: int) -> None:
    """Drops log rows past `last_step` (left by a run that stopped after its last checkpoint)."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        rows = [line for line in f if line.strip() and json.loads(line)["step"] <= last_step]
    with open(path + ".tmp", "w") as f:
        f.writelines(rows)
    os.replace(path + ".tmp", path)


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str, *, seeds: int = 1,
                       sweeps: Sequence[tuple[str, Sequence[float]]] = (), mesh: str = ""):
    """Trains `config` in `workdir`, resuming from its latest checkpoint; returns the final state.

    With `seeds` > 1 or `sweeps` it trains a population (jaxgan.population) in one jitted call: each member
    logs, samples and writes TensorBoard events in `workdir/members/NNN/`, one checkpoint holds them all,
    and the return value is the PopulationState. `mesh` ("pop:A,data:B") spreads members and batches over
    devices (of every process: only process 0 writes files).
    """
    # Everything that can fail on bad input (settings, data, parts, monitors) runs before the workdir is created.
    validate(config)
    workdir = workdir_lib.check_creatable(workdir)
    dataset = data.load_dataset(config.data.name, config.data.split, data_dir=config.data.tfds_data_dir or None,
                                allow_fallback=config.data.get("offline_fallback", False))
    pop = population.build(config, dataset.image_shape, dataset.num_classes, dataset.size, seeds=seeds,
                           sweeps=sweeps, mesh=mesh)
    for member in pop.members:  # swept values get the same host-side checks as a single run's
        validate(population.member_config(config, member.settings))
    gan = pop.gan
    logging.info("dataset %s/%s: %d images %s; %d member(s), backend %s", dataset.name, dataset.split,
                 dataset.size, dataset.image_shape, pop.size, pop.backend)

    state = pop.init()
    meta = workdir_lib.run_meta(config, gan, dataset.describe(), pop.member_state(state, 0).params)
    if pop.describe() is not None:
        meta["population"] = pop.describe()
    monitor_fns = monitors.build_all(config.monitors, gan)
    main_process = jax.process_index() == 0
    workdir_lib.prepare(workdir)
    ckpts = checkpoint.Checkpoints(os.path.join(workdir, "checkpoints"), keep=config.keep_checkpoints)
    restored = ckpts.restore(state, meta)
    changes = {}
    if restored is not None:
        state = restored
        changes = workdir_lib.check_resume(ckpts.read_meta(pop.step(state))["config"], meta["config"], workdir)
        logging.info("resumed from step %d in %s%s", pop.step(state), workdir, "; changed: " + ", ".join(
            f"{k} {v['from']} -> {v['to']}" for k, v in changes.items()) if changes else "")
    start = pop.step(state)
    member_dirs = [workdir] if pop.size == 1 else [os.path.join(workdir, "members", f"{i:03d}") for i in range(pop.size)]
    if main_process:
        workdir_lib.record_config_changes(workdir, start, changes)
        workdir_lib.write_json(os.path.join(workdir, "config.json"), meta["config"])
        workdir_lib.write_json(os.path.join(workdir, "dataset.json"), meta["dataset"])
        if pop.describe() is not None:
            workdir_lib.write_json(os.path.join(workdir, "population.json"), pop.describe())
        for d in member_dirs:
            os.makedirs(d, exist_ok=True)
            _rewrite_jsonl(os.path.join(d, "metrics.jsonl"), start)

    images_dev, labels_dev = pop.put_data(dataset.images, dataset.labels)
    periodic_eval = evaluation.PeriodicEvaluator(gan, config, dataset) if config.eval_every > 0 else None
    del dataset  # the evaluator keeps what it needs; the training copy lives on the device
    cadences = [config.log_every, config.sample_every, config.checkpoint_every] + [e for e, _ in monitor_fns.values()]
    cadences += [config.eval_every] if periodic_eval else []
    sample_key = jax.random.fold_in(jax.random.PRNGKey(config.seed), SAMPLE_STREAM)
    sample_fn = jax.jit(lambda s: pop.generate(s, sample_key, config.num_samples))

    writers = [metric_writers.create_default_writer(d, just_logging=not main_process) for d in member_dirs]
    if start == 0:
        for writer, member in zip(writers, pop.members):
            writer.write_hparams({**_flat_hparams(config), **member.settings, "seed": member.seed})
    # on_steps instead of every_steps: clu's every_steps insists on one call per step, we call per chunk.
    progress = periodic_actions.ReportProgress(
        num_train_steps=config.steps, writer=writers[0], every_steps=None,
        on_steps=set(range(start + config.log_every, config.steps + 1, config.log_every)))
    pending: list[dict[str, np.ndarray]] = []
    # A population member's log rows say which member (seed, settings) they belong to.
    tags = [{} if pop.size == 1 else dict(member=m.index, seed=m.seed, settings=m.settings) for m in pop.members]
    alive, failed = pop.status(state)
    step = start
    bar = tqdm(total=config.steps, initial=start, unit="step", disable=None, mininterval=1.0)  # None: off unless a tty
    jsonls = [open(os.path.join(d, "metrics.jsonl"), "a") if main_process else None for d in member_dirs]
    with bar, contextlib.ExitStack() as files:
        for f in filter(None, jsonls):
            files.enter_context(f)
        while step < config.steps:
            num = _next_boundary(step, config, cadences) - step
            state, chunk = pop.jit_train_chunk(state, images_dev, labels_dev, num)
            chunk = population.fetch(chunk)
            was_alive, (alive, failed) = alive, pop.status(state)
            bad = first_nonfinite({k: v[0] for k, v in chunk.items()}) if pop.backend == "single" else None
            if bad is not None or not alive.any():
                last = ckpts.steps()[-1] if ckpts.steps() else None
                ckpts.close()
                where = step + bad + 1 if bad is not None else int(failed.max())
                raise NonFiniteLossError(
                    f"non-finite loss at step {where}{' in every member' if pop.size > 1 else ''}; stopped without "
                    f"saving it (last good checkpoint: {'step ' + str(last) if last is not None else 'none'})")
            for i in np.flatnonzero(was_alive & ~alive):
                logging.warning("member %d (%s) stopped: non-finite loss at step %d; it stays frozen while the "
                                "others train", i, pop.members[i].describe(), failed[i])
            step += num
            pending.append(chunk)
            bar.update(num)
            progress(step)
            scalars = [{} for _ in pop.members]
            if step % config.log_every == 0 or step == config.steps:
                for i in range(pop.size):
                    scalars[i].update(summarize([{k: v[i] for k, v in c.items()} for c in pending]))
                pending = []
            for name, (every, fn) in monitor_fns.items():
                if step % every == 0 or step == config.steps:
                    for i in range(pop.size):
                        scalars[i].update({k: float(v) for k, v in population.fetch(fn(pop.member_state(state, i))).items()})
            if periodic_eval and (step % config.eval_every == 0 or step == config.steps):
                for i in np.flatnonzero(alive):
                    scalars[i].update(periodic_eval.run(pop.member_state(state, i)))
            for i in np.flatnonzero(alive):
                if scalars[i] and main_process:
                    writers[i].write_scalars(step, scalars[i])
                    jsonls[i].write(json.dumps({"step": step, **tags[i], **scalars[i]}) + "\n")
                    jsonls[i].flush()
            if step % config.sample_every == 0 or step == config.steps:
                grids = population.fetch(sample_fn(state))
                for i in range(pop.size) if main_process else ():
                    _write_samples(grids[i], os.path.join(member_dirs[i], "samples", f"step_{step:07d}.png"),
                                   writers[i], step)
            if step % config.checkpoint_every == 0 or step == config.steps:
                ckpts.save(state, meta, step=step)
    final = population.fetch(sample_fn(state))
    if main_process:
        for i, d in enumerate(member_dirs):
            images.save_grid(np.asarray(final[i]), os.path.join(d, "samples.png"))
            jsonl_path = os.path.join(d, "metrics.jsonl")
            plot_histories(jsonl_path, os.path.join(d, "plots"))
            plots.plot_training_curves(jsonl_path, os.path.join(d, "plots", "losses.png"))
            plots.plot_eval_history(jsonl_path, os.path.join(d, "plots", "eval_history.png"))
    ckpts.close()
    for writer in writers:
        writer.flush()
        writer.close()
    return state


def _write_samples(grid: np.ndarray, path: str, writer, step: int) -> None:
    """A sample grid as PNG and in TensorBoard's Images tab."""
    images.save_grid(grid, path)
    tiled = images.tile(grid)  # [H, W] or [H, W, 3] in [0, 1]; TensorBoard's Images tab wants [N, H, W, C]
    writer.write_images(step, {"samples": np.uint8(np.round(255 * tiled)).reshape(1, *tiled.shape[:2], -1)})


def plot_histories(jsonl_path: str, out_dir: str) -> None:
    """One PNG per logged monitor (e.g. seed 001's Lipschitz-bound curve) in `out_dir`."""
    with open(jsonl_path) as f:
        keys = sorted({k for line in f if line.strip() for k in json.loads(line) if k.startswith("monitor/")})
    for key in keys:
        plots.plot_monitor_history(jsonl_path, key, os.path.join(out_dir, key.replace("/", "_") + ".png"))


def _flat_hparams(config: ml_collections.ConfigDict) -> dict[str, Any]:
    """Config flattened to `a.b` keys with scalar values (tuples as strings) for TensorBoard's hparams."""
    flat = {}

    def walk(prefix, node):
        for k, v in node.items():
            key = f"{prefix}{k}"
            if isinstance(v, (dict, ml_collections.ConfigDict)):
                walk(key + ".", v)
            else:
                flat[key] = v if isinstance(v, (int, float, str, bool)) else str(v)
    walk("", config.to_dict())
    return flat
