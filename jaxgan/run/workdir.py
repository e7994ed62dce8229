"""A run's workdir: its layout, its identity (meta), and loading a trained GAN back for sampling/evaluation.

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

import jax
import ml_collections

from jaxgan.run import checkpoint
from jaxgan.core import GAN, TrainState, build_gan
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
    with open(path + ".tmp", "w") as f:
        f.writelines(rows)
    os.replace(path + ".tmp", path)


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


def write_json(path: str, obj: Any) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
    os.replace(tmp, path)  # atomic: a crash never leaves half a file


def num_members(meta: dict) -> int:
    """Members in a run's checkpoints (1 for a single run)."""
    return len(meta["population"]["members"]) if meta.get("population") else 1


def load_run(workdir: str, step: int | None = None, member: int = 0) -> tuple[ml_collections.ConfigDict,
                                                                             GAN, TrainState, dict]:
    """Rebuilds the GAN of a trained workdir and restores its latest (or `step`) checkpoint.

    For a population, `member` picks the member: its config (with its swept settings and seed), GAN and
    state. No dataset is loaded: shapes come from the checkpoint's meta.
    """
    ckpt_dir = os.path.join(workdir, "checkpoints")
    if not os.path.isdir(ckpt_dir):
        raise WorkdirError(f"no checkpoints in {workdir} (train first: python -m jaxgan.train --workdir=...)")
    ckpts = checkpoint.Checkpoints(ckpt_dir)
    steps = ckpts.steps()
    if not steps:
        raise WorkdirError(f"no checkpoints in {ckpt_dir}")
    if step is not None and step not in steps:
        raise WorkdirError(f"no checkpoint for step {step} in {ckpt_dir} (have {steps})")
    try:
        meta = ckpts.read_meta(step if step is not None else steps[-1])
    except Exception as e:
        raise checkpoint.CheckpointError(f"unreadable checkpoint meta in {ckpt_dir}: {type(e).__name__}") from None
    if not 0 <= member < num_members(meta):
        raise WorkdirError(f"--member must be in [0, {num_members(meta) - 1}] for {workdir}, got {member}")
    config = ml_collections.ConfigDict(meta["config"])
    shapes = (tuple(meta["image_shape"]), meta["num_classes"], meta["data_size"])
    if meta.get("population"):
        from jaxgan.population import population  # the population module imports this one's neighbours; keep it lazy

        pop = population.build(config, *shapes, backend="vmap", members=population.members_from(meta["population"]))
        state = ckpts.restore(pop.abstract_state(), meta, step)
        chosen = pop.members[member]
        config = population.member_config(config, chosen.settings)
        config.seed = chosen.seed
        gan, state = pop.member_gans()[member], None if state is None else pop.member_state(state, member)
    else:
        gan = build_gan(config, *shapes)
        state = ckpts.restore(jax.eval_shape(gan.init, jax.random.PRNGKey(0)), meta, step)
    ckpts.close()
    if state is None:
        raise WorkdirError(f"no checkpoints in {ckpt_dir}")
    return config, gan, state, meta
