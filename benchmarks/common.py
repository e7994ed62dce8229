"""What the JAX and PyTorch benchmarks share: the data, the machine's name, the JSON record, medians.

Both sides print one JSON object with the keys `KEYS` (plus `data`, the images the run trained on), so
`benchmarks.run` can put them side by side.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys

import numpy as np

from benchmarks.machine import cpu_model  # noqa: F401  (re-exported: the records' device names use it)

KEYS = ("variant", "batch_size", "population", "backend", "compute_dtype", "steps_per_sec", "steps_per_sec_min",
        "steps_per_sec_max", "model_steps_per_sec", "compile_seconds", "device", "flops_per_step", "roofline_fraction", "peak_memory_bytes", "data")
ROOT = pathlib.Path(__file__).resolve().parents[1]  # the repository
SHARED_MNIST = ROOT / ".." / "shared" / "data" / "mnist"
SYNTHETIC_SIZE = 10_000  # as many images as the shared MNIST test split


def load_images(data: str = "auto") -> tuple[np.ndarray, np.ndarray, str]:
    """(uint8 images [N, 28, 28, 1], int32 labels [N], description) for a benchmark.

    "auto": the shared MNIST test digits when present, else synthetic; "synthetic": uniform random pixels
    and labels of the same shapes (throughput does not depend on pixel values).
    """
    if data == "auto" and (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
        from jaxgan.data import datasets as data_lib

        ds = data_lib.load_idx(str(SHARED_MNIST), "test")
        return ds.images, ds.labels, f"mnist test split ({ds.size} digits)"
    if data not in ("auto", "synthetic"):
        raise ValueError(f"data must be auto or synthetic, got {data!r}")
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (SYNTHETIC_SIZE, 28, 28, 1), dtype=np.uint8)
    labels = rng.integers(0, 10, (SYNTHETIC_SIZE,), dtype=np.int32)
    return images, labels, f"synthetic ({SYNTHETIC_SIZE} random 28x28 images)"


def record(*, variant: str, batch_size: int, population: int, backend: str, chunk_seconds: list[float],
           steps: int, compile_seconds: float, device: str, flops_per_step: float, peak_flops: float,
           data: str, compute_dtype: str = "float32", peak_memory_bytes: int | None = None) -> dict:
    """The JSON record of one benchmark: per-model steps/s is the median over the timed chunks (min, max: the
    slowest and fastest chunk).

    flops_per_step: matmul FLOPs of one train step of one model; roofline_fraction: the achieved matmul
    FLOP/s of the whole population over `peak_flops`, the matmul peak (in `compute_dtype`) measured in the
    same process; peak_memory_bytes: the device's peak allocation (None where unknown, e.g. on CPU).
    """
    steps_per_sec = steps / statistics.median(chunk_seconds)
    model_steps_per_sec = population * steps_per_sec
    out = dict(variant=variant, batch_size=batch_size, population=population, backend=backend,
               compute_dtype=compute_dtype, steps_per_sec=steps_per_sec, steps_per_sec_min=steps / max(chunk_seconds),
               steps_per_sec_max=steps / min(chunk_seconds), model_steps_per_sec=model_steps_per_sec,
               compile_seconds=compile_seconds, device=device, flops_per_step=flops_per_step,
               roofline_fraction=flops_per_step * model_steps_per_sec / peak_flops,
               peak_memory_bytes=peak_memory_bytes, data=data)
    assert tuple(out) == KEYS
    return out


class Parser(argparse.ArgumentParser):
    """argparse with the project's bad-input contract: one `error: ...` line, exit status 2."""

    def error(self, message: str):
        from jaxgan.cli import common as cli

        cli.fail(message)


def emit(result: dict) -> None:
    """Prints the record as one JSON line on stdout (progress goes to stderr)."""
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
