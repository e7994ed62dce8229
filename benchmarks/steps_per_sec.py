"""Train-step throughput of one jaxgan variant (or a population of it): prints one JSON object.

    python -m benchmarks.steps_per_sec --variant=vanilla --batch_size=64
    python -m benchmarks.steps_per_sec --variant=gm_gan --batch_size=64 --population=16 --backend=map
    python -m benchmarks.steps_per_sec --variant=wgan_gp_conv --batch_size=256 --steps=20 --repeats=3
    python -m benchmarks.steps_per_sec --variant=vanilla --batch_size=64 --set=generator.hidden="(128,256)"
    python -m benchmarks.steps_per_sec --variant=dcgan --batch_size=64 --compute_dtype=float32,bfloat16 --min_seconds=1

The chunk of `--steps` train steps (one `lax.scan`, the same jitted, buffer-donating call the trainer
makes) is compiled ahead of time (`compile_seconds`: tracing + lowering + XLA compilation), run once
untimed, then timed `--repeats` times with `block_until_ready`; `steps_per_sec` is per model, the median
over repeats. `flops_per_step` counts one model's matmul FLOPs per train step (`benchmarks.flops`);
`roofline_fraction` divides the achieved matmul FLOP/s by a float32 matmul peak measured in this process.
`--population=P` > 1 trains P seeds at once through `jaxgan.population` (`--backend` auto, vmap or map;
`backend` in the JSON is the resolved one: `jax` for the plain engine, `jax-single` for a population of 1
with an explicit `--backend`, which the population machinery runs as the plain engine).
`--compute_dtype=float32,bfloat16` measures each compute dtype in turn in this one process (one JSON line
each; a GPU suite saves a process start per pair); `--min_seconds` keeps timing chunks until that much time
has been timed. `peak_memory_bytes` is the device allocator's peak (None on CPU), given only for the first
record of a process: later ones would include the earlier programs' peak.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import time
from typing import Callable

import jax
import jax.numpy as jnp
import ml_collections

from benchmarks import common, flops
from jaxgan import configs
from jaxgan.cli import common as cli
from jaxgan.core import GAN, build_gan
from jaxgan.population import population as population_lib

PEAK_SIZES = (256, 512, 1024)  # square float32 matmuls; small ones run from cache, large ones from memory
# An accelerator reaches its peak only on large products; 2e12 FLOPs per call keeps each call ~10 ms there.
ACCELERATOR_PEAK = dict(sizes=(2048, 4096, 8192), flops_per_call=2e12)
MAX_TIMED_CHUNKS = 200  # --min_seconds stops here however short the chunks


def matmul_peak_flops(sizes: tuple[int, ...] = PEAK_SIZES, flops_per_call: float = 2e9, tries: int = 3,
                      dtype: str = "float32") -> float:
    """The best matmul FLOP/s of this device in `dtype`: chains of n x n matmuls in one jitted call, best of all.

    The best (not the median) try of the best size: on a shared machine it is the least disturbed one.
    """
    best = 0.0
    for n in sizes:
        a = (jax.random.normal(jax.random.PRNGKey(0), (n, n)) / n ** 0.5).astype(dtype)
        per_call = max(1, round(flops_per_call / (2 * n ** 3)))
        chained = jax.jit(lambda x: jax.lax.fori_loop(0, per_call, lambda _, y: y @ a, x))
        x = jax.block_until_ready(chained(a))
        for _ in range(tries):
            start = time.perf_counter()
            x = jax.block_until_ready(chained(x))
            best = max(best, 2 * n ** 3 * per_call / (time.perf_counter() - start))
    return best


def apply_overrides(config: ml_collections.ConfigDict, overrides: list[str]) -> None:
    """Applies `FIELD=VALUE` overrides (dotted paths, Python literals or plain strings) in place."""
    for item in overrides:
        field, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"override {item!r} is not FIELD=VALUE")
        *path, last = field.split(".")
        target = config
        for part in path:
            target = target[part]
        if last not in target:
            raise ValueError(f"unknown config field {field!r}")
        try:
            target[last] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            target[last] = value  # a plain string


def build_config(variant: str, batch_size: int, overrides: list[str]) -> ml_collections.ConfigDict:
    config = configs.get_config(variant)
    config.batch_size = batch_size
    apply_overrides(config, overrides)
    return config


def population_chunk(config, gan: GAN, population: int, backend: str):
    """(initial stacked state, jitted chunk(state, images, labels, num_steps), resolved backend) of seeds."""
    pop = population_lib.build(config, gan.image_shape, gan.num_classes, gan.data_size, seeds=population,
                               backend=backend)
    return pop.init(), pop.jit_train_chunk, pop.backend


def time_chunks(chunk: Callable, state, images, labels, repeats: int, min_seconds: float = 0.0) -> list[float]:
    """Wall seconds of chunk calls after one untimed call (the state threads through).

    At least `repeats` calls, and more until `min_seconds` have been timed (at most MAX_TIMED_CHUNKS).
    """
    state = jax.block_until_ready(chunk(state, images, labels))[0]
    seconds = []
    while len(seconds) < repeats or (sum(seconds) < min_seconds and len(seconds) < MAX_TIMED_CHUNKS):
        start = time.perf_counter()
        state = jax.block_until_ready(chunk(state, images, labels))[0]
        seconds.append(time.perf_counter() - start)
    return seconds


def peak_memory_bytes() -> int | None:
    """The device allocator's peak bytes in use in this process (None where the backend keeps no stats: CPU)."""
    stats = jax.devices()[0].memory_stats() if jax.default_backend() != "cpu" else None
    return int(stats["peak_bytes_in_use"]) if stats and "peak_bytes_in_use" in stats else None


