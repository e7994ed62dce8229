"""RESULTS.md of a CPU suite from its RESULTS.json: groups of repeated runs, ratios as ranges, verdicts.

A group is every record of one (variant, batch, population, backend, compute dtype): one record per process,
`repeats` processes. Its rate is the median and min-max over those processes (a group of one process falls
back on its timed chunks' min-max). Ratios between groups take the range of every pairing
(`stats.Range.over`), and a target's verdict is "met"/"not met" only when that whole range is on one side
(`stats.verdict`).
"""

from __future__ import annotations

import dataclasses
import pathlib

from benchmarks.plans import POPULATION_BACKENDS, TORCH_PEERS
from benchmarks.stats import Range, fmt, verdict

# The issue's targets (issues 8 and 17), checked against the measured records.
SPEEDUP_TARGETS = {"vanilla": 1.5, "wgan_gp": 1.3, "wgan_gp_conv": 1.3, "dcgan": 1.3}  # x torch, batch 64
ROOFLINE_TARGETS = {("vanilla", 64): 0.55, ("vanilla", 256): 0.75, ("dcgan", 64): 0.75}
COMPILE_TARGET_S = 15.0
KEY = ("variant", "batch_size", "population", "backend", "compute_dtype")


def key(record: dict) -> tuple:
    return tuple(record.get(k, "float32" if k == "compute_dtype" else None) for k in KEY)


@dataclasses.dataclass
class Group:
    """The records of one measured configuration, summarised."""

    records: list[dict]

    @property
    def ok(self) -> list[dict]:
        return [r for r in self.records if "error" not in r]

    def _range(self, field: str, scale: float = 1.0) -> Range | None:
        ok = self.ok
        if len(ok) == 1 and field == "steps_per_sec" and "steps_per_sec_min" in ok[0]:
            r = ok[0]
            return Range(r[field] * scale, r["steps_per_sec_min"] * scale, r["steps_per_sec_max"] * scale, 1)
        return Range.of(r[field] * scale for r in ok if r.get(field) is not None)

    @property
    def rate(self) -> Range | None:
        """Per-model train steps per second."""
        return self._range("steps_per_sec")

    @property
    def model_rate(self) -> Range | None:
        """Model-steps per second of the whole population."""
        return self._range("steps_per_sec", scale=self.records[0].get("population", 1))

    @property
    def compile(self) -> Range | None:
        return self._range("compile_seconds")

    @property
    def roofline(self) -> Range | None:
        return self._range("roofline_fraction")

    @property
    def memory_gib(self) -> float | None:
        peaks = [r["peak_memory_bytes"] for r in self.ok if r.get("peak_memory_bytes")]
        return max(peaks) / 2 ** 30 if peaks else None

    @property
    def busy(self) -> bool:
        return any(r.get("busy") for r in self.records)

    def load(self) -> str:
        return load_range([self])

    def others(self) -> str:
        return others_max([self])


def load_range(groups: list[Group]) -> str:
    """"0.1-1.9": the lowest and highest 1-minute load average read before and after the groups' runs."""
    loads = [r[k] for g in groups for r in g.records for k in ("load_before", "load_after") if r.get(k) is not None]
    return f"{min(loads):.1f}-{max(loads):.1f}" if loads else "-"


def others_max(groups: list[Group]) -> str:
    """The most CPU (in cores) that other processes used during one of the groups' runs."""
    values = [r["others_cores"] for g in groups for r in g.records if r.get("others_cores") is not None]
    return f"{max(values):.2f}" if values else "-"


def groups(records: list[dict]) -> dict[tuple, Group]:
    out: dict[tuple, Group] = {}
    for r in records:
        out.setdefault(key(r), Group([])).records.append(r)
    return out


class Results:
    """Look-ups over a suite's groups."""

    def __init__(self, records: list[dict]):
        self.groups = groups(records)

    def get(self, variant, batch, backend, population=1, dtype="float32") -> Group | None:
        group = self.groups.get((variant, batch, population, backend, dtype))
        return group if group and group.ok else None

    def torch(self, variant: str, batch: int, mode: str) -> Group | None:
        """The PyTorch peer in `mode`; of several thread settings, the one with the best median (a user's pick)."""
        found = [g for (v, b, p, backend, _), g in self.groups.items()
                 if (v, b, p) == (variant, batch, 1) and backend.startswith(f"torch-{mode}") and g.ok]
        return max(found, key=lambda g: g.rate.median) if found else None

    def single(self, variant: str, dtype: str = "float32") -> Group | None:
        """One model at batch 64, the plain engine: the population's baseline."""
        return self.get(variant, 64, "jax", 1, dtype) or self.get(variant, 64, "jax-single", 1, dtype)

    def efficiency(self, variant: str, population: int, backend: str) -> Range | None:
        """model-steps/s of P seeds over one model's steps/s (1.0: training P at once loses nothing per model)."""
        single, pop = self.single(variant), self.get(variant, 64, f"jax-{backend}", population)
        return pop.model_rate.over(single.rate) if single and pop else None


