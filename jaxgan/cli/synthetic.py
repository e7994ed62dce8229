"""Train classifiers on generated digits (seed 004 section 4) and report their accuracy on real test images.

    python -m jaxgan.synthetic --workdir=DIR [--fractions=0,0.25,0.5,0.75,1] [--num_train=N] [--seeds=3]
                               [--finetune=true] [--dataset=NAME] [--test_fraction=0.2] [--out=DIR]
    python -m jaxgan.synthetic --workdir=runs/gm_gan --dataset=idx:../shared/data/mnist --seeds=3

Stdout: one JSON line per fraction (test accuracy per seed, mean and spread, and after fine-tuning); stderr:
progress, the markdown table and the files written. Writes OUT/synthetic.json (every row, the splits and the
settings), OUT/synthetic.md (the table) and OUT/synthetic.png; OUT defaults to WORKDIR/synthetic/step_S.
How the training sets are mixed and the real data is cut: jaxgan.analysis.synthetic.
"""

from __future__ import annotations

import json
import os
import sys

from absl import app, flags

from jaxgan.analysis import synthetic as synthetic_lib
from jaxgan.cli import common as cli

flags.DEFINE_string("workdir", None, "Workdir of a trained label-aware run (GM-GAN or a conditional GAN).")
flags.DEFINE_string("fractions", "0,0.25,0.5,0.75,1", "Generated shares of the training set (seed 004's).")
flags.DEFINE_integer("num_train", 0, "Training-set size N (0: every real training image).")
flags.DEFINE_integer("seeds", 3, "Seeds per fraction (trained side by side).")
flags.DEFINE_bool("finetune", True, "Fine-tune each classifier on the real validation part (seed 004).")
flags.DEFINE_integer("finetune_epochs", 5, "Fine-tuning epochs over the validation part (ours).")
flags.DEFINE_float("finetune_lr", 2e-4, "Peak fine-tuning learning rate, cosine-decayed (ours).")
flags.DEFINE_integer("epochs", 0, "Classifier epochs on the mixed set (0: auto, about 150k examples).")
flags.DEFINE_string("dataset", None, "Real data (config.data.name; default: the run's).")
flags.DEFINE_float("test_fraction", 0.2, "Test share of a single-split dataset.")
flags.DEFINE_float("val_fraction", 0.1, "Validation share of the remaining real images.")
flags.DEFINE_string("out", None, "Output folder (default WORKDIR/synthetic/step_S).")
flags.DEFINE_integer("step", None, "Checkpoint step (default: the latest).")
flags.DEFINE_bool("vmap", True, "Train the seeds side by side under jax.vmap.")
FLAGS = flags.FLAGS


def parse_fractions(text: str) -> list[float]:
    """"0,0.25,1" -> [0.0, 0.25, 1.0]; ValueError unless each is a number in [0, 1]."""
    try:
        fractions = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--fractions must be comma-separated numbers in [0, 1], got {text!r}") from None
    if not fractions or any(not 0.0 <= f <= 1.0 for f in fractions):
        raise ValueError(f"--fractions must be comma-separated numbers in [0, 1], got {text!r}")
    return fractions


def check_flags() -> None:
    if not FLAGS.workdir:
        cli.fail("--workdir is required")
    for flag in ("seeds", "finetune_epochs"):
        if FLAGS[flag].value < 1:
            cli.fail(f"--{flag} must be >= 1, got {FLAGS[flag].value}")
    for flag in ("num_train", "epochs"):
        if FLAGS[flag].value < 0:
            cli.fail(f"--{flag} must be >= 0, got {FLAGS[flag].value}")
    for flag in ("test_fraction", "val_fraction"):
        if not 0.0 < FLAGS[flag].value < 1.0:
            cli.fail(f"--{flag} must be in (0, 1), got {FLAGS[flag].value}")


def main(argv: list[str]) -> None:
    from absl import logging

    from jaxgan.data import datasets as data
    from jaxgan.data import heldout
    from jaxgan.eval import evaluation
    from jaxgan.eval import evaluator as evaluator_lib
    from jaxgan.run import checkpoint
    from jaxgan.run import load
    from jaxgan.run import workdir as workdir_lib

    cli.quiet(own_info=False)  # stdout: one JSON line per fraction; stderr: progress, the table, warnings, errors
    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    check_flags()
    try:
        fractions = parse_fractions(FLAGS.fractions)
        run = load.load_run(FLAGS.workdir, FLAGS.step)
        config, gan, state = run.member_config(0), run.member_gan(0), run.member_state(0)  # a population's first
        if not evaluation.is_conditional(gan, config):
            raise ValueError("this GAN is not trained to draw a requested class, so its samples have no labels "
                             "(see jaxgan.evaluation.is_conditional)")
        meta = run.meta
        splits = synthetic_lib.real_splits(FLAGS.dataset or meta["dataset"]["name"], FLAGS.test_fraction,
                                           FLAGS.val_fraction)
        if splits.train.num_classes != gan.num_classes:
            raise ValueError(f"the real data has {splits.train.num_classes} classes, the GAN {gan.num_classes}")
        num_train = FLAGS.num_train or splits.train.size
        if num_train > splits.train.size:
            raise ValueError(f"--num_train must be <= {splits.train.size} (real training images), got {num_train}")
        trained_on = heldout.load_named(meta["dataset"]["name"], meta["dataset"]["split"])
        seen = synthetic_lib.count_shared(splits.test.images, trained_on.images)
        if seen:
            logging.warning("the generator was trained on %d of the %d test images", seen, splits.test.size)
        settings = evaluator_lib.Settings(epochs=FLAGS.epochs)
        finetune = (evaluator_lib.Settings(epochs=FLAGS.finetune_epochs, learning_rate=FLAGS.finetune_lr)
                    if FLAGS.finetune else None)
        seeds = list(range(FLAGS.seeds))
        rows = synthetic_lib.run_synthetic(gan, state, splits, fractions, num_train, seeds, settings, finetune,
                                           FLAGS.vmap, log=evaluator_lib.stderr_log)
    except (ValueError, OSError, data.DataError, checkpoint.CheckpointError) as e:
        cli.fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    step = int(state.step)
    out = FLAGS.out or os.path.join(FLAGS.workdir, "synthetic", f"step_{step}")
    os.makedirs(out, exist_ok=True)
    result = dict(step=step, seeds=seeds, num_train=num_train, rows=rows,
                  train=splits.train.describe(), val=splits.val.describe(), test=splits.test.describe(),
                  test_images_seen_by_generator=seen, classifier_epochs=settings.epochs_for(num_train),
                  finetune=None if finetune is None else dict(epochs=finetune.epochs, learning_rate=finetune.learning_rate))
    workdir_lib.write_json(os.path.join(out, "synthetic.json"), result)
    table = synthetic_lib.markdown(rows, len(seeds))
    workdir_lib.atomic_write(os.path.join(out, "synthetic.md"), table)
    synthetic_lib.plot(rows, os.path.join(out, "synthetic.png"))
    for row in rows:
        print(json.dumps(dict(step=step, num_train=num_train, **row)))
    print(table + f"wrote {out}/synthetic.json, .md, .png", file=sys.stderr)


if __name__ == "__main__":
    app.run(main, flags_parser=cli.parse)
