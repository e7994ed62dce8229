"""Finding 7 (the project card): a sweep trained as one population costs less than the same runs one at a time.

Two real finding sweeps, each timed both ways in one process: finding 1's base arm (`vanilla`, D's dropout 0 and
0.3) and finding 4's sweep (`mmd_dcgan`, eta 0, 5, 10, 15), 3 seeds per setting. One way is one call of
`train_and_evaluate(config, workdir, seeds=3, sweeps=[sweep])` per population backend; the other is one call per
member with that member's config (its swept value, its seed) and `seeds=1`: the same members, one at a time.
Each repeat times every way once, in the reverse order of the repeat before, each in a fresh workdir (nothing
resumes). Two times per call: the whole call's wall time (data, building, compiling, every chunk, the final
samples and checkpoint: nothing excluded), and the steady rate in member-steps/s between the end of the first
chunk (so compile is excluded) and the end of the last chunk before the final hooks.

A timing means something only on an otherwise idle machine: every call records the load average before and
after it and the cores' worth of CPU other processes used meanwhile. `analyze` judges as the benchmark suite
does (`benchmarks.machine`): no verdict when the load average before the first call was above 0.5 per core, or
when other processes used more than 0.5 cores per core during any call. The load before a later call is not a
judge: it counts this finding's own previous calls (a 2-core call leaves a 1-minute average near 2).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from typing import Any, Sequence

import ml_collections

from benchmarks import machine
from experiments import provenance
from experiments.findings.finding import Finding
from experiments.findings.protocol import Context, Verdict
from jaxgan import configs

BUSY_PER_CORE = machine.BUSY_LOAD_PER_CORE  # the benchmark suite's threshold

ONE_AT_A_TIME = "one_at_a_time"
DEFAULT_BACKEND = "auto"  # what a user's population gets; the verdict compares it with one at a time


@dataclasses.dataclass(frozen=True)
class Sweep:
    """One finding's sweep: a variant, a float field and its values, `seeds` seeds per value, and the population
    backends to time (each resolved on the machine: `auto` is loop on CPU and vmap elsewhere)."""

    name: str
    variant: str
    field: str
    values: tuple[float, ...]
    seeds: int = 3
    backends: tuple[str, ...] = (DEFAULT_BACKEND,)
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)
    about: str = ""

    def config(self, plan: "Plan", data: str | None) -> ml_collections.ConfigDict:
        """The variant's recipe at the plan's length, with evaluation off (the same work both ways, but not the
        cost being compared) and `data` (a dataset name) in place of its own training data."""
        config = configs.get_config(self.variant)
        flat = {**self.overrides, **dict(plan.overrides), "steps": plan.steps, "steps_per_call": plan.chunk,
                "eval_every": 0}
        if data is not None:
            flat.update({"data.name": data, "data.offline_fallback": False})
        config.update_from_flattened_dict(flat)
        return config


@dataclasses.dataclass(frozen=True)
class Plan:
    """How long and how often: steps per member, steps per compiled chunk (the steady rate needs at least 3
    chunks), repeats of every way, and overrides for every sweep (a quick run's widths)."""

    sweeps: tuple[Sweep, ...]
    steps: int
    chunk: int
    repeats: int
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)


FULL = Plan(sweeps=(
    Sweep("vanilla_dropout", "vanilla", "discriminator.dropout", (0.0, 0.3), backends=("auto", "vmap", "map"),
          about="finding 1's base arm: D's dropout 0 and 0.3 (`vanilla`'s own)"),
    Sweep("mmd_dcgan_eta", "mmd_dcgan", "g_regularizers.mmd.weight", (0.0, 5.0, 10.0, 15.0),
          about="finding 4's sweep: eta 0, 5, 10, 15"),
), steps=200, chunk=50, repeats=3)
QUICK = Plan(sweeps=(
    Sweep("vanilla_dropout", "vanilla", "discriminator.dropout", (0.0, 0.3), seeds=1,
          about="finding 1's base arm, one seed, tiny networks"),
), steps=12, chunk=4, repeats=2, overrides={"generator.hidden": (16, 16), "discriminator.hidden": (16, 16),
                                              "batch_size": 16})


def plan(quick: bool) -> Plan:
    return QUICK if quick else FULL


def members(sweep: Sweep, config: ml_collections.ConfigDict) -> list[tuple[int, dict[str, float]]]:
    """(seed, settings) of every member of the sweep's population, in the population's own order."""
    from jaxgan.population import grid

    return [(m.seed, m.settings) for m in grid.member_grid(config, sweep.seeds, [(sweep.field, sweep.values)])]


