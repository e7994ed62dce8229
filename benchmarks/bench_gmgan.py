"""Train-step throughput of gm_gan (and its siblings) next to vanilla, on the same data and device.

    python benchmarks/bench_gmgan.py [--variants=vanilla,gm_gan] [--steps=200] [--batch_size=64] [--data=DIR]

Drives the engine directly (no trainer): one warm-up chunk per variant (compilation), then 3 rounds in
which every variant runs one timed chunk of `--steps` train steps (one jitted `lax.scan`); rounds are
interleaved so that load from other processes hits all variants alike. Prints the median steps/s per
variant. Data: the MNIST test split in IDX format (10k images).
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax

from jaxgan import configs, data, engine


def build(variant: str, dataset: data.Dataset, batch_size: int):
    """(gan, initial state) for `variant` at `batch_size`."""
    config = configs.get_config(variant)
    config.batch_size = batch_size
    gan = engine.build_gan(config, dataset.image_shape, dataset.num_classes, dataset.size)
    return gan, gan.init(jax.random.PRNGKey(0))


def timed_chunk(gan, state, images, labels, steps: int):
    """(new state, steps/s) of one chunk of `steps` train steps, waiting for the device to finish."""
    start = time.perf_counter()
    state, metrics = gan.jit_train_chunk(state, images, labels, steps)
    jax.block_until_ready((state, metrics))
    return state, steps / (time.perf_counter() - start)


def benchmark(variants: list[str], dataset: data.Dataset, steps: int, batch_size: int,
              repeats: int = 3) -> dict[str, list[float]]:
    """{variant: [steps/s of each timed chunk]} after one untimed warm-up chunk each."""
    images, labels = data.to_device(dataset)
    runs = {v: build(v, dataset, batch_size) for v in variants}
    states = {v: timed_chunk(gan, state, images, labels, steps)[0] for v, (gan, state) in runs.items()}
    rates = {v: [] for v in variants}
    for _ in range(repeats):
        for v in variants:
            states[v], rate = timed_chunk(runs[v][0], states[v], images, labels, steps)
            rates[v].append(rate)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--variants", default="vanilla,gm_gan")
    parser.add_argument("--steps", type=int, default=200, help="train steps per timed chunk")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--data", default="/work/shared/data/mnist", help="folder with MNIST-format IDX files")
    args = parser.parse_args()
    dataset = data.load_idx(args.data, "test")
    print(f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}); data: {dataset.size} images; "
          f"batch {args.batch_size}; {args.steps} steps per chunk")
    for variant, rates in benchmark(args.variants.split(","), dataset, args.steps, args.batch_size).items():
        print(f"{variant:<16} median {statistics.median(rates):8.1f} steps/s   "
              f"(chunks: {', '.join(f'{r:.1f}' for r in rates)})")


if __name__ == "__main__":
    main()
