"""Train a GAN variant.

    python -m jaxgan.train --variant=NAME [--scale=cpu|seed] [--workdir=DIR] [--config.FIELD=VALUE ...]

The workdir defaults to runs/NAME (runs/NAME_SCALE with --scale); a workdir that already holds checkpoints of
the same variant resumes from the latest one. `--help` lists the variants and the fields of the chosen (or
default) config. `--scale` applies one of the variant's named recipes before the --config.* overrides: `cpu`
fits 20 minutes per member on a 2-core CPU, `seed` is its report's own setup (see jaxgan.configs.recipe);
`--variant=NAME --help` lists them with where they depart from the report.

Populations (one jitted program, see jaxgan.population), sharding and multi-host:

    python -m jaxgan.train --variant=vanilla --seeds=4                        # 4 seeds at once
    python -m jaxgan.train --variant=vanilla --sweep=optim.generator.learning_rate=1e-4,2e-4 --seeds=2
    python -m jaxgan.train --variant=vanilla --seeds=8 --mesh=pop:4,data:2     # members and batches over 8 devices
    python -m jaxgan.train --variant=vanilla --mesh=data:2 --coordinator_address=HOST:1234 --num_processes=2 \
        --process_id=0                                                       # the same command on every host
"""

from __future__ import annotations

import os
import sys

from absl import app, flags, logging
from ml_collections import config_flags

from jaxgan import configs
from jaxgan.cli import common as cli
from jaxgan.configs import fields

flags.DEFINE_string("variant", None, "Variant to train (see --help for the list).")
flags.DEFINE_enum("scale", None, list(configs.SCALES), "A named recipe of the variant (cpu: <= 20 minutes per "
                                                    "member on a 2-core CPU; seed: its report's setup, for a GPU), "
                                                    "applied before the --config.* overrides.")
flags.DEFINE_string("workdir", None, "Where logs, samples and checkpoints go (default runs/VARIANT, "
                                     "runs/VARIANT_SCALE with --scale); resumes if it holds checkpoints.")
flags.DEFINE_integer("seeds", 1, "Members per sweep setting, with seeds config.seed + i (a population).")
flags.DEFINE_multi_string("sweep", [], "FIELD=v1,v2,...: train one member per value of a float setting "
                                       "(repeatable: the grid of all sweeps, times --seeds).")
flags.DEFINE_string("mesh", "", "Device mesh pop:A,data:B (either may be left out): members spread along pop, "
                                "each batch split along data; A*B = all devices of all processes.")
flags.DEFINE_string("coordinator_address", None, "Multi-host: HOST:PORT of process 0 (or JAX_COORDINATOR_ADDRESS).")
flags.DEFINE_integer("num_processes", None, "Multi-host: number of processes (or JAX_NUM_PROCESSES).")
flags.DEFINE_integer("process_id", None, "Multi-host: this process's index (or JAX_PROCESS_ID).")
FLAGS = flags.FLAGS


def help_text(variant: str | None, scale: str | None = None) -> str:
    lines = [__doc__.strip(), "", "Variants:"]
    lines += [f"  {name:<18} {configs.describe(name)}" for name in configs.variants()]
    known = variant in configs.variants()
    if known:
        lines += ["", f"Scales of {variant} (--scale=NAME):"]
        for name, found in configs.scales(variant).items():
            overrides = " ".join(f"--config.{k}={str(v).replace(' ', '')}" for k, v in found.overrides.items())
            lines.append(f"  {name}: {found.report}; {overrides}")
            lines += [f"      departs from the report: {k}: {v}" for k, v in found.departs.items()]
            lines += [f"      not in the report (ours): {k}: {v}" for k, v in found.ours.items()]
    try:
        config = configs.get_config(variant if known else "vanilla", scale if known else None)
    except ValueError:
        config = configs.get_config(variant if known else "vanilla")
    lines += ["", f"Config fields of {config.variant} (override with --config.FIELD=VALUE):"]

    def walk(prefix, node):
        for key, value in node.items():
            if hasattr(value, "items"):
                walk(f"{prefix}{key}.", value)
            else:
                lines.extend([f"  --config.{prefix}{key}={value}", f"      {fields.describe(prefix + key)}"])
    walk("", config)
    return "\n".join(lines + ["", cli.LOGGING_NOTE])


def parse_flags(argv: list[str]) -> list[str]:
    # The variant decides which config the --config.* overrides apply to, so it is read first.
    variant, scale = cli.flag_value(argv, "variant"), cli.flag_value(argv, "scale")
    if cli.wants_help(argv):
        print(help_text(variant, scale))
        sys.exit(0)
    if variant is None:
        cli.fail(f"--variant is required; one of: {', '.join(configs.variants())}")
    try:
        config = configs.get_config(variant, scale)
    except ValueError as e:
        cli.fail(str(e))
    try:  # ml_collections applies the --config.* overrides while defining the flag
        config_flags.DEFINE_config_dict("config", config, "Variant config; override fields with --config.FIELD=VALUE.")
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        cli.fail(cli.bad_override_message(argv, e))
    rest = cli.parse(argv)
    if cli.flag_value(argv, "config.data.name") is not None:
        FLAGS.config.data.offline_fallback = False  # an explicitly named dataset never falls back
    return rest


def start_distributed() -> None:
    """Joins a multi-process run when asked to (flags or JAX_* environment variables); else does nothing."""
    address = FLAGS.coordinator_address or os.environ.get("JAX_COORDINATOR_ADDRESS")
    num = FLAGS.num_processes if FLAGS.num_processes is not None else os.environ.get("JAX_NUM_PROCESSES")
    pid = FLAGS.process_id if FLAGS.process_id is not None else os.environ.get("JAX_PROCESS_ID")
    if address is None and num is None and pid is None:
        return
    if address is None or num is None or pid is None:
        raise ValueError("multi-host needs all of --coordinator_address, --num_processes and --process_id")
    import jax

    jax.distributed.initialize(coordinator_address=address, num_processes=int(num), process_id=int(pid))


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    # imported late: flag and config errors answer before TensorFlow loads (the trainer's metric writers)
    from jaxgan import population
    from jaxgan.run import validate

    workdir = FLAGS.workdir or f"runs/{FLAGS.variant}" + (f"_{FLAGS.scale}" if FLAGS.scale else "")
    try:
        sweeps = [population.parse_sweep(spec) for spec in FLAGS.sweep]
        # Every setting answers before a multi-host run connects, any data loads or any file is written.
        validate.validate(FLAGS.config, seeds=FLAGS.seeds, sweeps=sweeps, mesh=FLAGS.mesh, workdir=workdir)
        start_distributed()
        from jaxgan.run import trainer

        trainer.train_and_evaluate(FLAGS.config, workdir, seeds=FLAGS.seeds, sweeps=sweeps, mesh=FLAGS.mesh)
    except (ValueError, FloatingPointError) as e:
        cli.fail(str(e))
    logging.info("done: %s%s", workdir, f" (scale {FLAGS.scale})" if FLAGS.scale else "")


if __name__ == "__main__":
    app.run(main, flags_parser=parse_flags)