def member_config(config: ml_collections.ConfigDict, seed: int, settings: dict[str, float]):
    """A single run's config equal to one population member: its swept value and its seed."""
    from jaxgan.population import grid

    single = grid.member_config(config, settings)
    single.seed = seed
    return single


def backends(sweep: Sweep, num_members: int) -> list[tuple[str, str]]:
    """(requested, resolved) population backends of the sweep on this machine, one per resolved backend."""
    from jaxgan.population import backends as backends_lib

    out, seen = [], set()
    for name in sweep.backends:
        resolved = backends_lib.resolve(name, num_members, None)
        if resolved not in seen:
            seen.add(resolved)
            out.append((name, resolved))
    return out


def precheck(ctx: Context, quick: bool) -> None:
    """Every population and every single member validated, its data loaded, before anything trains."""
    from jaxgan.run import validate

    p = plan(quick)
    if p.steps < 3 * p.chunk:
        raise ValueError(f"population_sweep: {p.steps} steps in chunks of {p.chunk} leave no steady chunk; "
                         "the steady rate needs at least 3 chunks")
    for sweep in p.sweeps:
        config = sweep.config(p, ctx.data)
        validate.validate(config, seeds=sweep.seeds, sweeps=[(sweep.field, sweep.values)])
        for seed, settings in members(sweep, config):
            validate.validate(member_config(config, seed, settings))
        backends(sweep, sweep.seeds * len(sweep.values))
        provenance.training_identity(config)


def chunk_clock(every: int, start: float):
    """A trainer hook that reads the clock at the end of every chunk (`every` = the chunk length, so it ends no
    chunk early), and its readings [(step, seconds since `start`)]."""
    from jaxgan.run import hooks

    ticks: list[tuple[int, float]] = []

    class Clock(hooks.Hook):
        def __call__(self, step, state, alive):
            ticks.append((step, time.perf_counter() - start))

    clock = Clock()
    clock.every = every
    return clock, ticks


def timed_call(config: ml_collections.ConfigDict, runs: str, seeds: int, sweeps, chunk: int) -> dict[str, Any]:
    """One `train_and_evaluate` call in a fresh workdir (removed after): its wall time, the time to the end of
    its first chunk (setup + compile + one chunk), its steady steps (per member) and seconds (end of the first
    chunk to the end of the last one before the final step, whose hooks write samples and a checkpoint), and its
    number of members."""
    import json

    from jaxgan.run import trainer

    os.makedirs(runs, exist_ok=True)
    path = tempfile.mkdtemp(prefix="timed-", dir=runs)
    try:
        start = time.perf_counter()
        clock, ticks = chunk_clock(chunk, start)
        trainer.train_and_evaluate(config, path, seeds=seeds, sweeps=sweeps, extra_hooks=[clock])
        wall = time.perf_counter() - start
        with open(os.path.join(path, "population.json")) as f:
            size = len(json.load(f)["members"])
    finally:
        shutil.rmtree(path, ignore_errors=True)
    (first_step, first_t), (last_step, last_t) = ticks[0], ticks[-2]
    return dict(wall_seconds=round(wall, 3), to_first_chunk_seconds=round(first_t, 3),
                steady_steps=last_step - first_step, steady_seconds=round(last_t - first_t, 3), members=size)


def measure(way: str, backend: str, sweep: Sweep, config, ctx: Context, p: Plan) -> dict[str, Any]:
    """One way of training the sweep, timed, with the machine's load and other processes' CPU around it."""
    probe = machine.Probe()
    load_before, before = provenance.load_average(), probe.snapshot()
    if way == ONE_AT_A_TIME:
        calls = []
        for seed, settings in members(sweep, config):
            single = member_config(config, seed, settings)
            calls.append(dict(seed=seed, settings=settings, **timed_call(single, ctx.runs, 1, (), p.chunk)))
        out = dict(backend=backend, calls=calls,
                   **{k: round(sum(c[k] for c in calls), 3)
                      for k in ("wall_seconds", "to_first_chunk_seconds", "steady_seconds")},
                   steady_member_steps=sum(c["steady_steps"] for c in calls))
    else:
        population = config.copy_and_resolve_references()
        population.population_backend = backend
        call = timed_call(population, ctx.runs, sweep.seeds, [(sweep.field, sweep.values)], p.chunk)
        out = dict(backend=backend, wall_seconds=call["wall_seconds"],
                   to_first_chunk_seconds=call["to_first_chunk_seconds"], steady_seconds=call["steady_seconds"],
                   steady_member_steps=call["steady_steps"] * call["members"])
    after = probe.snapshot()
    out["steady_member_steps_per_second"] = round(out["steady_member_steps"] / max(out["steady_seconds"], 1e-9), 2)
    others = probe.others_cores(before, after)
    return dict(out, load_average_before=load_before, load_average_after=provenance.load_average(),
                others_cores=None if others is None else round(others, 3))


