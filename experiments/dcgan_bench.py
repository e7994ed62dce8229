"""Train steps/s at batch 100 of the DCGAN variants beside the MLP GAN, and the DCGAN with flax's convs.

    python experiments/dcgan_bench.py [--steps=5] [--repeats=3]

One process, MNIST test digits; each run compiles one chunk of `--steps` steps, then `--repeats` rounds time
one chunk of every run in turn (interleaved, so load from other processes hits all alike); prints the median
steps/s and its ratio to `vanilla`'s. "dcgan (lax convs)" is `dcgan` with `conv_impl=lax` in G and D
(`nn.Conv` / `nn.ConvTranspose` instead of patch matmuls).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchmarks.bench_train import build, timed_chunk  # noqa: E402  (the benchmark's own build and timer)

from jaxgan.data import datasets as data  # noqa: E402

RUNS = (("vanilla", "vanilla", []), ("dcgan", "dcgan", []),
        ("dcgan (lax convs)", "dcgan", ["generator.conv_impl=lax", "discriminator.conv_impl=lax"]),
        ("mmd_dcgan", "mmd_dcgan", []), ("dcgan_small", "dcgan_small", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default="idx:" + os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                               "..", "shared", "data", "mnist"))
    args = parser.parse_args()
    ds = data.load_dataset(args.data, "test")
    images, labels = data.to_device(ds)
    states, times = {}, {name: [] for name, _, _ in RUNS}
    for name, variant, overrides in RUNS:
        gan, state = build(variant, 100, ds, overrides)
        states[name] = (gan, timed_chunk(gan, state, images, labels, args.steps)[0])  # compiles
    for _ in range(args.repeats):
        for name, (gan, state) in states.items():
            state, wall, _ = timed_chunk(gan, state, images, labels, args.steps)
            states[name] = (gan, state)
            times[name].append(wall / args.steps)
    base = statistics.median(times["vanilla"])
    print("| run | batch | steps/s | time per step vs vanilla |\n|---|---|---|---|")
    for name, per_step in times.items():
        med = statistics.median(per_step)
        print(f"| {name} | 100 | {1 / med:.2f} | x{med / base:.1f} |")


if __name__ == "__main__":
    main()
