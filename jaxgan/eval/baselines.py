"""Non-GAN "generators" that calibrate the metrics: held-out real images (the floor) and a PCA-Gaussian model.

PCA-Gaussian (seed 004's GAN-vs-PCA question): fit PCA with n components to the training images (in
[-1, 1]); sample coefficients c_i ~ N(0, lambda_i) independently with the fitted variances lambda_i,
reconstruct x = mean + sum_i c_i v_i and clip to [-1, 1]. It is the best Gaussian with a rank-n covariance,
so it matches the data's first two moments (up to clipping) and nothing else: a GAN that scores no better
has not learned more than a linear model of the pixels.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.data import datasets as data
from jaxgan.eval import evaluation
from jaxgan.data import heldout
from jaxgan.eval import evaluator as evaluator_lib


class PCAModel(NamedTuple):
    mean: np.ndarray  # [D] pixel means, D = H*W*C, in [-1, 1] units
    components: np.ndarray  # [n, D] orthonormal principal directions, largest variance first
    variances: np.ndarray  # [n] variance of the data along each direction
    image_shape: tuple[int, int, int]


def fit_pca(images: np.ndarray, n_components: int) -> PCAModel:
    """PCA of `images [N, H, W, C]` (uint8 or [-1, 1]) with the top `n_components` directions.

    Eigen-decomposes the D x D pixel covariance in float64 (D = 784 here, far cheaper than an SVD of N x D).
    """
    n, *shape = images.shape
    if not 1 <= n_components <= int(np.prod(shape)):
        raise ValueError(f"n_components must be in [1, {int(np.prod(shape))}], got {n_components}")
    if n < 2:
        raise ValueError(f"PCA needs at least 2 images, got {n}")
    x = np.asarray(data.scale_images(images) if images.dtype == np.uint8 else images, np.float64).reshape(n, -1)
    mean = x.mean(axis=0)
    centred = x - mean
    cov = centred.T @ centred / (n - 1)
    eigvals, eigvecs = np.linalg.eigh(cov)  # ascending
    top = np.argsort(eigvals)[::-1][:n_components]
    return PCAModel(mean.astype(np.float32), eigvecs[:, top].T.astype(np.float32),
                    np.maximum(eigvals[top], 0.0).astype(np.float32), tuple(int(s) for s in shape))


@functools.partial(jax.jit, static_argnames=("num", "image_shape"))
def _sample(mean, components, variances, key, num: int, image_shape: tuple[int, int, int]) -> jax.Array:
    coeffs = jax.random.normal(key, (num, variances.shape[0])) * jnp.sqrt(variances)
    x = mean + jnp.matmul(coeffs, components, precision=jax.lax.Precision.HIGHEST)
    return jnp.clip(x, -1.0, 1.0).reshape(num, *image_shape)


def sample_pca(model: PCAModel, key: jax.Array, num: int) -> np.ndarray:
    """`num` images `[num, H, W, C]` in [-1, 1] from the PCA-Gaussian `model`, a pure function of `key`."""
    return np.asarray(_sample(model.mean, model.components, model.variances, key, num, model.image_shape))


def heldout_images(dataset: data.Dataset, num: int) -> tuple[np.ndarray, np.ndarray]:
    """A fixed `min(num, N)` images `[n, H, W, C]` uint8 and labels `[n]` of `dataset`: the first n of a fixed
    permutation (the same images in every run, in shuffled order like a generator's samples)."""
    order = np.random.default_rng(0).permutation(dataset.size)[:num]
    return dataset.images[order], dataset.labels[order]


BASELINES = ("real", "pca")


def evaluate_baseline(kind: str, dataset_name: str, num_samples: int, key: jax.Array, *, split: str | None = None,
                      pca_components: int = 50, cache_dir: str | None = None,
                      settings: evaluator_lib.Settings = evaluator_lib.Settings()) -> dict[str, Any]:
    """The metrics of baseline `kind` on `dataset_name`, in the same form as `evaluation.evaluate_state`.

    real: held-out real images against the fit part (the `test` split against `train`; for a single-split
    dataset, one fixed half against the other), i.e. the best score a perfect generator can get at this
    sample size. `class_accuracy` is then the evaluator's accuracy on those images.
    pca: `pca_components`-component PCA-Gaussian samples against the split a GAN trains on (`split`, default
    train or the only split), on which the PCA is fitted too.
    """
    if kind not in BASELINES:
        raise ValueError(f"unknown baseline {kind!r}; known: {', '.join(BASELINES)}")
    if kind == "real":
        fit, held = heldout.fit_and_heldout(dataset_name, heldout_fraction=0.5)
        context = evaluation.Context.create(dataset_name, cache_dir=cache_dir, settings=settings, reference_set=fit)
        images, labels = heldout_images(held, num_samples)
        out = evaluation.image_metrics(context.evaluator, context.reference, images, labels, conditional=True,
                                       key=key)
        extra = dict(heldout_split=held.split, heldout_size=held.size)
    else:
        real = heldout.load_reference(dataset_name, split)
        context = evaluation.Context.create(dataset_name, cache_dir=cache_dir, settings=settings, reference_set=real)
        model = fit_pca(real.images, pca_components)
        images = sample_pca(model, key, num_samples)
        out = evaluation.image_metrics(context.evaluator, context.reference, images, key=key)
        extra = dict(pca_components=pca_components,
                     pca_explained_variance=float(model.variances.sum() / _total_variance(real.images)))
    return {**out, "baseline": kind, **extra, **context.describe()}


def _total_variance(images: np.ndarray) -> float:
    """Sum of the per-pixel variances of `images` in [-1, 1] units (the trace of the pixel covariance)."""
    x = np.asarray(data.scale_images(images), np.float64).reshape(images.shape[0], -1)
    return float(x.var(axis=0, ddof=1).sum())