def busy_reason(rows) -> str | None:
    """Why the rows' timings are not a measurement (None when the machine was idle), by the benchmark suite's rule:
    the load average before the first call, and other processes' CPU during every call, at most `BUSY_PER_CORE`
    per core. Rows are in the order they ran."""
    limit = BUSY_PER_CORE * rows[0]["machine"]["cores"]
    first = rows[0]["load_average_before"][0]
    if first > limit:
        return f"load average before the first call {first:.2f} > {limit:.2f}"
    others = [r["others_cores"] for r in rows if r.get("others_cores") is not None]
    if others and max(others) > limit:
        return f"other processes used up to {max(others):.2f} cores during a call > {limit:.2f}"
    return None


def run(ctx: Context, quick: bool) -> list[dict[str, Any]]:
    """Every sweep, every repeat: each population backend and the members one at a time, in alternating order;
    one row per (sweep, repeat, way)."""
    import jax

    p = plan(quick)
    common = dict(finding="population_sweep", quick=quick, steps_per_member=p.steps, steps_per_call=p.chunk,
                  machine=provenance.machine(), git=provenance.git_commit(), command=ctx.command,
                  jax=jax.__version__)
    rows = []
    for sweep in p.sweeps:
        config = sweep.config(p, ctx.data)
        n = sweep.seeds * len(sweep.values)
        ways = [(f"population:{requested}", resolved) for requested, resolved in backends(sweep, n)]
        ways.append((ONE_AT_A_TIME, "loop"))  # a single run is the loop backend with one member
        setup = dict(arm=sweep.name, variant=sweep.variant, sweep=[sweep.field, list(sweep.values)],
                     seeds=sweep.seeds, members=n, batch_size=int(config.batch_size), about=sweep.about,
                     overrides={**sweep.overrides, **p.overrides}, data=provenance.training_identity(config))
        for repeat in range(p.repeats):
            order = ways if repeat % 2 == 0 else ways[::-1]
            for position, (way, backend) in enumerate(order):
                measured = measure(way, backend, sweep, config, ctx, p)
                rows.append(dict(common, **setup, way=way, repeat=repeat, position=position, **measured,
                                 date=time.strftime("%Y-%m-%d %H:%M:%S %Z")))
                print(f"population_sweep: {sweep.name} repeat {repeat} {way} ({backend}): "
                      f"{measured['wall_seconds']:.1f} s, load {measured['load_average_before'][0]}",
                      file=sys.stderr, flush=True)
    return rows


# ------------------------------------------------------------------------------------------------ analysis
def _median_range(xs: Sequence[float], digits: int = 1) -> str:
    if not xs:
        return "n/a"
    if len(xs) == 1:
        return f"{xs[0]:.{digits}f}"
    return f"{statistics.median(xs):.{digits}f} ({min(xs):.{digits}f}-{max(xs):.{digits}f})"


def ratios(rows: Sequence[dict[str, Any]], sweep: str, way: str, key: str = "wall_seconds") -> list[float]:
    """`way`'s `key` over one at a time's, per repeat in which both were timed."""
    by = {(r["way"], r["repeat"]): r[key] for r in rows if r["arm"] == sweep}
    return [by[(way, rep)] / by[(ONE_AT_A_TIME, rep)] for (w, rep) in by
            if w == way and (ONE_AT_A_TIME, rep) in by and by[(ONE_AT_A_TIME, rep)] > 0]


def setup_line(row: dict[str, Any]) -> str:
    """What one sweep trained, in words (from its first row)."""
    field, values = row["sweep"]
    d = row["data"]
    return (f"- `{row['arm']}`: `{row['variant']}` sweeping `{field}` over {values} x {row['seeds']} seed(s) "
            f"({row['members']} members), {row['steps_per_member']} steps at batch {row['batch_size']} in chunks of "
            f"{row['steps_per_call']}, trained on `{os.path.basename(d['name'])}` ({d['split']}, {d['size']} "
            f"images){'; overrides ' + str(row['overrides']) if row['overrides'] else ''}: {row['about']}.")


