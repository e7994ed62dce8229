"""Train-step throughput of variants side by side: steps/s, median of interleaved timed chunks.

    python -m benchmarks.bench_train --variants=vanilla,vanilla_g2 --batch_sizes=64,256
    python -m benchmarks.bench_train --variants=vanilla,gm_gan --data=idx:../shared/data/mnist --split=test
    python -m benchmarks.bench_train --variants=wgan,wgan_clip,wgan_gp,wgan_gp_conv --steps=20 --baseline=wgan
    python -m benchmarks.bench_train --variants=wgan_gp_conv --set=discriminator.conv_impl=lax --steps=5

Drives the engine directly (no trainer, no logging). Each run (variant x batch size) first runs one untimed
chunk of `--steps` train steps (compilation; the chunk length is static, so timed chunks reuse it), then
`--repeats` rounds in which every run times one chunk; rounds are interleaved so that load from other
processes hits all runs alike. Reports the median wall-clock steps/s and steps per CPU-second of this
process (on a shared machine wall time partly measures the neighbours), and with `--baseline` each run's
time per step relative to that variant's at the same batch size (e.g. the gradient penalty's cost).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import jax

from benchmarks.steps_per_sec import build_config
from jaxgan.data import datasets as data
from jaxgan.core import build_gan
DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                            "fashion_mnist")


def build(variant: str, batch_size: int, dataset: data.Dataset, overrides: list[str]):
    """(gan, initial state) of `variant` at `batch_size`, with `FIELD=VALUE` overrides (Python literals)."""
    config = build_config(variant, batch_size, overrides)
    gan = build_gan(config, dataset.image_shape, dataset.num_classes, dataset.size)
    return gan, gan.init(jax.random.PRNGKey(0))


def timed_chunk(gan, state, images, labels, steps: int):
    """(new state, wall seconds, process CPU seconds) of one chunk, waiting for the device to finish."""
    wall, cpu = time.perf_counter(), time.process_time()
    state, metrics = gan.jit_train_chunk(state, images, labels, steps)
    jax.block_until_ready((state, metrics))
    return state, time.perf_counter() - wall, time.process_time() - cpu


def benchmark(runs: list[tuple[str, int]], dataset: data.Dataset, steps: int, repeats: int,
              overrides: list[str]) -> dict[tuple[str, int], tuple[list[float], list[float]]]:
    """{(variant, batch): ([wall s], [CPU s]) of each timed chunk} after one untimed chunk each."""
    images, labels = data.to_device(dataset)
    built = {run: build(*run, dataset, overrides) for run in runs}
    states = {run: timed_chunk(gan, state, images, labels, steps)[0] for run, (gan, state) in built.items()}
    times = {run: ([], []) for run in runs}
    for _ in range(repeats):
        for run in runs:
            states[run], wall, cpu = timed_chunk(built[run][0], states[run], images, labels, steps)
            times[run][0].append(wall)
            times[run][1].append(cpu)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="vanilla", help="comma-separated variants")
    parser.add_argument("--batch_sizes", default="64", help="comma-separated batch sizes")
    parser.add_argument("--steps", type=int, default=100, help="train steps per timed chunk")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default=f"idx:{DEFAULT_DATA}", help="a TFDS name or idx:FOLDER")
    parser.add_argument("--split", default="train")
    parser.add_argument("--baseline", default=None, help="variant to compare each run's time per step with")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="config override applied to every variant (repeatable)")
    args = parser.parse_args()
    dataset = data.load_dataset(args.data, args.split)
    runs = [(v, int(b)) for b in args.batch_sizes.split(",") for v in args.variants.split(",")]
    print(f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}); data: {dataset.name}/{dataset.split} "
          f"({dataset.size}); {args.steps} steps per chunk, median of {args.repeats} interleaved rounds"
          + (f"; overrides {args.set}" if args.set else ""))
    times = benchmark(runs, dataset, args.steps, args.repeats, args.set)
    print(f"{'variant':<16} {'batch':>6} {'steps/s':>9} {'images/s':>9} {'steps/CPU-s':>12}"
          + (f" {'time vs ' + args.baseline + ' (wall, CPU)':>28}" if args.baseline else ""))
    for (variant, batch), (walls, cpus) in times.items():
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        line = f"{variant:<16} {batch:>6} {args.steps / wall:9.1f} {args.steps * batch / wall:9.0f} {args.steps / cpu:12.1f}"
        if args.baseline and (args.baseline, batch) in times:
            base_wall, base_cpu = (statistics.median(t) for t in times[(args.baseline, batch)])
            line += f" {f'x{wall / base_wall:.2f}, x{cpu / base_cpu:.2f}':>28}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
