"""Classification accuracy of an evaluator network's predictions (e.g. on labelled conditional samples)."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np


def _check(probs, labels) -> None:
    if np.ndim(probs) != 2 or np.ndim(labels) != 1 or np.shape(probs)[0] != np.shape(labels)[0]:
        raise ValueError(f"need probs [n, K] and labels [n], got shapes {np.shape(probs)} and {np.shape(labels)}")


@jax.jit
def _correct(probs: jax.Array, labels: jax.Array) -> jax.Array:
    """1 where argmax of `probs [n, K]` equals `labels [n]`, else 0 -> `[n]` float32."""
    return (jnp.argmax(probs, axis=-1) == labels).astype(jnp.float32)


@partial(jax.jit, static_argnames=("num_classes",))
def _per_class(probs: jax.Array, labels: jax.Array, num_classes: int) -> jax.Array:
    correct = jax.ops.segment_sum(_correct(probs, labels), labels, num_segments=num_classes)
    count = jax.ops.segment_sum(jnp.ones_like(labels, jnp.float32), labels, num_segments=num_classes)
    # 0/0 -> NaN on purpose: a class with no samples has no accuracy, and 0 would read as "always wrong".
    return correct / count


def class_accuracy(probs: jax.Array | np.ndarray, labels: jax.Array | np.ndarray) -> float:
    """Fraction of rows whose argmax of `probs [n, K]` (probabilities or logits) equals `labels [n]`."""
    _check(probs, labels)
    return float(jnp.mean(_correct(jnp.asarray(probs), jnp.asarray(labels))))


def per_class_accuracy(probs: jax.Array | np.ndarray, labels: jax.Array | np.ndarray,
                       num_classes: int) -> np.ndarray:
    """Accuracy among the rows of each true class -> numpy `[num_classes]`, NaN for classes with no rows.

    Labels outside [0, num_classes) are ignored.
    """
    _check(probs, labels)
    return np.asarray(_per_class(jnp.asarray(probs), jnp.asarray(labels), num_classes))
