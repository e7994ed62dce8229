"""Shared fixtures: real data folders (skipped when absent), tiny IDX datasets and shrunken configs."""

from __future__ import annotations

import gzip
import os
import pathlib
import shutil
import tempfile

import numpy as np
import pytest

from jaxgan import configs

SHARED_DATA = pathlib.Path(os.environ.get("JAXGAN_SHARED_DATA",
                                          pathlib.Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))


# XLA's default backend optimisation, for the few programs that run long enough to pay for it (see below).
DEFAULT_OPTIMIZATION = {"xla_backend_optimization_level": 3}


def pytest_configure(config):
    """One persistent XLA compilation cache for the whole session, shared by the xdist workers and the CLIs the
    tests start (they inherit the environment): many tests compile the same tiny programs, and compiling was 55% of
    the quick finding's time under cProfile. Results are the same either way (the cache stores the compiled
    executable). A cache the user set (JAX_COMPILATION_CACHE_DIR) is left alone; ours is removed at the end."""
    # XLA's backend (LLVM) optimisation off for the session, set before JAX's backend starts and inherited by the xdist
    # workers and CLIs: the tests compile far more than they run. Measured beside a zoo run (load 3-4, ratios
    # only): tests/parts/test_spectral.py 73 s -> 34 s; a DCGAN's 30-step training program compiles in 12.8 s
    # instead of 27.2 s but runs 16.9 s instead of 6.4 s, so the learning tests compile their long training at
    # XLA's default level (DEFAULT_OPTIMIZATION). A level the user set is left alone.
    if not hasattr(config, "workerinput") and "xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_backend_optimization_level=0".strip()

    import jax

    if not hasattr(config, "workerinput") and "JAX_COMPILATION_CACHE_DIR" not in os.environ:
        os.environ["JAX_COMPILATION_CACHE_DIR"] = config._jaxgan_cache = tempfile.mkdtemp(prefix="jaxgan_xla_")
        os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        jax.config.update("jax_compilation_cache_dir", os.environ["JAX_COMPILATION_CACHE_DIR"])
        jax.config.update("jax_persistent_cache_min_compile_time_secs",
                          float(os.environ.get("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", 1.0)))


def pytest_unconfigure(config):
    if getattr(config, "_jaxgan_cache", None):
        shutil.rmtree(config._jaxgan_cache, ignore_errors=True)


def write_idx(folder: pathlib.Path, split_prefix: str, images: np.ndarray, labels: np.ndarray,
              compress: bool = True) -> None:
    """Writes `images [N, H, W]` uint8 and `labels [N]` as MNIST-format IDX files."""
    folder.mkdir(parents=True, exist_ok=True)
    n, h, w = images.shape
    img = (2051).to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in (n, h, w)) + images.tobytes()
    lab = (2049).to_bytes(4, "big") + n.to_bytes(4, "big") + labels.astype(np.uint8).tobytes()
    opener = gzip.open if compress else open
    suffix = ".gz" if compress else ""
    with opener(folder / f"{split_prefix}-images-idx3-ubyte{suffix}", "wb") as f:
        f.write(img)
    with opener(folder / f"{split_prefix}-labels-idx1-ubyte{suffix}", "wb") as f:
        f.write(lab)


def shared_folder(name: str, probe: str) -> pathlib.Path:
    """`../shared/data/NAME`, or skip the test when its `probe` file is absent."""
    path = SHARED_DATA / name
    if not (path / probe).exists():
        pytest.skip(f"{name} data not found at {path}")
    return path


@pytest.fixture(scope="session")
def mnist_dir() -> pathlib.Path:
    return shared_folder("mnist", "t10k-images-idx3-ubyte.gz")


@pytest.fixture(scope="session")
def fashion_dir() -> pathlib.Path:
    return shared_folder("fashion_mnist", "train-images-idx3-ubyte.gz")


@pytest.fixture(scope="session")
def tiny_idx_dir(tmp_path_factory) -> pathlib.Path:
    """A 256-image, 10-class IDX dataset (`train` and `test`) of class-dependent blobs: no real data needed."""
    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp("tiny_idx")
    for prefix, n in (("train", 256), ("t10k", 64)):
        labels = np.arange(n) % 10
        yy, xx = np.mgrid[:28, :28]
        centres = 4 + 2 * labels
        images = np.exp(-((yy[None] - centres[:, None, None]) ** 2 + (xx[None] - 14) ** 2) / 20.0)
        images = np.clip(255 * images + rng.normal(0, 10, images.shape), 0, 255).astype(np.uint8)
        write_idx(folder, prefix, images, labels)
    return folder


def tiny_config(variant: str, data_dir: pathlib.Path | str, **overrides):
    """`variant`'s config shrunk for tests: tiny networks, batch 8, 4 steps, frequent logging/checkpoints."""
    c = configs.get_config(variant)
    c.data.name = f"idx:{data_dir}"
    c.batch_size = 8
    c.steps = 4
    c.steps_per_call = 2
    c.log_every = 2
    c.sample_every = 4
    c.num_samples = 4
    c.checkpoint_every = 2
    if "hidden" in c.generator:
        c.generator.hidden = (16, 16)
    if "hidden" in c.discriminator:
        c.discriminator.hidden = (16, 16)
    for key, value in overrides.items():
        target = c
        *path, last = key.split(".")
        for part in path:
            target = target[part]
        target[last] = value
    return c


@pytest.fixture(scope="session")
def tiny_run(tiny_idx_dir, tmp_path_factory):
    """`tiny_run(variant)` -> workdir of a `tiny_config` run of `variant`, trained once per test session."""
    from jaxgan.run import trainer

    workdirs = {}

    def get(variant: str) -> pathlib.Path:
        if variant not in workdirs:
            workdirs[variant] = tmp_path_factory.mktemp(f"run_{variant}")
            trainer.train_and_evaluate(tiny_config(variant, tiny_idx_dir), str(workdirs[variant]))
        return workdirs[variant]

    return get
