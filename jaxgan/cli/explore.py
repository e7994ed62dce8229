"""Explore a trained label-aware generator (seed 003 section 2): class grids, class "mean" images,
interpolation, noise on latents and on class embeddings, made-up embeddings, and D's per-class accuracy.

    python -m jaxgan.explore --workdir=DIR --what=NAME[,NAME] [--out=DIR] [--step=S] [--seed=0]
    python -m jaxgan.explore --workdir=runs/gm_gan --what=all
    python -m jaxgan.explore --workdir=runs/gm_gan --what=d_accuracy --real=idx:../shared/data/mnist --test_fraction=0.2

Each figure writes `OUT/NAME.png` and `OUT/NAME.json` (what the rows show, and the numbers where some apply);
`d_accuracy` also writes `d_accuracy.md` (a table like seed 003's Table 3) and a bar chart. OUT defaults to
`WORKDIR/explore/step_S`. Stdout: one JSON line per figure (its NAME.json, with `figure` and `files`); stderr:
the files written, d_accuracy's table, warnings and errors. What each figure shows: jaxgan.analysis.explore.
"""

from __future__ import annotations

import json
import os
import sys

from absl import app, flags

from jaxgan.analysis import explore as explore_lib
from jaxgan.cli import common as cli

flags.DEFINE_string("workdir", None, "Workdir of a trained label-aware run (GM-GAN or a conditional GAN).")
flags.DEFINE_string("what", "all", f"Comma-separated among {', '.join(explore_lib.WHATS)}, or 'all'.")
flags.DEFINE_string("out", None, "Output folder (default WORKDIR/explore/step_S).")
flags.DEFINE_integer("step", None, "Checkpoint step (default: the latest).")
flags.DEFINE_integer("seed", 0, "Seed of the noise (the same noise in every figure).")
flags.DEFINE_integer("per_class", 8, "Samples per class in class_grid and fake_embeddings rows.")
flags.DEFINE_integer("steps", 10, "interpolate: images per interpolation row.")
flags.DEFINE_string("pairs", None, "interpolate: class pairs A-B,C-D (default: every class to the next).")
flags.DEFINE_string("real", None, "d_accuracy: dataset of the held-out real images (default: the run's).")
flags.DEFINE_float("test_fraction", 0.2, "d_accuracy: held-out share of a single-split dataset (as synthetic).")
flags.DEFINE_integer("fakes_per_class", 500, "d_accuracy: generated images per class (ours; seed 003's percentages "
                                             "are multiples of 0.2%, as 500 per class gives).")
FLAGS = flags.FLAGS


def report(written: list[str]) -> list[dict]:
    """One record per figure written: its JSON file's content, with `figure` (its name) and `files`."""
    records = []
    for path in written:
        if path.endswith(".json"):
            with open(path) as f:
                record = json.load(f)
            name = os.path.basename(path)[:-len(".json")]
            stem = path[:-len(".json")]
            records.append(dict(figure=name, files=[p for p in written if p.rsplit(".", 1)[0] == stem], **record))
    return records


def main(argv: list[str]) -> None:
    import jax

    from jaxgan.data import datasets as data
    from jaxgan.run import checkpoint
    from jaxgan.run import load
    from jaxgan.viz import grids

    cli.quiet(own_info=False)  # stdout: the figures' JSON lines; stderr: files written, tables, warnings, errors
    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS.workdir:
        cli.fail("--workdir is required")
    whats = explore_lib.WHATS
    what = list(whats) if FLAGS.what == "all" else [w.strip() for w in FLAGS.what.split(",") if w.strip()]
    unknown = [w for w in what if w not in whats]
    if not what or unknown:
        cli.fail(f"--what must be 'all' or names among {', '.join(whats)}, got {FLAGS.what!r}")
    for flag in ("per_class", "steps", "fakes_per_class"):
        if FLAGS[flag].value < 1:
            cli.fail(f"--{flag} must be >= 1, got {FLAGS[flag].value}")
    if not 0.0 < FLAGS.test_fraction < 1.0:
        cli.fail(f"--test_fraction must be in (0, 1), got {FLAGS.test_fraction}")
    try:
        run = load.load_run(FLAGS.workdir, FLAGS.step)
        gan, state = run.member_gan(0), run.member_state(0)  # a population's first member
        explore_lib.class_space(gan, state)  # refuses a GAN that is not label-aware before anything is written
        explore_lib.parse_pairs(FLAGS.pairs, grids.num_components(gan))
        out = FLAGS.out or os.path.join(FLAGS.workdir, "explore", f"step_{int(state.step)}")
        written = explore_lib.explore(gan, state, run.meta, what, out, jax.random.PRNGKey(FLAGS.seed),
                                      per_class=FLAGS.per_class, steps=FLAGS.steps, pairs=FLAGS.pairs,
                                      real=FLAGS.real, test_fraction=FLAGS.test_fraction,
                                      fakes_per_class=FLAGS.fakes_per_class)
    except (ValueError, OSError, data.DataError, checkpoint.CheckpointError) as e:
        cli.fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    for record in report(written):
        print(json.dumps(record))
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
        if path.endswith("d_accuracy.md"):
            with open(path) as f:
                print(f.read(), file=sys.stderr)


if __name__ == "__main__":
    app.run(main, flags_parser=cli.parse)
