"""Train-step throughput of a variant: steps/s at several batch sizes, median of repeated timed chunks.

    python benchmarks/bench_train.py --variant=vanilla --batch_sizes=64,256 --steps=200 --repeats=3

Times whole jitted chunks (one host call = `--steps` scanned steps) after a warm-up chunk that compiles,
on the data given by --data (default: Fashion-MNIST train from ../shared/data).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import jax

from jaxgan import configs, data, engine

DEFAULT_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "fashion_mnist")


def steps_per_second(variant: str, batch_size: int, steps: int, repeats: int, dataset: data.Dataset) -> list[float]:
    config = configs.get_config(variant)
    config.batch_size = batch_size
    gan = engine.build_gan(config, dataset.image_shape, dataset.num_classes, dataset.size)
    images, labels = data.to_device(dataset)
    state = gan.init(jax.random.PRNGKey(0))
    state, _ = gan.jit_train_chunk(state, images, labels, steps)  # compile + warm up
    jax.block_until_ready(state)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        state, metrics = gan.jit_train_chunk(state, images, labels, steps)
        jax.block_until_ready((state, metrics))
        rates.append(steps / (time.perf_counter() - start))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="vanilla", help="comma-separated variants")
    parser.add_argument("--batch_sizes", default="64,256")
    parser.add_argument("--steps", type=int, default=200, help="steps per timed chunk")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default=f"idx:{DEFAULT_DATA}")
    parser.add_argument("--split", default="train")
    args = parser.parse_args()
    dataset = data.load_dataset(args.data, args.split)
    print(f"device: {jax.devices()[0].device_kind}; data: {dataset.name}/{dataset.split} ({dataset.size})")
    print(f"{'variant':<16} {'batch':>6} {'median steps/s':>15} {'images/s':>10}   runs")
    for variant in args.variant.split(","):
        for batch in (int(b) for b in args.batch_sizes.split(",")):
            rates = steps_per_second(variant, batch, args.steps, args.repeats, dataset)
            med = statistics.median(rates)
            print(f"{variant:<16} {batch:>6} {med:>15.1f} {med * batch:>10.0f}   "
                  + " ".join(f"{r:.1f}" for r in rates), flush=True)


if __name__ == "__main__":
    main()
