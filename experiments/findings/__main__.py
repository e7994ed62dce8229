"""`python -m experiments.findings --finding=NAME [--quick | --reanalyze]` and `--table`: see the package docstring.

A full run writes `--results/NAME/` (committed: results.jsonl, report.md, curves.png, grids); `--quick` (a few
minutes, CI-sized) writes under `runs/findings_quick/` unless `--results` is given. Training workdirs go to
`--runs/NAME/` and resume where they stopped. Every metric compares with `--reference` (default: the 10,000
real MNIST test digits); a reference equal to the training data is refused before anything trains.
`--reanalyze` rewrites a committed report.md from its committed rows, without training (a test checks that
every committed report is current).
"""

from __future__ import annotations

import os
import shlex
import sys

from absl import app, flags

from experiments import findings, provenance
from jaxgan.cli import common as cli

RESULTS = os.path.join(provenance.REPO, "experiments", "results", "findings")
QUICK_RESULTS = os.path.join(provenance.REPO, "runs", "findings_quick", "results")
README = os.path.join(provenance.REPO, "experiments", "README.md")

flags.DEFINE_enum("finding", None, list(findings.NAMES), "The finding to train and judge.")
flags.DEFINE_bool("quick", False, "A few minutes, CI-sized: checks the pipeline, proves nothing.")
flags.DEFINE_bool("table", False, "Print the verdict table from the committed results and exit.")
flags.DEFINE_bool("reanalyze", False, "With --finding: rewrite its committed report.md from its committed rows "
                  "(no training), after a change to its analysis.")
flags.DEFINE_string("table_out", None, "--table: also write it into this file between its markers.")
flags.DEFINE_string("results", None, f"Results root (default {os.path.relpath(RESULTS, provenance.REPO)}; "
                                     "with --quick, runs/findings_quick/results).")
flags.DEFINE_string("runs", os.path.join(provenance.REPO, "runs", "findings"), "Training workdirs (ignored by git).")
flags.DEFINE_string("reference", provenance.TEST_DIGITS, "Real images every metric compares with (never the "
                                                         "training data).")
flags.DEFINE_string("reference_split", None, "The reference's split (default train if it loads, else test).")
flags.DEFINE_string("data", None, "Train every arm on this dataset instead of its variant's own.")
flags.DEFINE_integer("steps", None, "Steps per member in place of the finding's own (e.g. the report's length).",
                     lower_bound=1)
flags.DEFINE_integer("seeds", None, "Seeds per setting in place of the finding's own.", lower_bound=1)
flags.DEFINE_string("cache_dir", None, "Evaluator cache root (default $JAXGAN_CACHE or ~/.cache/jaxgan).")
flags.DEFINE_integer("evaluator_epochs", 0, "Epochs when the evaluator must be trained (0: auto).")
FLAGS = flags.FLAGS


def main(argv: list[str]) -> None:
    from experiments.findings import report
    from experiments.findings.protocol import Context
    from jaxgan.data import datasets as data
    from jaxgan.data import heldout
    from jaxgan.eval import evaluation
    from jaxgan.run import checkpoint

    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    if FLAGS.table == (FLAGS.finding is not None):
        cli.fail("give exactly one of --finding=NAME and --table")
    root = FLAGS.results or (QUICK_RESULTS if FLAGS.quick else RESULTS)
    if FLAGS.table:
        text = report.verdict_table(findings.all_findings(), root)
        try:
            if FLAGS.table_out:
                report.write_verdict_table(text, FLAGS.table_out)
        except (ValueError, OSError) as e:
            cli.fail(str(e))
        print(text, end="")
        return
    finding = findings.get(FLAGS.finding)
    if FLAGS.reanalyze:
        try:
            text = report.rewrite_report(finding, os.path.join(root, finding.name))
        except (ValueError, OSError) as e:
            cli.fail(str(e))
        print(text.split("## Setup")[0], end="")
        return
    command = "python -m experiments.findings " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    try:
        reference = heldout.load_reference(FLAGS.reference, FLAGS.reference_split)
        results = os.path.join(root, finding.name)
        ctx = Context(results=results, runs=os.path.join(FLAGS.runs, finding.name), reference=reference,
                      reference_id=evaluation.data_identity(reference.describe()), quick=FLAGS.quick,
                      command=command, data=FLAGS.data, steps=FLAGS.steps, seeds=FLAGS.seeds,
                      cache_dir=FLAGS.cache_dir,
                      evaluator_epochs=FLAGS.evaluator_epochs)
        finding.check(ctx)  # configs, data and reference, before any file is written
        ctx.results = report.staging(results)  # the results folder is replaced only once every row exists
        rows = finding.execute(ctx)
        text = report.publish(finding, rows, ctx, results)
    except (ValueError, FloatingPointError, RuntimeError, data.DataError, checkpoint.CheckpointError) as e:
        cli.fail(str(e))
    print(text.split("## Setup")[0], end="")


if __name__ == "__main__":
    app.run(main, flags_parser=cli.parse)
