"""Classes found: how many of the evaluator's classes the samples show, the count a collapse curve follows.

A class counts as found when the evaluator assigns it at least `FOUND_SHARE` of its fair share of the samples
(M / K for M samples and K classes): with 5,000 samples of MNIST's 10 classes, at least 100. A generator that
draws every digit about equally finds all 10; one that collapsed onto a few digits finds few, whatever their
quality. It needs no labels, so it applies to every generator.
"""

from __future__ import annotations

import numpy as np

from jaxgan.metrics.base import METRICS, MetricInputs

FOUND_SHARE = 0.2  # a class is found with >= this fraction of its fair share M / K of the samples


def class_histogram(probs: np.ndarray) -> np.ndarray:
    """The fraction of rows of `probs [M, K]` (probabilities or logits) whose argmax is each class -> `[K]`."""
    if np.ndim(probs) != 2 or np.shape(probs)[0] == 0:
        raise ValueError(f"need probs [M, K] with M > 0, got shape {np.shape(probs)}")
    counts = np.bincount(np.argmax(probs, axis=1), minlength=np.shape(probs)[1])
    return counts / counts.sum()


def classes_found(probs: np.ndarray, share: float = FOUND_SHARE) -> int:
    """Classes holding at least `share` / K of the samples' evaluator argmaxes."""
    hist = class_histogram(probs)
    return int(np.sum(hist >= share / hist.size))


@METRICS.register("classes_found", scalars=("classes_found",), needs=("probs",), higher_is_better=True,
                  min_samples=1, order=7)
def classes_found_metric(inputs: MetricInputs) -> dict[str, object]:
    """`classes_found`, and the class histogram it is read from (in the evaluation's JSON)."""
    return {"classes_found": float(classes_found(inputs.probs)),
            "class_histogram": [round(float(h), 5) for h in class_histogram(inputs.probs)]}
