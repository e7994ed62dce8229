"""Orbax checkpoints of the whole train state, with the run's identity stored beside it.

Each checkpoint step holds two items: `state` (the TrainState pytree) and `meta` (JSON: variant, config,
dataset description and parameter shapes). Restoring checks `meta` against the current run, so a workdir
of another variant or shape is refused with a clear error instead of a shape dump, and a checkpoint that
cannot be read is skipped (with a warning) in favour of the previous one.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp

from jaxgan.core import TrainState
from jaxgan.core import optim


class CheckpointError(ValueError):
    """A workdir whose checkpoints cannot be used for this run."""


def param_shapes(params: Any) -> dict[str, list[int]]:
    """`{path: shape}` of every parameter: the fingerprint a checkpoint must match."""
    paths = jax.tree_util.tree_leaves(optim.param_paths(params))
    shapes = [list(np.shape(x)) for x in jax.tree_util.tree_leaves(params)]
    return dict(zip(paths, shapes))


class Checkpoints:
    """Saves and restores `(TrainState, meta)` in `directory`, keeping the newest `keep` steps."""

    def __init__(self, directory: str, keep: int = 3):
        self.directory = os.path.abspath(directory)
        # Synchronous saves: the train loop donates the state's buffers to the next chunk right after.
        self.manager = ocp.CheckpointManager(
            self.directory,
            options=ocp.CheckpointManagerOptions(max_to_keep=keep, create=True,
                                                 enable_async_checkpointing=False),
            item_names=("state", "meta"))

    def steps(self) -> list[int]:
        return sorted(self.manager.all_steps())

    def save(self, state: Any, meta: dict, step: int | None = None) -> None:
        """Saves `state` (a TrainState, or a population's state with an explicit `step`) with its meta."""
        step = int(state.step) if step is None else step
        if step in self.manager.all_steps():
            return
        self.manager.save(step, args=ocp.args.Composite(state=ocp.args.StandardSave(state),
                                                        meta=ocp.args.JsonSave(meta)))
        self.manager.wait_until_finished()

    def read_meta(self, step: int) -> dict:
        return self.manager.restore(step, args=ocp.args.Composite(meta=ocp.args.JsonRestore()))["meta"]

    def restore(self, template: TrainState, meta: dict, step: int | None = None,
                ) -> TrainState | None:
        """The newest readable checkpoint (or `step`) shaped like `template`; None if there is none.

        Raises CheckpointError when the checkpoint belongs to another variant or other shapes, or when
        no checkpoint can be read.
        """
        candidates = self.steps() if step is None else [step]
        if step is not None and step not in self.steps():
            raise CheckpointError(f"no checkpoint for step {step} in {self.directory} (have {self.steps()})")
        abstract = jax.tree_util.tree_map(ocp.utils.to_shape_dtype_struct, template)
        failures = []
        for candidate in reversed(candidates):
            try:
                stored_meta = self.read_meta(candidate)
            except Exception as e:  # orbax raises many kinds for unreadable files
                failures.append(f"step {candidate}: {type(e).__name__}")
                logging.warning("checkpoint step %d in %s is unreadable (%s); trying the previous one",
                                candidate, self.directory, str(e).splitlines()[0] if str(e) else type(e).__name__)
                continue
            check_compatible(stored_meta, meta, self.directory)
            try:
                restored = self.manager.restore(
                    candidate, args=ocp.args.Composite(state=ocp.args.StandardRestore(abstract)))["state"]
            except Exception as e:
                failures.append(f"step {candidate}: {type(e).__name__}")
                logging.warning("checkpoint step %d in %s is corrupt (%s); trying the previous one",
                                candidate, self.directory, str(e).splitlines()[0] if str(e) else type(e).__name__)
                continue
            if failures:
                logging.warning("resumed from step %d after skipping unreadable checkpoints: %s",
                                candidate, "; ".join(failures))
            return restored
        if failures:
            raise CheckpointError(f"no readable checkpoint in {self.directory} ({'; '.join(failures)})")
        return None

    def close(self) -> None:
        self.manager.wait_until_finished()
        self.manager.close()


def check_compatible(stored: dict, current: dict, directory: str) -> None:
    """Raises CheckpointError unless a checkpoint's meta matches this run's variant and shapes."""
    if stored.get("variant") != current.get("variant"):
        raise CheckpointError(f"{directory} holds a checkpoint of variant {stored.get('variant')!r}, not "
                              f"{current.get('variant')!r}: use another --workdir")
    if stored.get("param_shapes") != current.get("param_shapes"):
        theirs, ours = stored.get("param_shapes", {}), current.get("param_shapes", {})
        diff = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
        raise CheckpointError(f"{directory} holds a checkpoint with other parameter shapes ({diff[0]}: "
                              f"{theirs.get(diff[0])} vs {ours.get(diff[0])}): use another --workdir")
    if stored.get("population") != current.get("population"):
        theirs = len(stored["population"]["members"]) if stored.get("population") else "no"
        raise CheckpointError(f"{directory} holds a checkpoint of {theirs} population members with other seeds, "
                              "sweeps or mesh than this run's: pass the same --seeds/--sweep/--mesh, or use "
                              "another --workdir")
    if stored.get("data_size") != current.get("data_size"):
        raise CheckpointError(f"{directory} holds a checkpoint trained on {stored.get('data_size')} images, "
                              f"this run has {current.get('data_size')}: use another --workdir")
    theirs, ours = (m.get("dataset", {}).get("sha256") for m in (stored, current))
    if theirs and ours and theirs != ours:
        raise CheckpointError(f"{directory} holds a checkpoint trained on other data ({stored['dataset'].get('name')}"
                              f", sha256 {theirs[:12]}...) than this run's ({current['dataset'].get('name')}, "
                              f"{ours[:12]}...): use another --workdir")
