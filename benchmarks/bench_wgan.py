"""Train-step throughput of the WGAN variants at batch 64, and what the gradient penalty costs.

    python benchmarks/bench_wgan.py [--variants=wgan,wgan_clip,wgan_gp,wgan_gp_conv] [--steps=20]
                                    [--batch_size=64] [--data=/work/shared/data/fashion_mnist] [--lax_conv]

Drives the engine directly (no trainer, no logging): one untimed warm-up chunk (compilation), then 3 timed
chunks of `--steps` train steps, each one jitted `lax.scan`. A train step is n_d=5 critic updates plus one
generator update. Prints the median steps/s (wall clock, and per CPU-second of this process, since on a
shared CPU machine wall time partly measures the neighbours) and each variant's time per step relative to
`wgan` (wall and CPU): for `wgan_gp` that ratio is the gradient penalty's cost. `--lax_conv` also times
`wgan_gp_conv` with flax's `nn.Conv` instead of the default patch-matmul convolutions.
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax

from jaxgan import configs, data, engine


def time_chunks(variant: str, dataset: data.Dataset, steps: int, batch_size: int, repeats: int = 3,
                conv_impl: str | None = None) -> tuple[list[float], list[float]]:
    """(wall seconds, process CPU seconds) of `repeats` chunks of `steps` steps, after a warm-up chunk."""
    config = configs.get_config(variant)
    config.batch_size = batch_size
    if conv_impl:
        config.discriminator.conv_impl = conv_impl
    gan = engine.build_gan(config, dataset.image_shape, dataset.num_classes, dataset.size)
    state = gan.init(jax.random.PRNGKey(0))
    images, labels = data.to_device(dataset)
    # Same chunk length as the timed ones: `num_steps` is static, so another length would compile again.
    state, _ = gan.jit_train_chunk(state, images, labels, steps)
    jax.block_until_ready(state)
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        state, metrics = gan.jit_train_chunk(state, images, labels, steps)
        jax.block_until_ready((state, metrics))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--variants", default="wgan,wgan_clip,wgan_gp,wgan_gp_conv")
    parser.add_argument("--steps", type=int, default=20, help="train steps per timed chunk")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--data", default="/work/shared/data/fashion_mnist",
                        help="folder with MNIST-format IDX files (its train split is used)")
    parser.add_argument("--lax_conv", action="store_true",
                        help="also time wgan_gp_conv with flax's nn.Conv instead of patch matmuls")
    args = parser.parse_args(argv)
    dataset = data.load_idx(args.data, "train")
    print(f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}); data: {args.data} train, "
          f"{dataset.size} images; batch {args.batch_size}; {args.steps} steps per chunk, median of 3")
    print(f"{'variant':<18} {'steps/s':>8} {'D upd/s':>8} {'steps/CPU-s':>12} {'vs wgan (wall, CPU)':>20}")
    runs = [(v, None) for v in args.variants.split(",")] + ([("wgan_gp_conv", "lax")] if args.lax_conv else [])
    baseline = None
    for variant, conv_impl in runs:
        walls, cpus = time_chunks(variant, dataset, args.steps, args.batch_size, conv_impl=conv_impl)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        n_d = configs.get_config(variant).n_d
        if variant == "wgan":
            baseline = (wall, cpu)
        relative = f"x{wall / baseline[0]:.2f}, x{cpu / baseline[1]:.2f}" if baseline else "-"
        label = variant + (f"[{conv_impl}]" if conv_impl else "")
        print(f"{label:<18} {args.steps / wall:8.2f} {args.steps * n_d / wall:8.1f} {args.steps / cpu:12.2f} "
              f"{relative:>20}", flush=True)


if __name__ == "__main__":
    main()
