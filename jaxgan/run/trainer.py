"""`train_and_evaluate(config, workdir)`: the host side of training.

The device runs chunks of up to `steps_per_call` train steps of every member in one compiled call (see
jaxgan.population); between chunks the host only runs its hooks (jaxgan.run.hooks: losses, monitors, evaluation,
samples, checkpoints, progress). A chunk ends at the next step some hook fires, so resuming from any checkpoint
repeats the uninterrupted run bit for bit.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Sequence

import jax
import ml_collections
import numpy as np

from jaxgan import population as population_lib
from jaxgan.data import datasets as data
from jaxgan.eval import evaluation
from jaxgan.parts import monitors
from jaxgan.population import PopulationState
from jaxgan.run import checkpoint, hooks, validate
from jaxgan.run import workdir as workdir_lib

SAMPLE_STREAM = 0xF1ED  # fold_in constant for the fixed sample noise


class NonFiniteLossError(FloatingPointError):
    """Every member's loss became NaN or Inf; training stopped without saving the bad state."""


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str, *, seeds: int = 1,
                       sweeps: Sequence[tuple[str, Sequence[float]]] = (), mesh: str = "",
                       extra_hooks: Sequence[hooks.Hook] = (),
                       eval_reference: data.Dataset | None = None) -> PopulationState:
    """Trains `config` in `workdir`, resuming from its latest checkpoint; returns the final PopulationState.

    A single run is a population of one (it writes in `workdir`). With `seeds` > 1 or `sweeps` each member logs,
    samples and writes TensorBoard events in `workdir/members/NNN/`; one checkpoint holds them all. `mesh`
    ("pop:A,data:B") spreads members and batches over devices (of every process: only process 0 writes files).
    A member whose loss turns non-finite is frozen while the others train; NonFiniteLossError once all are.
    `extra_hooks` run after the built-in ones (their cadences end chunks too; scalars they return are logged).
    `eval_reference`: the real images the periodic evaluation (`config.eval_every`) compares with (default: the
    training set; the zoo and the findings pass test digits the GAN never saw).
    """
    workdir = validate.validate(config, seeds=seeds, sweeps=sweeps, mesh=mesh, workdir=workdir)
    # Parts are built (and their settings checked) before the workdir is created.
    dataset = data.load_dataset(config.data.name, config.data.split, data_dir=config.data.tfds_data_dir or None,
                                allow_fallback=config.data.get("offline_fallback", False))
    pop = population_lib.build(config, dataset.image_shape, dataset.num_classes, dataset.size, seeds=seeds,
                               sweeps=sweeps, mesh=mesh)
    logging.info("dataset %s/%s: %d images %s; %d member(s), backend %s", dataset.name, dataset.split,
                 dataset.size, dataset.image_shape, pop.size, pop.backend)
    state = pop.init()
    meta = workdir_lib.run_meta(config, pop.gan, dataset.describe(), pop.member_state(state, 0).params)
    meta["population"] = pop.describe()
    monitor_fns = monitors.build_all(config.monitors, pop.gan)  # a bad monitor is refused before any file exists
    main_process = jax.process_index() == 0

    workdir_lib.prepare(workdir)
    with contextlib.ExitStack() as cleanup:
        ckpts = checkpoint.Checkpoints(os.path.join(workdir, "checkpoints"), keep=config.keep_checkpoints)
        cleanup.callback(ckpts.close)
        state, start = _resume(ckpts, state, meta, pop, workdir, main_process)
        step = start
        images_dev, labels_dev = pop.put_data(dataset.images, dataset.labels)
        evaluator = (evaluation.PeriodicEvaluator(pop.gan, config, dataset, reference_set=eval_reference)
                     if config.eval_every > 0 else None)
        del dataset  # the evaluator keeps what it needs; the training copy lives on the device

        log = hooks.MetricLog(workdir, pop, config, start, main_process)
        cleanup.callback(lambda: log.close(plot=step >= config.steps))  # plots only of a finished run
        periodic = _periodic_hooks(config, pop, log, ckpts, meta, monitor_fns, evaluator, start,
                                   main_process) + list(extra_hooks)
        alive, _ = pop.status(state)
        while step < config.steps:
            num = hooks.next_boundary(step, min(step + config.steps_per_call, config.steps), periodic) - step
            state, chunk = pop.jit_train_chunk(state, images_dev, labels_dev, num)
            chunk = population_lib.fetch(chunk)
            alive = _check_members(pop, state, alive, ckpts)
            step += num
            scalars: hooks.Scalars = [{} for _ in pop.members]
            for hook in periodic:
                hook.observe(chunk)
                if hook.due(step, config.steps):
                    for row, new in zip(scalars, hook(step, state, alive) or ()):
                        row.update(new)
            log.write(step, scalars, alive)
        for hook in periodic:
            hook.close(state)
    return state