def way_line(rows: Sequence[dict[str, Any]], sweep: str, way: str) -> str:
    """One table line: `way`'s timings of `sweep` over the repeats, median (min-max)."""
    rs = [r for r in rows if r["arm"] == sweep and r["way"] == way]
    others = [r["others_cores"] for r in rs if r.get("others_cores") is not None]
    ratio = "1" if way == ONE_AT_A_TIME else _median_range(ratios(rows, sweep, way), 2)
    return (f"| {sweep} | {way} ({rs[0]['backend']}) | {len(rs)} | {_median_range([r['wall_seconds'] for r in rs])} "
            f"| {ratio} | {_median_range([r['to_first_chunk_seconds'] for r in rs])} | "
            f"{_median_range([r['steady_member_steps_per_second'] for r in rs])} | "
            f"{_median_range([r['load_average_before'][0] for r in rs], 2)} | "
            f"{f'{max(others):.2f}' if others else 'n/a'} |")


def analyze(rows: Sequence[dict[str, Any]]) -> Verdict:
    if not rows:
        return Verdict("no rows", "can't tell", "")
    sweeps = list(dict.fromkeys(r["arm"] for r in rows))
    default = f"population:{DEFAULT_BACKEND}"
    lines = [setup_line(next(r for r in rows if r["arm"] == s)) for s in sweeps] + [
        "", "| sweep | way (backend) | repeats | wall s | / one at a time | to end of 1st chunk s | "
        "steady member-steps/s | load before | others' cores (max) |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    results, faster = [], {}  # faster: sweep -> in how many of its repeat pairs the population was faster
    for sweep in sweeps:
        mine = [r for r in rows if r["arm"] == sweep]
        lines += [way_line(rows, sweep, way) for way in dict.fromkeys(r["way"] for r in mine)]
        pairs = ratios(rows, sweep, default)
        if pairs:
            results.append(f"{sweep} ({mine[0]['members']} members x {mine[0]['steps_per_member']} steps): "
                           f"{_median_range(pairs, 2)}")
            faster[sweep] = (sum(x < 1 for x in pairs), len(pairs))
    m = rows[0]["machine"]
    result = "incomplete: no population and one-at-a-time pair"
    if results:
        result = ("population / one-at-a-time wall time, median (min-max) over repeats: " + "; ".join(results)
                  + f" ({m['device']}, {m['cores']} cores)")
    details = "\n".join(lines) + (
        "\n\nWall time is the whole `train_and_evaluate` call (one per member for one at a time, summed): data, "
        "building, compiling, training and the final samples and checkpoint; periodic evaluation is off. The "
        "steady rate excludes the first chunk (the compile) and the last (the final hooks). The ratio pairs each "
        "population with the members one at a time timed in the same repeat; the repeats alternate which way runs "
        "first. The timing means something only on an otherwise idle machine: a 1-minute load average above "
        f"{BUSY_PER_CORE} per core before the first call, or other processes using more than {BUSY_PER_CORE} "
        "cores per core during any call, gives no verdict. The load before a later call counts this finding's own "
        "previous calls, so it describes and does not judge.\n")
    busy = busy_reason(rows)
    if busy:
        return Verdict(result, f"measured busy: no verdict ({busy})", details)
    missing = [s for s in sweeps if s not in faster]
    if missing:
        return Verdict(result, "can't tell: no complete repeat pair for " + ", ".join(missing), details)
    if all(k == n for k, n in faster.values()):
        verdict = f"agree: the population ({default}) took less wall time than one at a time in every repeat"
    elif all(k == 0 for k, _ in faster.values()):
        verdict = f"disagree: the population ({default}) took at least as long as one at a time in every repeat"
    else:
        verdict = ("can't tell: the population was faster in " + ", ".join(
            f"{k} of {n} repeats of {s}" for s, (k, n) in faster.items()))
    return Verdict(result, verdict, details)


FINDING = Finding(
    name="population_sweep", report="the project card (README)",
    claim="a sweep trained as one population costs less than the same runs one at a time",
    scale_note="finding 1's and finding 4's sweeps (6 and 12 members) at 200 steps per member, 3 repeats (--quick: "
               "2 tiny members, 12 steps, 2 repeats), on whatever device runs it. At so short a length the setup "
               "and compile weigh most; as runs get longer the ratio moves towards the steady rates' ratio.",
    analyze=analyze, run=run, precheck=precheck, curve_metrics=(),
)
