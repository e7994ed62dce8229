"""Where a variant's train step spends its time: XLA op time of one profiled chunk, grouped by op name.

    python -m benchmarks.profile_step --variant=vanilla --batch_size=64
    python -m benchmarks.profile_step --variant=wgan_gp_conv --batch_size=256 --steps=5 --top=20

Runs the trainer's jitted chunk once to compile and warm up, then once under `jax.profiler.trace`, and
reads the trace (an XSpace protobuf, parsed with TensorFlow's `xplane_pb2`, TensorFlow being a dependency
already) instead of opening it in a profiler UI. Op names lose their numeric suffix (`ynn_fusion.33` ->
`ynn_fusion`); shares are of the summed time of the XLA ops run by the CPU thread pool.
"""

from __future__ import annotations

import collections
import pathlib
import re
import tempfile

import jax

from benchmarks import common, steps_per_sec
from jaxgan.core import build_gan
def op_times(trace_dir: str) -> collections.Counter:
    """{XLA op name without its numeric suffix: total milliseconds} from a `jax.profiler` trace folder."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    totals = collections.Counter()
    for path in pathlib.Path(trace_dir).rglob("*.xplane.pb"):
        space = xplane_pb2.XSpace()
        space.ParseFromString(path.read_bytes())
        for plane in space.planes:
            names = {k: m.name for k, m in plane.event_metadata.items()}
            for line in plane.lines:
                if not line.name.startswith("tf_XLAEigen"):  # XLA:CPU's op threads
                    continue
                for event in line.events:
                    name = names.get(event.metadata_id, "?")
                    if "ThunkExecutor" not in name and not name.startswith("end: "):
                        totals[re.sub(r"\.\d+$", "", name)] += event.duration_ps / 1e9
    return totals


def profile(variant: str, batch_size: int, steps: int = 20, data: str = "auto") -> collections.Counter:
    config = steps_per_sec.build_config(variant, batch_size, [])
    images, labels, _ = common.load_images(data)
    gan = build_gan(config, images.shape[1:], 10, images.shape[0])
    state = gan.init(jax.random.PRNGKey(config.seed))
    chunk = gan.jit_train_chunk.lower(state, images, labels, steps).compile()
    state = jax.block_until_ready(chunk(state, images, labels))[0]
    with tempfile.TemporaryDirectory() as trace_dir:
        with jax.profiler.trace(trace_dir):
            jax.block_until_ready(chunk(state, images, labels))
        return op_times(trace_dir)


def main(argv: list[str] | None = None) -> None:
    parser = common.Parser(prog="python -m benchmarks.profile_step", description=__doc__.splitlines()[0])
    parser.add_argument("--variant", required=True)
    parser.add_argument("--batch_size", type=int, required=True)
    parser.add_argument("--steps", type=int, default=20, help="train steps in the profiled chunk")
    parser.add_argument("--top", type=int, default=12, help="op names to list")
    parser.add_argument("--data", default="auto", choices=("auto", "synthetic"))
    args = parser.parse_args(argv)
    totals = profile(args.variant, args.batch_size, args.steps, args.data)
    total = sum(totals.values())
    print(f"{args.variant} at batch {args.batch_size}: {total / args.steps:.1f} ms of XLA op time per step")
    for name, ms in totals.most_common(args.top):
        print(f"{100 * ms / total:5.1f} %  {ms / args.steps:8.2f} ms/step  {name}")


if __name__ == "__main__":
    main()