def device_name() -> str:
    """"cpu: AMD EPYC", "gpu: NVIDIA H200"."""
    device = jax.devices()[0]
    return f"{device.platform}: {common.cpu_model() if device.platform == 'cpu' else device.device_kind}"


def benchmark(variant: str, batch_size: int, population: int = 1, steps: int = 50, repeats: int = 5,
              backend: str = "auto", data: str = "auto", overrides: tuple[str, ...] = (),
              min_seconds: float = 0.0) -> dict:
    """The JSON record (see `benchmarks.common.KEYS`) of one variant at one batch size and population."""
    config = build_config(variant, batch_size, list(overrides))
    images_np, labels_np, data_name = common.load_images(data)
    gan = build_gan(config, images_np.shape[1:], 10, images_np.shape[0])
    images, labels = jax.device_put(images_np), jax.device_put(labels_np.astype(jnp.int32))
    single = gan.init(jax.random.PRNGKey(config.seed))
    flops_per_step = flops.count_flops(gan.train_step, single, images, labels)
    start = time.perf_counter()
    if population == 1 and backend == "auto":
        state, jitted, backend_name = single, gan.jit_train_chunk, "jax"
    else:
        state, jitted, resolved = population_chunk(config, gan, population, backend)
        backend_name = f"jax-{resolved}"
    if hasattr(jitted, "lower"):  # one jitted program: compiled ahead of time
        chunk = jitted.lower(state, images, labels, steps).compile()
        compile_seconds = time.perf_counter() - start
        seconds = time_chunks(chunk, state, images, labels, repeats, min_seconds)
    else:  # a host loop over compiled programs (the population's loop backend): compiled on its first call
        chunk = lambda state, images, labels: jitted(state, images, labels, steps)
        seconds = time_chunks(chunk, state, images, labels, repeats, min_seconds)
        compile_seconds = time.perf_counter() - start - sum(seconds) - statistics.median(seconds)
    peak = ACCELERATOR_PEAK if jax.default_backend() != "cpu" else {}
    return common.record(
        variant=variant, batch_size=batch_size, population=population, backend=backend_name,
        compute_dtype=config.get("compute_dtype", "float32"), chunk_seconds=seconds, steps=steps,
        compile_seconds=compile_seconds, device=device_name(), flops_per_step=flops_per_step,
        peak_flops=matmul_peak_flops(dtype=config.get("compute_dtype", "float32"), **peak),
        peak_memory_bytes=peak_memory_bytes(), data=data_name)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = common.Parser(prog="python -m benchmarks.steps_per_sec", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", required=True, help=f"one of: {', '.join(configs.variants())}")
    parser.add_argument("--batch_size", type=int, required=True)
    parser.add_argument("--population", type=int, default=1, help="seeds trained at once (1 = the plain engine)")
    parser.add_argument("--steps", type=int, default=50, help="train steps per timed chunk")
    parser.add_argument("--repeats", type=int, default=5, help="timed chunks; steps_per_sec is their median")
    parser.add_argument("--min_seconds", type=float, default=0.0,
                        help="keep timing chunks (beyond --repeats) until this many seconds are timed")
    parser.add_argument("--compute_dtype", default=None,
                        help="comma-separated compute dtypes, each measured in turn (default: the config's)")
    parser.add_argument("--backend", default="auto", choices=population_lib.backends_lib.backend_names(),
                        help="population backend (with --population > 1)")
    parser.add_argument("--data", default="auto", choices=("auto", "synthetic"),
                        help="auto: the shared MNIST test digits when present, else synthetic images")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="config override, e.g. --set=generator.hidden=(128,256) (repeatable)")
    args = parser.parse_args(argv)
    if args.variant not in configs.variants():
        cli.fail(f"unknown variant {args.variant!r}; one of: {', '.join(configs.variants())}")
    for name in ("batch_size", "population", "steps", "repeats"):
        if getattr(args, name) < 1:
            cli.fail(f"--{name} must be >= 1, got {getattr(args, name)}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    dtypes = args.compute_dtype.split(",") if args.compute_dtype else [None]
    for i, dtype in enumerate(dtypes):
        overrides = (*args.set, f"compute_dtype={dtype}") if dtype else tuple(args.set)
        try:
            result = benchmark(args.variant, args.batch_size, args.population, args.steps, args.repeats,
                               args.backend, args.data, overrides, args.min_seconds)
        except (KeyError, ValueError) as e:
            cli.fail(str(e).strip("'\""))
        if i:  # the allocator's peak covers every program this process ran so far
            result["peak_memory_bytes"] = None
        common.emit(result)


if __name__ == "__main__":
    main()