def ratio(a: Group | None, b: Group | None) -> Range | None:
    return a.rate.over(b.rate) if a and b else None


def threads(group: Group) -> str:
    """"1 thr" for a "torch-eager-1thread" group, "all thr" for PyTorch's default."""
    suffix = group.records[0]["backend"].rsplit("-", 1)[-1]
    return f"{suffix[:-len('thread')]} thr" if suffix.endswith("thread") else "all thr"


def busy_mark(group: Group | None) -> str:
    return "**busy**" if group and group.busy else ""


# ---------------------------------------------------------------------------------------------- tables
def targets(res: Results, p: dict) -> list[str]:
    out = []

    def line(what: str, value: Range | None, goal: float, at_least: bool = True, spec: str = ".2f"):
        if value is not None:
            sign = ">=" if at_least else "<="
            v = verdict(value, goal, at_least)
            out.append(f"| {what} | {fmt(value, spec)} | {sign} {goal:g} | {'**not met**' if v == 'not met' else v} |")

    for variant, goal in SPEEDUP_TARGETS.items():
        jax_run = res.get(variant, 64, "jax")
        line(f"{variant} / PyTorch eager, batch 64", ratio(jax_run, res.torch(variant, 64, "eager")), goal)
        line(f"{variant} / torch.compile, batch 64", ratio(jax_run, res.torch(variant, 64, "compile")), goal)
    for (variant, batch), goal in ROOFLINE_TARGETS.items():
        g = res.get(variant, batch, "jax")
        line(f"{variant} roofline fraction, batch {batch}", g and g.roofline, goal)
    compiles = {(k[0], k[1]): g.compile for k, g in res.groups.items() if k[2:4] == (1, "jax") and g.ok}
    if compiles:
        verdicts = [verdict(c, COMPILE_TARGET_S, at_least=False) for c in compiles.values()]
        (v, b), worst = max(compiles.items(), key=lambda kv: kv[1].median)
        summary = ", ".join(f"{verdicts.count(x)} {x}" for x in ("met", "unclear", "not met") if verdicts.count(x))
        out.append(f"| compile <= {COMPILE_TARGET_S:g} s, every variant ({summary}; slowest {v} at batch {b}) | "
                   f"{worst.fmt('.1f')} | <= {COMPILE_TARGET_S:g} s | {verdict(worst, COMPILE_TARGET_S, False)} |")
    for variant in p["pop_variants"]:
        for population in p["populations"]:
            for backend in POPULATION_BACKENDS:
                line(f"{variant} P={population} ({backend}), model-steps/s over one model's",
                     res.efficiency(variant, population, backend), 1.0)
    return ["| target | measured: median [min-max] | goal | verdict |", "|---|---:|---|---|", *out] if out else []


def variants_table(res: Results) -> list[str]:
    lines = ["| variant | batch | jaxgan steps/s | torch eager | torch.compile | x eager | x compile | roofline | "
             f"compile s | compile <= {COMPILE_TARGET_S:g} s | torch.compile s | load 1-min | others' cores | busy |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---|"]
    for (v, b, population, backend, dtype), g in res.groups.items():
        if backend != "jax" or population != 1 or not g.ok:
            continue
        eager, comp = res.torch(v, b, "eager"), res.torch(v, b, "compile")
        peers = [x for x in (g, eager, comp) if x]
        eager_txt = f"{eager.rate.fmt()} ({threads(eager)})" if eager else ("-" if v in TORCH_PEERS else "no peer")
        lines.append(
            f"| {v}{'' if dtype == 'float32' else f' ({dtype})'} | {b} | {g.rate.fmt()} | {eager_txt} | "
            f"{fmt(comp and comp.rate)} | {fmt(ratio(g, eager), '.2f')} | {fmt(ratio(g, comp), '.2f')} | "
            f"{fmt(g.roofline, '.2f')} | {fmt(g.compile)} | {verdict(g.compile, COMPILE_TARGET_S, False)} | "
            f"{fmt(comp and comp.compile)} | {load_range(peers)} | {others_max(peers)} | "
            f"{'**busy**' if any(x.busy for x in peers) else ''} |")
    return lines


def population_table(res: Results, p: dict) -> list[str]:
    lines = ["| variant | P | backend | model-steps/s | efficiency | roofline | compile s | load 1-min | "
             "others' cores | busy |", "|---|---:|---|---:|---:|---:|---:|---|---:|---|"]
    for variant in p["pop_variants"]:
        single = res.single(variant)
        if single:
            lines.append(f"| {variant} | 1 | plain engine | {single.rate.fmt()} | 1 | {fmt(single.roofline, '.2f')} | "
                         f"{fmt(single.compile)} | {single.load()} | {single.others()} | {busy_mark(single)} |")
        for population in p["populations"]:
            for backend in POPULATION_BACKENDS:
                g = res.get(variant, 64, f"jax-{backend}", population)
                if g:
                    lines.append(f"| {variant} | {population} | {backend} | {g.model_rate.fmt()} | "
                                 f"{fmt(res.efficiency(variant, population, backend), '.2f')} | "
                                 f"{fmt(g.roofline, '.2f')} | {fmt(g.compile)} | {g.load()} | {g.others()} | "
                                 f"{busy_mark(g)} |")
    return lines


