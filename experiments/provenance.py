"""What every committed experiment result records about where it came from, shared by the zoo and the findings:
the machine, the load average, the git commit, which data trained and which judged (never the same), and the
evaluations a run logged during training (its metric-against-steps curve)."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.environ.get("JAXGAN_SHARED_DATA", os.path.normpath(os.path.join(REPO, "..", "shared", "data")))
TEST_DIGITS = f"idx:{os.path.join(SHARED_DATA, 'mnist')}"  # the 10,000 real MNIST test digits: the default judge
CURVE_FIELDS = ("fid", "precision", "recall", "coverage", "classes_found", "class_accuracy")


class SameDataError(ValueError):
    """A result would be judged on the data its GAN trained on; one line."""


def check_reference(training: dict[str, Any], reference: dict[str, Any], who: str) -> None:
    """SameDataError when the reference set is the training data (equal sha256 of images and labels)."""
    if training["sha256"] == reference["sha256"]:
        raise SameDataError(f"{who}: the reference {reference['name']}/{reference['split']} is the data it trains "
                            f"on (sha256 {reference['sha256'][:12]}); judge it on other digits (--reference)")


def training_identity(config) -> dict[str, Any]:
    """The identity (name, split, size, sha256) of the data `config` trains on; loads it, trains nothing."""
    from jaxgan.data import datasets as data
    from jaxgan.eval import evaluation

    d = config.data
    return evaluation.data_identity(data.load_dataset(d.name, d.split, data_dir=d.tfds_data_dir or None,
                                                      allow_fallback=bool(d.offline_fallback)).describe())


def machine() -> dict[str, Any]:
    """The device that trained and judged (e.g. "cpu: AMD EPYC 7B13", "gpu: NVIDIA H200") and its cores."""
    import jax

    from benchmarks.machine import cores, cpu_model

    device = jax.devices()[0]
    return dict(device=f"{device.platform}: {cpu_model() if device.platform == 'cpu' else device.device_kind}",
                cpu=cpu_model(), cores=cores(), num_devices=jax.device_count())


def load_average() -> list[float]:
    """The 1-, 5- and 15-minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def git_commit() -> dict[str, Any]:
    """The checkout's commit and whether tracked files differ from it (None where git is unavailable)."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return dict(commit=None, dirty=None)
    return dict(commit=sha.stdout.strip(), dirty=bool(dirty.stdout.strip()))


def read_curve(metrics_jsonl: str, fields: tuple[str, ...] = CURVE_FIELDS,
               extra: tuple[str, ...] = ()) -> list[dict[str, float]]:
    """The evaluations during training in a member's metrics.jsonl, `[{step, fid, recall, ...}]`, plus the
    `extra` logged keys (e.g. "monitor/d_lipschitz_bound") on the rows that have them."""
    curve = []
    if os.path.exists(metrics_jsonl):
        with open(metrics_jsonl) as f:
            for line in f:
                row = json.loads(line)
                point = {k: row[f"eval/{k}"] for k in fields if f"eval/{k}" in row}
                point.update({k.split("/")[-1]: row[k] for k in extra if k in row})
                if point:
                    curve.append(dict(step=row["step"], **point))
    return curve


def last_logged(metrics_jsonl: str, prefix: str) -> dict[str, float]:
    """The last value of every logged key that starts with `prefix` (e.g. "monitor/": a run's monitors at its
    end), keyed without the prefix; {} when the file or the keys are absent."""
    last = {}
    if os.path.exists(metrics_jsonl):
        with open(metrics_jsonl) as f:
            for line in f:
                last.update({k[len(prefix):]: v for k, v in json.loads(line).items() if k.startswith(prefix)})
    return last


def write_between(text: str, path: str, begin: str, end: str) -> None:
    """`text` into `path`: between the `begin` and `end` marker lines when the file has them, the whole file when
    it is new; ValueError for an existing file without them (never overwritten). Written atomically."""
    from jaxgan.run.workdir import atomic_write

    if not os.path.exists(path):
        atomic_write(path, text)
        return
    with open(path) as f:
        content = f.read()
    start, stop = content.find(begin), content.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"{path} exists and has no {begin} ... {end} markers to write the table between")
    atomic_write(path, content[:start + len(begin)] + "\n" + text + content[stop:])
