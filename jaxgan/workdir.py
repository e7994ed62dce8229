"""A run's workdir: its layout, its identity (meta), and loading a trained GAN back for sampling/evaluation.

    WORKDIR/config.json       the full config of the run
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

from jaxgan import checkpoint, engine


class WorkdirError(ValueError):
    """A workdir that cannot be created, written or read."""


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


def run_meta(config: ml_collections.ConfigDict, gan: engine.GAN, dataset: dict[str, Any],
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


def load_run(workdir: str, step: int | None = None) -> tuple[ml_collections.ConfigDict, engine.GAN,
                                                              engine.TrainState, dict]:
    """Rebuilds the GAN of a trained workdir and restores its latest (or `step`) checkpoint.

    No dataset is loaded: shapes come from the checkpoint's meta.
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
    config = ml_collections.ConfigDict(meta["config"])
    gan = engine.build_gan(config, tuple(meta["image_shape"]), meta["num_classes"], meta["data_size"])
    template = jax.eval_shape(gan.init, jax.random.PRNGKey(0))
    state = ckpts.restore(template, meta, step)
    ckpts.close()
    if state is None:
        raise WorkdirError(f"no checkpoints in {ckpt_dir}")
    return config, gan, state, meta
