"""Times every jaxgan.metrics metric on N real vs N fake random features (default 10k vs 10k, 128-d, 10 classes).

    python -m benchmarks.bench_metrics [--n 10000] [--dim 128] [--classes 10] [--repeats 3]

Each metric is called once to compile (reported as "first"), then `--repeats` more times; the median is reported.
Inputs are placed on the device beforehand, so host-to-device copies are not timed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan import metrics


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, process CPU seconds, result) of one call, waiting for the device to finish."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = jax.block_until_ready(fn())
    return time.perf_counter() - wall, time.process_time() - cpu, out


def bench(fn: Callable[[], Any], repeats: int) -> tuple[float, float, float, Any]:
    """(first-call wall seconds incl. compilation, median wall and CPU seconds of `repeats` later calls, result).

    CPU seconds are reported too because on a shared CPU machine wall time mostly measures the neighbours.
    """
    first, _, out = timed(fn)
    walls, cpus, _ = zip(*(timed(fn) for _ in range(repeats)))
    return first, statistics.median(walls), statistics.median(cpus), out


def fmt(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v:.4f}" for k, v in value.items())
    if isinstance(value, tuple):
        return f"{value[0]:.4f} ± {value[1]:.4f}"
    if isinstance(value, np.ndarray):
        return f"[{', '.join(f'{v:.2f}' for v in value[:4])}{', ...' if value.size > 4 else ''}]"
    return f"{value:.4f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="rows in each of the real and fake sets")
    parser.add_argument("--dim", type=int, default=128, help="feature dimension")
    parser.add_argument("--classes", type=int, default=10, help="classes for IS / accuracy probabilities")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls after the warm-up; median reported")
    args = parser.parse_args(argv)
    if min(args.n, args.dim, args.classes, args.repeats) < 1 or args.n < 10:
        parser.error("--n must be >= 10 and --dim, --classes, --repeats >= 1")

    k_real, k_fake, k_probs, k_labels = jax.random.split(jax.random.key(0), 4)
    real = jax.random.normal(k_real, (args.n, args.dim))
    fake = 1.1 * jax.random.normal(k_fake, (args.n, args.dim)) + 0.1
    probs = jax.nn.softmax(3.0 * jax.random.normal(k_probs, (args.n, args.classes)))
    labels = jax.random.randint(k_labels, (args.n,), 0, args.classes)
    jax.block_until_ready((real, fake, probs, labels))

    cases = {
        "fid (float64)": lambda: metrics.fid(real, fake),
        "fid (float32)": lambda: metrics.fid(real, fake, dtype=jnp.float32),
        "precision_recall k=3": lambda: metrics.precision_recall(real, fake, k=3),
        "density_coverage k=5": lambda: metrics.density_coverage(real, fake, k=5),
        "kid 100 x 1000": lambda: metrics.kid(real, fake, num_subsets=100, subset_size=1000),
        "inception_score": lambda: metrics.inception_score(probs, splits=10),
        "class_accuracy": lambda: metrics.class_accuracy(probs, labels),
        "per_class_accuracy": lambda: metrics.per_class_accuracy(probs, labels, args.classes),
    }
    print(f"{args.n} real vs {args.n} fake, {args.dim}-d features, {args.classes} classes; "
          f"backend={jax.default_backend()} ({jax.devices()[0].device_kind}), median of {args.repeats}")
    header = f"{'metric':<22} {'first (s)':>10} {'median (s)':>11} {'cpu (s)':>8}  value"
    print(header + "\n" + "-" * len(header))
    totals = np.zeros(3)
    for name, fn in cases.items():
        first, median, cpu, value = bench(fn, args.repeats)
        totals += (first, median, cpu)
        print(f"{name:<22} {first:>10.3f} {median:>11.3f} {cpu:>8.3f}  {fmt(value)}")
    print("-" * len(header) + f"\n{'total':<22} {totals[0]:>10.3f} {totals[1]:>11.3f} {totals[2]:>8.3f}")


if __name__ == "__main__":
    main()
