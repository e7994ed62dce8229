"""The model zoo: each variant trained at one of its named scales as one population of seeds, every member judged
on real digits it never trained on, the results committed.

    python -m experiments.zoo --variant=gm_gan [--seeds=3] [--scale=cpu|seed]   # train, judge, write results
    python -m experiments.zoo --all [--scale=cpu] [--force]    # every variant; skips those with current results
    python -m experiments.zoo --table [--table_out=README.md]  # the zoo table (markdown) from the results

A variant's recipe is its config at `--scale` (`jaxgan.configs.get_config(variant, scale)`, the config
`python -m jaxgan.train --variant=NAME --scale=SCALE` trains), plus `--config.FIELD=VALUE` overrides (with a
single `--variant` only). Its seeds train as one population through the trainer `jaxgan.train --seeds=N` uses,
in `--runs/NAME/SCALE-HASH` (ignored by git; HASH names the recipe, so a changed recipe starts afresh and an
unchanged one resumes). Each member is then evaluated as `python -m jaxgan.evaluate --num_samples=N
--reference=...` would (the evaluator of the training data, the same sampling key), against `--reference`
(default: the 10,000 real MNIST test digits), and `--results/NAME/SCALE/` gets, per member:

    member_NNN.json         the evaluation (FID, precision, recall, coverage, class accuracy, ...), which data
                            trained and which judged (name, split, size, sha256), steps, wall time, device,
                            load average before and after, the exact command, the git commit and the recipe;
                            `curve`: FID, precision, recall, coverage, classes found (and class accuracy) at
                            `CURVE_POINTS` evaluations during training, on 2,000 samples against the same reference,
                            with the monitors logged at those steps; `monitors`: each monitor's last logged value
                            (e.g. the critic's Lipschitz bound, seed 001's Figure 2)
    member_NNN_grid.png     one row per class (label-aware variants), else 64 samples
    member_NNN_losses.png   G's and D's losses and D's scores over training, and the curve (jaxgan.viz.plots)
    member_NNN_MONITOR.png  each monitor against the step (e.g. `d_lipschitz_bound`: seed 001's Figure 2)

A number is never written when the reference set is the data the GAN trained on (equal sha256s): the command
refuses, before training, with one line and exit status 2. A variant whose results were made with the recipe,
seeds, sample count and reference of this call is skipped (so `--all` picks up a part-run zoo where it
stopped), unless `--force`, which also retrains from scratch.
Seeds default to the zoo's budget (issue 18): 3 for one variant per family (`THREE_SEEDS`), 1 for the others.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import json
import math
import os
import shlex
import shutil
import sys
import time
from typing import Any

from absl import app, flags
import ml_collections
from ml_collections import config_flags

from experiments import provenance
from experiments.provenance import (CURVE_FIELDS, REPO, TEST_DIGITS, check_reference, git_commit, last_logged,
                                    load_average, machine, read_curve, training_identity)
from jaxgan import configs
from jaxgan.cli import common as cli

THREE_SEEDS = ("vanilla_diffaug", "wgan_gp_conv", "gm_gan", "mmd_dcgan", "cgan_mlp", "cgan_proj")
TABLE_BEGIN, TABLE_END = "<!-- zoo:table -->", "<!-- /zoo:table -->"  # where --table_out writes into a file
PER_CLASS = 8  # samples per row of a class grid
SAMPLE_GRID = 64  # samples of an unconditional grid
CURVE_POINTS = 10  # evaluations during training (against the reference): the metric-against-steps curve
CURVE_SAMPLES = 2000  # samples per evaluation during training
MONITOR = "monitor/"  # the prefix of the monitors' logged keys (e.g. seed 001's monitor/d_lipschitz_bound)
JUDGE_SEED = 0  # jaxgan.evaluate's default --seed: the same samples as the CLI draws


def define_flags() -> None:
    """The command's flags: defined only when it runs as a program, so that importing this module (the tests
    do) leaves absl's global flags to the jaxgan CLIs that share their names (--num_samples, --seed ...)."""
    flags.DEFINE_string("variant", None, "The variant to train and judge (see python -m jaxgan.train --help).")
    flags.DEFINE_bool("all", False, "Every registered variant in turn (skipping those whose results are current).")
    flags.DEFINE_bool("table", False, "Print the zoo table (markdown) from the results and exit.")
    flags.DEFINE_string("table_out", None, f"--table: also write it into this file, between {TABLE_BEGIN} and "
                                           f"{TABLE_END} when the file has them (a new file gets the table alone).")
    flags.DEFINE_enum("scale", "cpu", list(configs.SCALES), "The recipe's scale (cpu: <= 20 minutes per member on a "
                                                            "2-core CPU; seed: the report's setup, for a GPU).")
    flags.DEFINE_integer("seeds", None, f"Members (seeds config.seed + i). Default: 3 for {', '.join(THREE_SEEDS)}; "
                                        "1 for the other variants.")
    flags.DEFINE_string("reference", TEST_DIGITS,
                        "Real images every metric compares with (TFDS name or idx:FOLDER; never the training data).")
    flags.DEFINE_string("reference_split", None, "The reference's split (default train if it loads, else test).")
    flags.DEFINE_integer("num_samples", 5000, "Samples per member to evaluate.")
    flags.DEFINE_string("results", os.path.join(REPO, "experiments", "results", "zoo"), "Where results go (committed).")
    flags.DEFINE_string("runs", os.path.join(REPO, "runs", "zoo"), "Where training workdirs go (ignored by git).")
    flags.DEFINE_bool("force", False, "Run even when the results are current, and retrain from scratch.")
    flags.DEFINE_string("cache_dir", None, "Evaluator cache root (default $JAXGAN_CACHE or ~/.cache/jaxgan).")
    flags.DEFINE_integer("evaluator_epochs", 0, "Epochs when the evaluator must be trained (0: auto).")


