"""A run's workdir: its layout, its identity (meta), config changes on resume, and atomic file writes
(`jaxgan.run.load` loads a trained workdir back).

    WORKDIR/config.json       the full config of the run (always the config of its latest checkpoints)
    WORKDIR/config_history.jsonl  settings changed on resume: {"step": S, "changes": {field: {"from", "to"}}}
    WORKDIR/dataset.json      the dataset actually used (name, split, size, shape, sha256)
    WORKDIR/metrics.jsonl     one JSON object per log step
    WORKDIR/checkpoints/      orbax checkpoints (state + meta)
    WORKDIR/samples/          fixed-noise sample grids; samples.png is the final one
    WORKDIR/events.out.*      TensorBoard events (clu metric writer)
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import ml_collections

from jaxgan.core import GAN
from jaxgan.run import checkpoint


class WorkdirError(ValueError):
    """A workdir that cannot be created, written or read."""


class ConfigChangeError(WorkdirError):
    """A resumed (or re-run) workdir asked to continue with a setting its checkpoints were not trained with."""


CONFIG_HISTORY = "config_history.jsonl"
# Settings that may change when a run resumes or a finished run is re-run: how long it trains, and what the
# host logs, samples, evaluates and keeps, and where TFDS data lives. None of them changes what a train step
# computes (resuming stays bit-identical); the dataset itself is checked by its checksum. A change of any other
# field is refused, since the workdir's checkpoints were trained with the old value.
RESUMABLE_FIELDS = ("steps", "steps_per_call", "log_every", "sample_every", "num_samples", "checkpoint_every",
                    "keep_checkpoints", "eval_every", "eval_num_samples", "eval_evaluator_epochs", "monitors",
                    "data.tfds_data_dir", "data.offline_fallback")
_ABSENT = "<absent>"


def flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    """`{"a": {"b": 1}, "c": {}}` -> `{"a.b": 1}` (an empty section holds no setting)."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def is_resumable(field: str) -> bool:
    return any(field == f or field.startswith(f + ".") for f in RESUMABLE_FIELDS)


def config_changes(stored: dict, current: dict) -> dict[str, dict[str, Any]]:
    """`{field: {"from": old, "to": new}}` for every leaf of two JSON configs that differs."""
    old, new = flatten(stored), flatten(current)
    return {f: {"from": old.get(f, _ABSENT), "to": new.get(f, _ABSENT)}
            for f in sorted(set(old) | set(new)) if old.get(f, _ABSENT) != new.get(f, _ABSENT)}


def check_resume(stored: dict, current: dict, workdir: str) -> dict[str, dict[str, Any]]:
    """The resumable changes from a checkpoint's config to this run's; ConfigChangeError for any other change."""
    changes = config_changes(stored, current)
    refused = [f for f in changes if not is_resumable(f)]
    if refused:
        shown = ", ".join(f"{f}={json.dumps(changes[f]['from'])} (asked: {json.dumps(changes[f]['to'])})"
                          for f in refused[:3])
        raise ConfigChangeError(
            f"{workdir} was trained with {shown}{' and more' if len(refused) > 3 else ''}; its checkpoints "
            f"would no longer match config.json: use another --workdir (settings that may change on resume: "
            f"{', '.join(RESUMABLE_FIELDS)})")
    return changes


def record_config_changes(workdir: str, step: int, changes: dict[str, dict[str, Any]]) -> None:
    """Appends `{"step", "changes"}` to config_history.jsonl, first dropping rows at or after `step` (left by
    runs whose later checkpoints are gone, or that re-ran a finished workdir)."""
    path = os.path.join(workdir, CONFIG_HISTORY)
    if not changes and not os.path.exists(path):
        return
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            rows = [line for line in f if line.strip() and json.loads(line)["step"] < step]
    if changes:
        rows.append(json.dumps({"step": step, "changes": changes}) + "\n")
    atomic_write(path, "".join(rows))


def check_creatable(workdir: str) -> str:
    """Its absolute path if `workdir` is a writable directory or could be created; creates nothing."""
    workdir = os.path.abspath(workdir)
    existing = workdir
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise WorkdirError(f"workdir {workdir} is not writable: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise WorkdirError(f"workdir {workdir} is not writable: no write permission in {existing}")
    return workdir


def prepare(workdir: str) -> str:
    """Creates `workdir` and proves it writable; returns its absolute path."""
    workdir = os.path.abspath(workdir)
    probe = os.path.join(workdir, f".write_test_{uuid.uuid4().hex}")
    try:
        os.makedirs(workdir, exist_ok=True)
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
    except OSError as e:
        raise WorkdirError(f"workdir {workdir} is not writable: {e.strerror or e}") from None
    return workdir


def run_meta(config: ml_collections.ConfigDict, gan: GAN, dataset: dict[str, Any],
             params: Any) -> dict[str, Any]:
    """What identifies a run: stored with each checkpoint and compared on resume."""
    return dict(variant=config.variant, config=json.loads(config.to_json()), dataset=dataset,
                image_shape=list(gan.image_shape), num_classes=gan.num_classes, data_size=gan.data_size,
                param_shapes=checkpoint.param_shapes(params))


def atomic_write(path: str, content: str | bytes) -> None:
    """Writes `content` to `path` through a temporary file and a rename: a reader, or a crash, never meets half
    a file (the temporary name holds the process id, so concurrent writers never share one)."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb" if isinstance(content, bytes) else "w") as f:
        f.write(content)
    os.replace(tmp, path)


def write_json(path: str, obj: Any) -> None:
    """`obj` as indented JSON with sorted keys, written atomically."""
    atomic_write(path, json.dumps(obj, indent=2, sort_keys=True))
