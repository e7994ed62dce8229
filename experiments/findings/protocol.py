"""How a finding trains and judges its settings: each arm (a variant with overrides, perhaps a float sweep) is one
population of seeds, evaluated during training and at its end against real digits the GAN never trained on.

Members of one population differ only in their seed and swept values. Two arms that differ in one structural
setting see identical noise and batches for equal seeds: the engine derives both from `config.seed` alone
(jaxgan.core), so every comparison here is paired by seed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from typing import Any, Callable, Mapping, Sequence

import ml_collections
from flax import traverse_util

from experiments import provenance
from jaxgan import configs

JUDGE_SEED = 0  # the sampling key of every final evaluation (jaxgan.evaluate's default --seed)
PER_CLASS = 8  # samples per row of a class grid
SAMPLE_GRID = 64  # samples of an unconditional grid


@dataclasses.dataclass(frozen=True)
class Arm:
    """One setting (or one float sweep of settings) of a finding, trained as one population of seeds."""

    name: str  # a short slug, used in file names and tables
    variant: str
    overrides: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # dotted config field -> value
    sweep: tuple[str, tuple[float, ...]] | None = None  # a float field and its values (members per value)
    about: str = ""  # what the arm is, in words

    def config(self, scale: "Scale", data: str | None = None) -> ml_collections.ConfigDict:
        """The arm's config at `scale`: the variant's default recipe, the overrides, the scale's length and
        evaluation cadence, and `data` (a dataset name) in place of the variant's training data."""
        config = configs.get_config(self.variant)
        current = traverse_util.flatten_dict(json.loads(config.to_json()), sep=".")
        shrink = {k: v for k, v in scale.overrides.items() if current.get(k) is not None}  # a part's own fields
        flat = {**self.overrides, "steps": scale.steps, "eval_every": max(1, scale.steps // scale.curve_points),
                "eval_num_samples": scale.curve_samples, **shrink}
        if data is not None:
            flat.update({"data.name": data, "data.offline_fallback": False})
        config.update_from_flattened_dict(flat)
        return config

    def settings(self) -> list[dict[str, float]]:
        return [{self.sweep[0]: v} for v in self.sweep[1]] if self.sweep else [{}]


@dataclasses.dataclass(frozen=True)
class Scale:
    """How long and how many: steps per member, seeds per setting, evaluations during training and their size,
    and the final evaluation's sample count. `overrides` apply to every arm whose config sets the field (e.g. a
    quick run's widths: `generator.hidden` shrinks an MLP and leaves a conv generator, whose `hidden` is None)."""

    steps: int
    seeds: int = 3
    curve_points: int = 10
    curve_samples: int = 2000
    num_samples: int = 5000
    overrides: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Context:
    """What a finding's run shares: where it writes, what judges it, and how it was invoked."""

    results: str  # this finding's results folder
    runs: str  # this finding's training workdirs (ignored by git)
    reference: Any  # jaxgan.data Dataset: the real digits every metric compares with
    reference_id: dict[str, Any]
    quick: bool
    command: str
    data: str | None = None  # a training dataset in place of the variants' own
    steps: int | None = None  # in place of the scale's steps (e.g. the report's length, on a GPU)
    seeds: int | None = None  # in place of the scale's seeds per setting
    cache_dir: str | None = None
    evaluator_epochs: int = 0


def workdir(ctx: Context, arm: Arm, config: ml_collections.ConfigDict, seeds: int) -> str:
    """`RUNS/ARM-sSEEDS-HASH`: HASH names the config and sweep, so a changed recipe never resumes another's."""
    recipe = dict(config=json.loads(config.to_json()), seeds=seeds, sweep=arm.sweep)
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()
    return os.path.join(ctx.runs, f"{arm.name}-s{seeds}-{digest[:10]}")


def check(ctx: Context, arms: Sequence[Arm], scale: Scale) -> list[tuple[Arm, ml_collections.ConfigDict]]:
    """Every arm's config, validated, and its training data checked against the reference, before anything
    trains or any file is written; ValueError (one line) otherwise."""
    from jaxgan.run import validate

    out = []
    for arm in arms:
        config = arm.config(scale, ctx.data)
        config.eval_evaluator_epochs = ctx.evaluator_epochs  # one evaluator for the curves and the final judge
        validate.validate(config, seeds=scale.seeds, sweeps=[arm.sweep] if arm.sweep else (),
                          workdir=workdir(ctx, arm, config, scale.seeds))
        provenance.check_reference(provenance.training_identity(config), ctx.reference_id, arm.name)
        out.append((arm, config))
    return out


def train_arm(ctx: Context, arm: Arm, config: ml_collections.ConfigDict, scale: Scale) -> tuple[str, dict]:
    """Trains (or resumes) the arm's population; (workdir, timing summed over every session that trained it)."""
    from jaxgan.run import checkpoint, trainer

    path = workdir(ctx, arm, config, scale.seeds)
    timing_path = os.path.join(path, "findings_timing.json")
    sessions = json.load(open(timing_path))["sessions"] if os.path.exists(timing_path) else []
    start = 0
    if os.path.isdir(os.path.join(path, "checkpoints")):
        ckpts = checkpoint.Checkpoints(os.path.join(path, "checkpoints"))
        start = (ckpts.steps() or [0])[-1]
        ckpts.close()
    before, t0 = provenance.load_average(), time.perf_counter()
    trainer.train_and_evaluate(config, path, seeds=scale.seeds, sweeps=[arm.sweep] if arm.sweep else (),
                               eval_reference=ctx.reference)
    if config.steps > start:
        sessions.append(dict(from_step=start, to_step=int(config.steps),
                             wall_seconds=round(time.perf_counter() - t0, 1), load_average_before=before,
                             load_average_after=provenance.load_average()))
        with open(timing_path, "w") as f:
            json.dump(dict(sessions=sessions), f, indent=2)
    return path, dict(train_wall_seconds=round(sum(s["wall_seconds"] for s in sessions), 1), sessions=sessions)


MemberAnalysis = Callable[[Context, Any, Any, ml_collections.ConfigDict], dict]  # (ctx, gan, state, config)


def judge(ctx: Context, arm: Arm, path: str, scale: Scale, extra_curve: Sequence[str] = (),
          member_analysis: MemberAnalysis | None = None) -> list[dict]:
    """Every member's final evaluation against the reference, its curve, one sample grid per setting, and
    `member_analysis`'s fields (e.g. D's per-class accuracy)."""
    import jax
    import numpy as np

    from jaxgan.eval import evaluation
    from jaxgan.eval import evaluator as evaluator_lib
    from jaxgan.parts import latents
    from jaxgan.run import load
    from jaxgan.viz import grids, images

    run = load.load_run(path)
    trained_on = run.meta["dataset"]
    context = evaluation.Context.create(trained_on["name"], trained_on["split"], cache_dir=ctx.cache_dir,
                                        settings=evaluator_lib.Settings(epochs=ctx.evaluator_epochs),
                                        reference_set=ctx.reference)
    key = jax.random.PRNGKey(JUDGE_SEED)
    rows = []
    for i in range(run.size):
        gan, state, config, member = run.member_gan(i), run.member_state(i), run.member_config(i), run.members[i]
        result = evaluation.evaluate_state(gan, state, "", None, scale.num_samples, key, config=config,
                                           context=context)
        result.update(evaluation.provenance(trained_on, context))
        provenance.check_reference(result["training_data"], result["reference_data"], arm.name)
        row = dict(arm=arm.name, variant=arm.variant, settings=dict(member.settings), seed=member.seed, member=i,
                   step=run.step, final=result,
                   curve=provenance.read_curve(os.path.join(run.member_dir(i), "metrics.jsonl"), extra=extra_curve))
        if member_analysis is not None:
            row.update(member_analysis(ctx, gan, state, config))
        if member.seed == run.config.seed:  # one grid per setting: its first seed's
            label_aware = evaluation.is_conditional(gan, config) or latents.has_mixture(gan.prior)
            png = os.path.join(ctx.results, f"grid_{setting_slug(arm, member.settings)}.png")
            if label_aware:
                grids.save_class_grid(gan, state, key, PER_CLASS, png)
            else:
                images.save_grid(np.asarray(jax.jit(gan.generate, static_argnums=2)(state, key, SAMPLE_GRID)), png)
            row["grid"] = os.path.basename(png)
        rows.append(row)
    return rows


def setting_slug(arm: Arm, settings: Mapping[str, float]) -> str:
    """`ARM` or `ARM_FIELD-VALUE` (the swept field's last part): a file-name-safe name of one setting."""
    return "_".join([arm.name] + [f"{k.split('.')[-1]}-{v:g}" for k, v in settings.items()])


def setting_label(row: Mapping[str, Any]) -> str:
    """`ARM` or `ARM, FIELD=VALUE`: how tables and legends name a row's setting."""
    return ", ".join([row["arm"]] + [f"{k.split('.')[-1]}={v:g}" for k, v in row["settings"].items()])


def run_arms(ctx: Context, finding: str, arms: Sequence[Arm], scale: Scale, extra_curve: Sequence[str] = (),
             member_analysis: MemberAnalysis | None = None) -> list[dict[str, Any]]:
    """Checks every arm, then trains and judges each in turn: one row per member, with its provenance."""
    checked = check(ctx, arms, scale)
    rows = []
    for arm, config in checked:
        path, timing = train_arm(ctx, arm, config, scale)
        common = dict(finding=finding, about=arm.about, overrides=dict(arm.overrides), sweep=arm.sweep,
                      steps=int(config.steps), batch_size=int(config.batch_size), seeds=scale.seeds,
                      members=scale.seeds * len(arm.settings()), quick=ctx.quick,
                      training_data=provenance.training_identity(config), reference_data=ctx.reference_id,
                      machine=provenance.machine(), git=provenance.git_commit(), command=ctx.command,
                      date=time.strftime("%Y-%m-%d %H:%M:%S %Z"), workdir=os.path.relpath(path, provenance.REPO),
                      **timing)
        common["wall_seconds_per_member"] = round(timing["train_wall_seconds"] / common["members"], 1)
        rows += [{**common, **row} for row in judge(ctx, arm, path, scale, extra_curve, member_analysis)]
    return rows


Analyze = Callable[[list[dict[str, Any]]], "Verdict"]


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What a finding's results say: `result` (one line of numbers), `verdict` ("agree", "disagree" or "can't
    tell at this scale", with a short why), and `details` (markdown: tables and reasoning for report.md)."""

    result: str
    verdict: str
    details: str