def _check_members(pop, state: PopulationState, was_alive: np.ndarray, ckpts: checkpoint.Checkpoints) -> np.ndarray:
    """Which members are still training (bool [P]); warns about each newly failed one, and raises
    NonFiniteLossError (one line, naming the last good checkpoint) when none is left."""
    alive, failed = pop.status(state)
    if not alive.any():
        last = ckpts.steps()[-1] if ckpts.steps() else None
        raise NonFiniteLossError(
            f"non-finite loss at step {int(failed.max())}{' in every member' if pop.size > 1 else ''}; stopped "
            f"without saving it (last good checkpoint: {'step ' + str(last) if last is not None else 'none'})")
    for i in np.flatnonzero(was_alive & ~alive):
        logging.warning("member %d (%s) stopped: non-finite loss at step %d; it stays frozen while the others "
                        "train", i, pop.members[i].describe(), failed[i])
    return alive


def _periodic_hooks(config: ml_collections.ConfigDict, pop, log: hooks.MetricLog, ckpts: checkpoint.Checkpoints,
                    meta: dict, monitor_fns: dict, evaluator, start: int, main_process: bool) -> list[hooks.Hook]:
    """The run's hooks. Their order matters only for the key order of a log row: losses, monitors (by name),
    evaluation."""
    losses = hooks.LossSummary(config.log_every, pop.size)
    periodic: list[hooks.Hook] = [losses]
    periodic += [hooks.Monitor(every, fn, pop) for every, fn in monitor_fns.values()]
    periodic += [hooks.Evaluation(config.eval_every, evaluator, pop)] if evaluator else []
    sample_key = jax.random.fold_in(jax.random.PRNGKey(config.seed), SAMPLE_STREAM)
    periodic += [hooks.Samples(config.sample_every, jax.jit(lambda s: pop.generate(s, sample_key, config.num_samples)),
                               log),
                 hooks.Checkpoint(config.checkpoint_every, ckpts, meta)]
    if main_process:
        periodic.append(hooks.Progress(config.log_every, start, config.steps, losses, log.writers[0]))
    return periodic


def _resume(ckpts: checkpoint.Checkpoints, state: PopulationState, meta: dict, pop, workdir: str,
            main_process: bool) -> tuple[PopulationState, int]:
    """The latest checkpoint's state (or `state`) and its step; records resumable config changes and writes the
    run's config.json, dataset.json and population.json."""
    restored = ckpts.restore(state, meta)
    changes = {}
    if restored is not None:
        state = restored
        changes = workdir_lib.check_resume(ckpts.read_meta(pop.step(state))["config"], meta["config"], workdir)
        logging.info("resumed from step %d in %s%s", pop.step(state), workdir, "; changed: " + ", ".join(
            f"{k} {v['from']} -> {v['to']}" for k, v in changes.items()) if changes else "")
    start = pop.step(state)
    if main_process:
        workdir_lib.record_config_changes(workdir, start, changes)
        workdir_lib.write_json(os.path.join(workdir, "config.json"), meta["config"])
        workdir_lib.write_json(os.path.join(workdir, "dataset.json"), meta["dataset"])
        workdir_lib.write_json(os.path.join(workdir, "population.json"), meta["population"])
    return state, start