def runs_table(records: list[dict]) -> list[str]:
    """Every process, in the order it ran: the load before and after it, and others' CPU while it ran."""
    lines = ["| # | variant | batch | P | backend | round | steps/s | compile s | load before | load after | "
             "others' cores | busy |", "|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for i, r in enumerate(records, 1):
        rate = "error" if "error" in r else f"{r['steps_per_sec']:.2f}"
        comp = "-" if "error" in r else f"{r['compile_seconds']:.1f}"
        loads = [("-" if r.get(k) is None else f"{r[k]:.2f}") for k in ("load_before", "load_after", "others_cores")]
        lines.append(f"| {i} | {r['variant']} | {r['batch_size']} | {r['population']} | {r['backend']} | "
                     f"{r.get('rep', 0) + 1} | {rate} | {comp} | {' | '.join(loads)} | "
                     f"{'**busy**' if r.get('busy') else ''} |")
    return lines


def plot_population(res: Results, p: dict, path: pathlib.Path) -> bool:
    """population_scaling.png (median efficiencies); False when nothing to draw or matplotlib is absent."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    drawn = False
    for variant in p["pop_variants"]:
        for backend, style in zip(POPULATION_BACKENDS, (":^", "--s", "-o")):
            points = [(1, 1.0)] + [(n, res.efficiency(variant, n, backend)) for n in p["populations"]]
            points = [(n, e if isinstance(e, float) else e.median) for n, e in points if e is not None]
            if len(points) > 1:
                ax.plot(*zip(*points), style, label=f"{variant} ({backend})")
                drawn = True
    if not drawn:
        return False
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("population P (seeds trained at once, batch 64)")
    ax.set_ylabel("model-steps/s over one model's steps/s")
    ax.set_title("Population scaling (medians)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def render(data: dict) -> str:
    """RESULTS.md from the RESULTS.json contents."""
    records, p, meta = data["records"], data["plan"], data["meta"]
    res = Results(records)
    errors = [r for r in records if "error" in r]
    busy_runs = sum(bool(r.get("busy")) for r in records)
    if meta["allow_busy"] and meta["busy_at_start"]:
        state = (f"**The machine was busy** (load {meta['load_at_start']:.2f} at the start, over the "
                 f"{meta['busy_threshold']:.1f} limit) and `--allow-busy` was given: every row is marked busy, and "
                 "its numbers are not fit to publish.")
    elif busy_runs:
        state = f"**{busy_runs} of {len(records)} runs were measured while other processes used the CPU** (marked busy)."
    else:
        state = (f"The machine was idle: load {meta['load_at_start']:.2f} at the start (limit "
                 f"{meta['busy_threshold']:.1f}), and other processes used at most {meta['others_max']} cores "
                 "during any run.")
    lines = [
        "# Benchmark results", "",
        f"Measured with `{meta['command']}` on {meta['date']}: {meta['cpu']}, {meta['cores']} cores; jax "
        f"{meta['jax']}, torch {meta['torch']}, Python {meta['python']}; data: {meta['data']}. {state}", "",
        f"Every configuration ran in {meta['repeats']} separate processes, alternating jaxgan, PyTorch eager and "
        "torch.compile (jaxgan, eager, compile, jaxgan, ...), so that drift hits every side alike. A cell is the "
        "median over those processes and [min-max]; each process's own rate is the median of its timed chunks "
        "after compilation. A ratio's range pairs every run of one side with every run of the other. A target is "
        "met or not met only when its whole range is on one side of the goal, else unclear. A train step is n_d "
        "D updates and G's turn. Roofline = achieved matmul FLOP/s over a float32 matmul peak measured in the "
        "same process. Compile s = tracing + lowering + XLA compilation of the train chunk (jaxgan), the first "
        "step (torch.compile). Load 1-min: the load averages read before and after the runs (the suite's own "
        "process raises it); others' cores: the most CPU that other processes used during one of the runs "
        f"(over {meta['busy_threshold'] / meta['cores']:.1f} per core marks a run busy).", "",
        "## Targets", "", *targets(res, p), "",
        "## jaxgan vs PyTorch, one model", "", *variants_table(res), "",
        "## Population scaling (batch 64)", "",
        "Efficiency = model-steps/s of P seeds / one model's steps/s: 1 means training P seeds at once costs "
        "exactly P single runs.", "", *population_table(res, p), "",
    ]
    if data.get("plot"):
        lines += [f"![population scaling]({data['plot']})", ""]
    lines += ["<details><summary>Every run, in order</summary>", "", *runs_table(records), "", "</details>", ""]
    if errors:
        lines += ["## Failed runs", ""] + [f"- `{e['module']} {' '.join(e['args'])}`: {e['error']}" for e in errors]
    return "\n".join(lines) + "\n"