FLAGS = flags.FLAGS


class ZooError(ValueError):
    """A zoo run that cannot (or must not) go ahead; one line."""


@dataclasses.dataclass(frozen=True)
class Job:
    """One variant's recipe at one scale, and its number of seeds."""

    variant: str
    scale: str
    config: ml_collections.ConfigDict
    seeds: int
    overrides: tuple[str, ...] = ()  # the --config.* flags that changed the recipe

    def config_json(self) -> dict[str, Any]:
        return json.loads(self.config.to_json())

    def recipe(self, num_samples: int, reference_sha256: str) -> dict[str, Any]:
        """What makes results current: the config trained, seeds, scale, sample count and the reference set."""
        return dict(config=self.config_json(), seeds=self.seeds, scale=self.scale, num_samples=num_samples,
                    reference_sha256=reference_sha256)

    def workdir(self, runs: str) -> str:
        """`runs/VARIANT/SCALE-sSEEDS-HASH`: HASH names the config, so another recipe never resumes this one's."""
        digest = hashlib.sha256(json.dumps(self.config_json(), sort_keys=True).encode()).hexdigest()
        return os.path.join(runs, self.variant, f"{self.scale}-s{self.seeds}-{digest[:10]}")


def with_curve(config: ml_collections.ConfigDict, num_samples: int = CURVE_SAMPLES) -> ml_collections.ConfigDict:
    """The recipe with `CURVE_POINTS` evaluations during training, each on `min(CURVE_SAMPLES, num_samples)`
    samples (unless it sets its own `eval_every`)."""
    if config.eval_every == 0:
        config = config.copy_and_resolve_references()
        config.eval_every = max(1, int(config.steps) // CURVE_POINTS)
        config.eval_num_samples = min(CURVE_SAMPLES, num_samples)
    return config




def default_seeds(variant: str) -> int:
    return 3 if variant in THREE_SEEDS else 1


# ------------------------------------------------------------------------------------------------ results
def results_dir(root: str, variant: str, scale: str) -> str:
    return os.path.join(root, variant, scale)


def read_results(folder: str) -> list[dict[str, Any]]:
    """The member JSONs in `folder`, by member index."""
    rows = []
    for path in sorted(glob.glob(os.path.join(folder, "member_*.json"))):
        with open(path) as f:
            rows.append(json.load(f))
    return sorted(rows, key=lambda r: r["member"])


def is_current(folder: str, recipe: dict[str, Any]) -> bool:
    """Whether `folder` holds one result per member, every one made with `recipe`."""
    rows = read_results(folder)
    return (len(rows) == recipe["seeds"] and [r["member"] for r in rows] == list(range(recipe["seeds"]))
            and all(r.get("recipe") == recipe for r in rows))




# ------------------------------------------------------------------------------------------------- machine






# ---------------------------------------------------------------------------------------------- one job
def load_sets(jobs: list[Job], reference_name: str, reference_split: str | None):
    """(reference Dataset, {variant: training data identity}); SameDataError as soon as a job would be judged on
    its own training data. Loads each distinct training set once; trains nothing and writes nothing."""
    from jaxgan.data import heldout
    from jaxgan.eval import evaluation

    reference = heldout.load_reference(reference_name, reference_split)
    ref_id = evaluation.data_identity(reference.describe())
    training: dict[str, dict[str, Any]] = {}
    seen: dict[tuple, dict[str, Any]] = {}
    for job in jobs:
        d = job.config.data
        key = (d.name, d.split, d.tfds_data_dir, bool(d.offline_fallback))
        if key not in seen:
            seen[key] = training_identity(job.config)
        training[job.variant] = seen[key]
        check_reference(seen[key], ref_id, job.variant)
    return reference, training


def train(job: Job, workdir: str, reference=None) -> dict[str, Any]:
    """Trains (or resumes) the job's population in `workdir`; its timing, summed over every session that trained
    it (kept in WORKDIR/zoo_timing.json, so a resumed run reports its whole training time)."""
    from jaxgan.run import checkpoint, trainer

    timing_path = os.path.join(workdir, "zoo_timing.json")
    sessions = []
    if os.path.exists(timing_path):
        with open(timing_path) as f:
            sessions = json.load(f)["sessions"]
    ckpt_dir = os.path.join(workdir, "checkpoints")
    start = 0
    if os.path.isdir(ckpt_dir):
        ckpts = checkpoint.Checkpoints(ckpt_dir)
        start = (ckpts.steps() or [0])[-1]
        ckpts.close()
    before, t0 = load_average(), time.perf_counter()
    trainer.train_and_evaluate(job.config, workdir, seeds=job.seeds, eval_reference=reference)
    wall = time.perf_counter() - t0
    if job.config.steps > start:
        sessions.append(dict(from_step=start, to_step=job.config.steps, wall_seconds=round(wall, 1),
                             load_average_before=before, load_average_after=load_average()))
        with open(timing_path, "w") as f:
            json.dump(dict(sessions=sessions), f, indent=2)
    total = sum(s["wall_seconds"] for s in sessions)
    return dict(train_wall_seconds=round(total, 1), wall_seconds_per_member=round(total / job.seeds, 1),
                sessions=sessions, load_average_before_training=sessions[0]["load_average_before"] if sessions
                else before, load_average_after_training=sessions[-1]["load_average_after"] if sessions else before)


def label_aware(gan, config: ml_collections.ConfigDict) -> bool:
    """Whether a sample's label picks what it shows: a conditional GAN, or a mixture prior's component."""
    from jaxgan.eval import evaluation
    from jaxgan.parts import latents

    return evaluation.is_conditional(gan, config) or latents.has_mixture(gan.prior)


def judge(job: Job, workdir: str, reference, num_samples: int, out_dir: str, *, cache_dir: str | None = None,
          evaluator_epochs: int = 0) -> list[dict[str, Any]]:
    """Every member's evaluation against `reference` (as `jaxgan.evaluate --reference` computes it), its grid and
    loss plot written into `out_dir`; SameDataError if a reference turns out to be the training data."""
    import jax
    import numpy as np

    from jaxgan.eval import evaluation
    from jaxgan.eval import evaluator as evaluator_lib
    from jaxgan.eval import rejection
    from jaxgan.run import load
    from jaxgan.viz import grids, images, plots

    run = load.load_run(workdir)
    trained_on = run.meta["dataset"]
    context = evaluation.Context.create(trained_on["name"], trained_on["split"], cache_dir=cache_dir,
                                        settings=evaluator_lib.Settings(epochs=evaluator_epochs),
                                        reference_set=reference)
    key = jax.random.PRNGKey(JUDGE_SEED)
    # The members differ only in their seed (a zoo population sweeps nothing): one compiled sampler serves all.
    sampler = rejection.jitted_sampler(run.member_gan(0), min(evaluation.GENERATE_BATCH, num_samples))
    results = []
    for i in range(run.size):
        gan, state, config = run.member_gan(i), run.member_state(i), run.member_config(i)
        t0 = time.perf_counter()
        result = evaluation.evaluate_state(gan, state, "", None, num_samples, key, config=config, context=context,
                                           sampler=sampler)
        result.update(evaluation.provenance(trained_on, context))
        if result["reference_is_training_data"]:  # load_sets refused this before training; never write it
            check_reference(result["training_data"], result["reference_data"], job.variant)
        stem = os.path.join(out_dir, f"member_{i:03d}")
        if label_aware(gan, config):
            grids.save_class_grid(gan, state, key, PER_CLASS, stem + "_grid.png")
        else:
            images.save_grid(np.asarray(jax.jit(gan.generate, static_argnums=2)(state, key, SAMPLE_GRID)),
                             stem + "_grid.png")
        logged = os.path.join(run.member_dir(i), "metrics.jsonl")
        losses = plots.plot_training_curves(logged, stem + "_losses.png")
        monitors = last_logged(logged, MONITOR)
        monitor_plots = plots.plot_monitor_histories(logged, out_dir, prefix=os.path.basename(stem) + "_")
        curve = read_curve(logged, extra=tuple(MONITOR + name for name in monitors))
        results.append(dict(evaluation=result, member=i, seed=run.members[i].seed, step=run.step,
                            curve=[p for p in curve if p.keys() & set(CURVE_FIELDS)],  # the evaluations' steps
                            monitors=monitors, monitor_plots=[os.path.basename(p) for p in monitor_plots],
                            eval_wall_seconds=round(time.perf_counter() - t0, 1),
                            grid=os.path.basename(stem + "_grid.png"),
                            losses=os.path.basename(losses) if losses else None))
    return results


def run_job(job: Job, reference, training: dict[str, Any], *, results: str, runs: str, num_samples: int,
            force: bool = False, command: str = "", cache_dir: str | None = None, evaluator_epochs: int = 0) -> bool:
    """Trains and judges `job` and writes its results; False (and does nothing) when they are already current."""
    from jaxgan.eval import evaluation

    ref_id = evaluation.data_identity(reference.describe())
    recipe = job.recipe(num_samples, ref_id["sha256"])
    out_dir = results_dir(results, job.variant, job.scale)
    if not force and is_current(out_dir, recipe):
        print(f"{job.variant} ({job.scale}): results in {out_dir} are current; skipped (--force reruns)",
              file=sys.stderr)
        return False
    workdir = job.workdir(runs)
    if force and os.path.isdir(workdir):
        shutil.rmtree(workdir)  # the zoo's own workdir of this recipe: retrain from scratch
    print(f"{job.variant} ({job.scale}, {job.seeds} seed(s), {job.config.steps} steps): training in {workdir}",
          file=sys.stderr)
    timing = train(job, workdir, reference)
    staging = out_dir + ".partial"  # results appear whole or not at all
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    before_eval = load_average()
    members = judge(job, workdir, reference, num_samples, staging, cache_dir=cache_dir,
                    evaluator_epochs=evaluator_epochs)
    common = dict(variant=job.variant, scale=job.scale, seeds=job.seeds, steps=int(job.config.steps),
                  batch_size=int(job.config.batch_size), workdir=shown_path(workdir),
                  command=command, git=git_commit(), machine=machine(), recipe=recipe, overrides=list(job.overrides),
                  scale_notes=configs.get_scale(job.variant, job.scale).describe(), training_data=training,
                  reference_data=ref_id, load_average_before_eval=before_eval,
                  load_average_after_eval=load_average(), date=time.strftime("%Y-%m-%d %H:%M:%S %Z"), **timing)
    for member in members:
        row = {**common, **member}
        with open(os.path.join(staging, f"member_{member['member']:03d}.json"), "w") as f:
            f.write(evaluation.to_json(row) + "\n")
        print(evaluation.to_json({k: row["evaluation"].get(k) for k in ("fid", "precision", "recall", "coverage",
                                                                        "class_accuracy")}
                                 | dict(variant=job.variant, scale=job.scale, member=member["member"])))
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(staging, out_dir)
    return True


def run_jobs(jobs: list[Job], reference_name: str, reference_split: str | None = None, **kwargs) -> list[bool]:
    """What `--variant` (one job) and `--all` (every variant) run: first every check (each recipe, and no
    reference equal to a job's training data: SameDataError), then each job in turn (`run_job`; `kwargs` are its
    keywords). Returns, per job, whether it ran (False: its results were current)."""
    from jaxgan.run import validate

    jobs = [dataclasses.replace(job, config=with_curve(job.config, kwargs["num_samples"])) for job in jobs]
    for job in jobs:  # every recipe answers before any data loads or any file is written
        validate.validate(job.config, seeds=job.seeds, workdir=job.workdir(kwargs["runs"]))
    reference, training = load_sets(jobs, reference_name, reference_split)
    return [run_job(job, reference, training[job.variant], **kwargs) for job in jobs]


def shown_path(path: str) -> str:
    """`path` relative to the repository when inside it (results stay the same on every checkout), else absolute."""
    path = os.path.abspath(path)
    return os.path.relpath(path, REPO) if path.startswith(REPO + os.sep) else path


# --------------------------------------------------------------------------------------------------- table
HEADLINE = (("fid", "FID", 1), ("precision", "precision", 3), ("recall", "recall", 3), ("coverage", "coverage", 3),
            ("class_accuracy", "class acc.", 3), ("classes_found", "classes found", 1))


def spread(values: list[float], digits: int, kind: str = "f") -> str:
    """`mean (min-max)` over seeds, or the one value, formatted `.{digits}{kind}`; "-" when no member has it."""
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return "-"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return f"{mean:.{digits}{kind}}"
    return f"{mean:.{digits}{kind}} ({min(values):.{digits}{kind}}-{max(values):.{digits}{kind}})"


def monitors_cell(rows: list[dict[str, Any]]) -> str:
    """Each monitor's last logged value (e.g. `d_lipschitz_bound 1.7e+07`), mean (min-max) over seeds; "-" for
    none (or for results written before the zoo recorded them)."""
    names = sorted({name for r in rows for name in r.get("monitors", {})})
    return "; ".join(f"{name} {spread([r.get('monitors', {}).get(name) for r in rows], 3, 'g')}"
                     for name in names) or "-"


def trained(config_json: dict[str, Any]) -> dict[str, Any]:
    """A recipe's config without the settings that do not change training (the evaluations during it)."""
    return {k: v for k, v in config_json.items() if not k.startswith("eval_")}


def table(root: str, link_from: str = REPO) -> str:
    """The zoo table (markdown): one row per registered variant and scale, from the member JSONs under `root`
    (a scale without results says "not run"; results made with another config than today's are marked stale).
    Grid links are relative to the folder `link_from`."""
    head = ["variant", "what it is", "scale", "report", "seeds", "steps", "batch", "min/member",
            *(h for _, h, _ in HEADLINE), "monitors at the end", "grid"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for variant in configs.variants():
        for scale in configs.SCALES:
            config = configs.get_config(variant, scale)
            report = configs.get_scale(variant, scale).report
            folder = results_dir(root, variant, scale)
            rows = read_results(folder)
            what = configs.describe(variant).replace("|", "/") if scale == configs.SCALES[0] else "″"
            if not rows:
                cells = [f"`{variant}`", what, scale, report, "-", str(config.steps), str(config.batch_size), "-",
                         *(["not run"] + ["-"] * len(HEADLINE)), "-"]
            else:
                stale = any(trained(r["recipe"]["config"]) != trained(json.loads(config.to_json())) for r in rows)
                grid = os.path.relpath(os.path.join(folder, rows[0]["grid"]), link_from)
                # A wall time is a timing only when nothing else ran: 1-minute load <= 1.0 before and after.
                busy = max(rows[0]["load_average_before_training"][0], rows[0]["load_average_after_training"][0])
                minutes = [r["wall_seconds_per_member"] / 60 for r in rows] if busy <= 1.0 else []
                cells = [f"`{variant}`", what, scale + (" (stale)" if stale else ""), report, str(len(rows)),
                         str(rows[0]["steps"]), str(rows[0]["batch_size"]),
                         spread(minutes[:1], 1) if minutes else f"busy (load {busy:g})",
                         *(spread([r["evaluation"].get(k) for r in rows], d) for k, _, d in HEADLINE),
                         monitors_cell(rows), f"[grid]({grid})"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_table(text: str, path: str) -> None:
    """`text` into `path`: between the table markers when the file has them, the whole file when it is new;
    ZooError for an existing file without markers (never overwritten)."""
    try:
        provenance.write_between(text, path, TABLE_BEGIN, TABLE_END)
    except ValueError as e:
        raise ZooError(str(e)) from None


# ----------------------------------------------------------------------------------------------------- CLI
def parse_flags(argv: list[str]) -> list[str]:
    """With one --variant, its config at --scale is a flag whose fields --config.FIELD=VALUE overrides."""
    variant, scale = cli.flag_value(argv, "variant"), cli.flag_value(argv, "scale") or "cpu"
    overrides = [a for a in argv[1:] if a.startswith("--config.")]
    if variant is not None and not cli.wants_help(argv):
        try:
            config = configs.get_config(variant, scale)
        except ValueError as e:
            cli.fail(str(e))
        try:
            config_flags.DEFINE_config_dict("config", config, "The recipe; override fields with --config.FIELD=VALUE.")
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            cli.fail(cli.bad_override_message(argv, e))
    elif overrides:
        cli.fail("--config.* overrides need a single --variant")
    rest = cli.parse(argv)
    if variant is not None and cli.flag_value(argv, "config.data.name") is not None:
        FLAGS.config.data.offline_fallback = False  # an explicitly named dataset never falls back (as jaxgan.train)
    return rest


def jobs_from_flags(argv: list[str]) -> list[Job]:
    if FLAGS.all:
        return [Job(v, FLAGS.scale, configs.get_config(v, FLAGS.scale), FLAGS.seeds or default_seeds(v))
                for v in configs.variants()]
    overrides = tuple(a for a in argv if a.startswith("--config."))
    return [Job(FLAGS.variant, FLAGS.scale, FLAGS.config, FLAGS.seeds or default_seeds(FLAGS.variant),
                overrides)]


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    if sum([FLAGS.table, FLAGS.all, FLAGS.variant is not None]) != 1:
        cli.fail("give exactly one of --variant=NAME, --all and --table")
    if FLAGS.table:
        try:
            text = table(FLAGS.results, os.path.dirname(os.path.abspath(FLAGS.table_out)) if FLAGS.table_out
                         else REPO)
            if FLAGS.table_out:
                write_table(text, FLAGS.table_out)
        except (ZooError, OSError) as e:
            cli.fail(str(e))
        print(text, end="")
        return
    if FLAGS.seeds is not None and FLAGS.seeds < 1:
        cli.fail(f"--seeds must be >= 1, got {FLAGS.seeds}")
    if FLAGS.num_samples < 1:
        cli.fail(f"--num_samples must be >= 1, got {FLAGS.num_samples}")
    from jaxgan import metrics
    from jaxgan.data import datasets as data
    from jaxgan.run import checkpoint

    if FLAGS.num_samples < metrics.min_samples():
        cli.fail(f"--num_samples must be >= {metrics.min_samples()}, got {FLAGS.num_samples}")
    command = shlex.join(["python", "-m", "experiments.zoo", *sys.argv[1:]])
    try:
        run_jobs(jobs_from_flags(sys.argv), FLAGS.reference, FLAGS.reference_split, results=FLAGS.results,
                 runs=FLAGS.runs, num_samples=FLAGS.num_samples, force=FLAGS.force, command=command,
                 cache_dir=FLAGS.cache_dir, evaluator_epochs=FLAGS.evaluator_epochs)
    except (ValueError, FloatingPointError, RuntimeError, data.DataError, checkpoint.CheckpointError) as e:
        cli.fail(str(e).splitlines()[0] if str(e) else type(e).__name__)


if __name__ == "__main__":
    define_flags()
    app.run(main, flags_parser=parse_flags)
