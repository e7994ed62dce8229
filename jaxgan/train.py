"""Train a GAN variant.

    python -m jaxgan.train --variant=NAME [--workdir=DIR] [--config.FIELD=VALUE ...]

The workdir defaults to runs/NAME; a workdir that already holds checkpoints of the same variant resumes
from the latest one. `--help` lists the variants and the fields of the chosen (or default) config.
"""

from __future__ import annotations

import sys

from absl import app, flags, logging
from ml_collections import config_flags

from jaxgan import cli, configs
from jaxgan.configs import fields

flags.DEFINE_string("variant", None, "Variant to train (see --help for the list).")
flags.DEFINE_string("workdir", None, "Where logs, samples and checkpoints go (default runs/VARIANT); resumes if "
                                     "it holds checkpoints.")
FLAGS = flags.FLAGS


def help_text(variant: str | None) -> str:
    lines = [__doc__.strip(), "", "Variants:"]
    lines += [f"  {name:<18} {configs.describe(name)}" for name in configs.variants()]
    config = configs.get_config(variant) if variant in configs.variants() else configs.get_config("vanilla")
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
    variant = cli.flag_value(argv, "variant")
    if cli.wants_help(argv):
        print(help_text(variant))
        sys.exit(0)
    if variant is None:
        cli.fail(f"--variant is required; one of: {', '.join(configs.variants())}")
    try:
        config = configs.get_config(variant)
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


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    from jaxgan import trainer  # imported late so that flag errors answer before TensorFlow loads

    workdir = FLAGS.workdir or f"runs/{FLAGS.variant}"
    try:
        trainer.train_and_evaluate(FLAGS.config, workdir)
    except (ValueError, FloatingPointError) as e:
        cli.fail(str(e))
    logging.info("done: %s", workdir)


if __name__ == "__main__":
    app.run(main, flags_parser=parse_flags)
