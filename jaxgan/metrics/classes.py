"""Classification accuracy of an evaluator network's predictions (e.g. on labelled conditional samples), and
label purity (how consistently each label maps to one class)."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.metrics.base import METRICS, MetricInputs


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


def label_purity(probs: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose argmax of `probs [n, K]` is the most common argmax among rows with their label.

    1 when each label (e.g. each mixture component) produces a single class, whichever class that is.
    """
    predicted = np.argmax(probs, axis=1)
    table = np.zeros((int(labels.max()) + 1, probs.shape[1]), np.int64)
    np.add.at(table, (labels, predicted), 1)
    return float(table.max(axis=1).sum() / len(labels))


@METRICS.register("class_accuracy", scalars=("class_accuracy",), needs=("probs", "labels", "conditional"),
                  higher_is_better=True, min_samples=1, order=5, table=("class_accuracy",))
def class_accuracy_metric(inputs: MetricInputs) -> dict[str, Any]:
    """How often the evaluator's class is the requested one: overall, and per class (None where no sample)."""
    probs, labels = inputs.probs, inputs.labels
    per_class = per_class_accuracy(probs, labels, probs.shape[1])
    return {"class_accuracy": class_accuracy(probs, labels),
            "per_class_accuracy": [None if math.isnan(a) else float(a) for a in per_class]}


@METRICS.register("label_purity", scalars=("label_purity",), needs=("probs", "labels"), higher_is_better=True,
                  min_samples=1, order=6)
def label_purity_metric(inputs: MetricInputs) -> dict[str, float]:
    """`label_purity` of the samples' evaluator classes against the labels they were drawn for."""
    return {"label_purity": label_purity(inputs.probs, inputs.labels)}
