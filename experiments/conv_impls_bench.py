"""Train steps/s of one variant with each convolution implementation, interleaved, in one process.

    python experiments/conv_impls_bench.py --variant=dcgan --impls=patches:patches,subpixel:s2d --repeats=5

`--impls` lists `G_IMPL:D_IMPL` pairs (`generator.conv_impl`, `discriminator.conv_impl`; `-` keeps the
config's, e.g. for wgan_gp_conv's MLP generator). Each run compiles one chunk of `--steps` train steps
(the trainer's jitted, scanned chunk) at the config's batch size, then `--repeats` rounds time one chunk of
every run in turn, so load from other processes hits all alike. Prints one JSON line per run (median,
min and max steps/s, each round's ratio to the first run) with the 1-minute load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchmarks.bench_train import build, timed_chunk  # noqa: E402  (the benchmark's own build and timer)

from jaxgan import configs  # noqa: E402
from jaxgan.data import datasets as data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="dcgan")
    parser.add_argument("--impls", default="patches:patches,subpixel:s2d")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", default="idx:" + os.environ.get("JAXGAN_SHARED_DATA", "/work/shared/data") + "/mnist",
                        help="an IDX folder (the test split is used)")
    args = parser.parse_args()
    ds = data.load_dataset(args.data, "test")
    images, labels = data.to_device(ds)
    batch = configs.get_config(args.variant).batch_size
    load_before = os.getloadavg()[0]
    runs = {}
    for pair in args.impls.split(","):
        g, d = pair.split(":")
        overrides = [f"generator.conv_impl={g}"] * (g != "-") + [f"discriminator.conv_impl={d}"] * (d != "-")
        gan, state = build(args.variant, batch, ds, overrides)
        runs[pair] = [gan, timed_chunk(gan, state, images, labels, args.steps)[0], []]  # compiles
    for _ in range(args.repeats):
        for run in runs.values():
            run[1], wall, _ = timed_chunk(run[0], run[1], images, labels, args.steps)
            run[2].append(args.steps / wall)
    first = next(iter(runs.values()))[2]
    for pair, (_, _, rates) in runs.items():
        print(json.dumps(dict(variant=args.variant, batch=batch, impls=pair, steps_per_sec=statistics.median(rates),
                              min=min(rates), max=max(rates),
                              ratio_to_first=[round(r / f, 3) for r, f in zip(rates, first)],
                              load_before=load_before, load_after=os.getloadavg()[0])), flush=True)


if __name__ == "__main__":
    main()
