"""Does training the seeds of `jaxgan.synthetic` side by side under jax.vmap pay on this machine?

    python experiments/explore_vmap_bench.py [--seeds=3] [--num=1000] [--epochs=2] [--repeats=3]

Trains the same S classifiers (one per seed, each on its own N real MNIST digits) once vmapped and once one
after the other (`jaxgan.synthetic.train_classifiers(use_vmap=...)`), interleaved, after one untimed
warm-up of each (compilation), and prints the median seconds of each and their ratio.
"""

import argparse
import statistics
import time

import jax
import numpy as np

from jaxgan.eval import evaluator
from jaxgan.analysis import synthetic


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--num", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dataset", default="idx:../shared/data/mnist")
    args = parser.parse_args()
    train = synthetic.real_splits(args.dataset).train
    rows = np.stack([np.random.default_rng(s).permutation(train.size)[:args.num] for s in range(args.seeds)])
    images, labels = train.images[rows], train.labels[rows]
    settings = evaluator.Settings(epochs=args.epochs)
    seeds = list(range(args.seeds))
    times = {True: [], False: []}
    for i in range(args.repeats + 1):
        for use_vmap in (True, False):
            start = time.perf_counter()
            params = synthetic.train_classifiers(images, labels, seeds, 10, settings, use_vmap=use_vmap)
            jax.block_until_ready(params)
            if i:  # the first round compiles
                times[use_vmap].append(time.perf_counter() - start)
    vm, loop = statistics.median(times[True]), statistics.median(times[False])
    print(f"{args.seeds} seeds x {args.num} images x {args.epochs} epochs: vmapped {vm:.2f} s, one by one "
          f"{loop:.2f} s, ratio {loop / vm:.2f}x")


if __name__ == "__main__":
    main()
