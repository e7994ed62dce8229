"""Orbax checkpoints of the whole train state, with the run's identity stored beside it.

Each checkpoint step holds two items: `state` (the train state pytree) and `meta` (JSON: variant, config,
dataset description and parameter shapes). Restoring checks `meta` against the current run, then the stored
tree's structure and shapes against the target's, so a workdir of another variant, shape or population is
refused with a one-line mismatch error (never a dump of the tree), and a checkpoint that cannot be read is
skipped (with a one-line warning) in favour of the previous one.

Restoring places every array on the devices of the target (its shardings, or the first local device for a
leaf without one), whatever the mesh the checkpoint was saved with: orbax reshards on read, so a run trained
on 8 devices loads on 1 and the reverse.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp

from jaxgan.core import optim


class CheckpointError(ValueError):
    """A workdir whose checkpoints cannot be used for this run."""


class CheckpointMismatch(CheckpointError):
    """A readable checkpoint that holds another run's state (other variant, shapes, population or structure)."""


# Orbax's exception texts can hold the whole metadata tree on one line: the console gets this much of it.
SUMMARY_CHARS = 160


def summarize(error: Exception) -> str:
    """The first line of an exception, cut to SUMMARY_CHARS (or its type when it has no text)."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS] + "..."


def restore_target(template: Any) -> Any:
    """`template` as ShapeDtypeStructs whose shardings say where each restored array goes: a leaf's own
    sharding (concrete arrays, or abstract ones that carry one), else the first local device.

    Without a sharding orbax would place arrays as they were saved, which fails on another device count.
    """
    default = jax.sharding.SingleDeviceSharding(jax.local_devices()[0])

    def leaf(x):
        abstract = ocp.utils.to_shape_dtype_struct(x)
        if getattr(abstract, "sharding", None) is not None:
            return abstract
        return jax.ShapeDtypeStruct(abstract.shape, abstract.dtype, sharding=default)

    return jax.tree_util.tree_map(leaf, template)


def structure_mismatch(stored: Any, target: Any) -> str | None:
    """None if the stored state's metadata tree has the target's leaves and shapes, else one line saying how
    they differ (how many leaves, and the first of each kind)."""
    shapes = lambda tree: {".".join(map(str, path)): tuple(leaf.shape)
                           for path, leaf in ocp.tree.to_flat_dict(tree).items()}
    theirs, ours = shapes(stored), shapes(target)
    missing = sorted(set(ours) - set(theirs))
    extra = sorted(set(theirs) - set(ours))
    reshaped = sorted(p for p in set(ours) & set(theirs) if ours[p] != theirs[p])
    parts = []
    if missing:
        parts.append(f"{len(missing)} of this run's arrays missing (e.g. {missing[0]})")
    if extra:
        parts.append(f"{len(extra)} arrays this run lacks (e.g. {extra[0]})")
    if reshaped:
        parts.append(f"{len(reshaped)} of other shapes (e.g. {reshaped[0]}: {list(theirs[reshaped[0]])} stored, "
                     f"{list(ours[reshaped[0]])} here)")
    return "; ".join(parts) or None


def param_shapes(params: Any) -> dict[str, list[int]]:
    """`{path: shape}` of every parameter: the fingerprint a checkpoint must match."""
    paths = jax.tree_util.tree_leaves(optim.param_paths(params))
    shapes = [list(np.shape(x)) for x in jax.tree_util.tree_leaves(params)]
    return dict(zip(paths, shapes))


class Checkpoints:
    """Saves and restores `(state, meta)` in `directory`, keeping the newest `keep` steps."""

    def __init__(self, directory: str, keep: int = 3):
        self.directory = os.path.abspath(directory)
        # Synchronous saves: the train loop donates the state's buffers to the next chunk right after.
        self.manager = ocp.CheckpointManager(
            self.directory,
            options=ocp.CheckpointManagerOptions(max_to_keep=keep, create=True,
                                                 enable_async_checkpointing=False),
            item_names=("state", "meta"),
            # Named handlers let `item_metadata` read the stored tree's shapes before restoring it.
            item_handlers=dict(state=ocp.StandardCheckpointHandler(), meta=ocp.JsonCheckpointHandler()))

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

    def restore(self, template: Any, meta: dict, step: int | None = None) -> Any | None:
        """The newest readable checkpoint (or `step`) shaped like `template`; None if there is none.

        Raises CheckpointMismatch when the checkpoint belongs to another variant, shapes, population or
        state structure, and CheckpointError when no checkpoint can be read.
        """
        loaded = self.load(template, meta, step)
        return None if loaded is None else loaded[1]

    def load(self, template: Any, meta: dict, step: int | None = None) -> tuple[int, Any] | None:
        """`(step, state)` of the newest readable checkpoint (or `step`), restored onto `template`'s devices
        (see `restore_target`); None if there is none. Errors as `restore`."""
        candidates = self.steps() if step is None else [step]
        if step is not None and step not in self.steps():
            raise CheckpointError(f"no checkpoint for step {step} in {self.directory} (have {self.steps()})")
        target = restore_target(template)
        failures = []

        def skip(candidate: int, error: Exception, what: str) -> None:
            failures.append(f"step {candidate}: {type(error).__name__}")
            logging.warning("checkpoint step %d in %s is %s (%s); trying the previous one", candidate, self.directory,
                            what, summarize(error))

        for candidate in reversed(candidates):
            try:
                stored_meta = self.read_meta(candidate)
            except Exception as e:  # orbax raises many kinds for unreadable files
                skip(candidate, e, "unreadable")
                continue
            check_compatible(stored_meta, meta, self.directory)
            try:
                stored_tree = self.manager.item_metadata(candidate)["state"]
                if stored_tree is None:
                    raise ValueError("no metadata of the stored state")
                mismatch = structure_mismatch(stored_tree, target)
            except Exception as e:
                skip(candidate, e, "corrupt")
                continue
            if mismatch:
                raise CheckpointMismatch(f"{self.directory} step {candidate} holds a state of another structure than "
                                         f"this run's ({mismatch}): use another --workdir")
            try:
                restored = self.manager.restore(
                    candidate, args=ocp.args.Composite(state=ocp.args.StandardRestore(target)))["state"]
            except Exception as e:
                skip(candidate, e, "corrupt")
                continue
            if failures:
                logging.warning("resumed from step %d after skipping unreadable checkpoints: %s",
                                candidate, "; ".join(failures))
            return candidate, restored
        if failures:
            raise CheckpointError(f"no readable checkpoint in {self.directory} ({'; '.join(failures)})")
        return None

    def close(self) -> None:
        self.manager.wait_until_finished()
        self.manager.close()


def check_compatible(stored: dict, current: dict, directory: str) -> None:
    """Raises CheckpointMismatch unless a checkpoint's meta matches this run's variant and shapes."""
    if stored.get("variant") != current.get("variant"):
        raise CheckpointMismatch(f"{directory} holds a checkpoint of variant {stored.get('variant')!r}, not "
                              f"{current.get('variant')!r}: use another --workdir")
    if stored.get("param_shapes") != current.get("param_shapes"):
        theirs, ours = stored.get("param_shapes", {}), current.get("param_shapes", {})
        diff = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
        raise CheckpointMismatch(f"{directory} holds a checkpoint with other parameter shapes ({diff[0]}: "
                              f"{theirs.get(diff[0])} vs {ours.get(diff[0])}): use another --workdir")
    if stored.get("population") != current.get("population"):
        theirs = len(stored["population"]["members"]) if stored.get("population") else "no"
        raise CheckpointMismatch(f"{directory} holds a checkpoint of {theirs} population members with other seeds, "
                              "sweeps or mesh than this run's: pass the same --seeds/--sweep/--mesh, or use "
                              "another --workdir")
    if stored.get("data_size") != current.get("data_size"):
        raise CheckpointMismatch(f"{directory} holds a checkpoint trained on {stored.get('data_size')} images, "
                              f"this run has {current.get('data_size')}: use another --workdir")
    theirs, ours = (m.get("dataset", {}).get("sha256") for m in (stored, current))
    if theirs and ours and theirs != ours:
        raise CheckpointMismatch(f"{directory} holds a checkpoint trained on other data ({stored['dataset'].get('name')}"
                              f", sha256 {theirs[:12]}...) than this run's ({current['dataset'].get('name')}, "
                              f"{ours[:12]}...): use another --workdir")
