"""The benchmark suite: every variant beside its PyTorch peer, population scaling; writes RESULTS.md.

    python -m benchmarks.run                         # the full suite (~25 min on this 2-core CPU)
    python -m benchmarks.run --quick                 # a few minutes: vanilla and wgan_gp, batch 64, P = 1, 4
    python -m benchmarks.run --sections=population   # re-run one section, keep the other's records

Each measurement is its own process (`benchmarks.steps_per_sec`, `benchmarks.torch_reference`: one JSON
record each), so compile times are cold and the two frameworks never share a thread pool. Sections:
`variants`: every variant at each batch size, each JAX run followed at once by its PyTorch peers (eager
with PyTorch's default threads and with 1 thread, then torch.compile with whichever was faster), so that
machine drift hits both sides alike; `population`: P seeds of `vanilla` and `gm_gan` with the vmap and map
backends, P = 1 being the plain engine's run from `variants`. Writes RESULTS.json (all records),
RESULTS.md (tables, ratios, targets) and population_scaling.png into `--out_dir`.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

from benchmarks import common

HERE = pathlib.Path(__file__).resolve().parent
TORCH_PEERS = ("vanilla", "wgan_gp", "wgan_gp_conv", "dcgan")
POPULATION_VARIANTS = ("vanilla", "gm_gan")
SECTIONS = ("variants", "population")
POPULATION_BACKENDS = ("vmap", "map", "loop")  # jaxgan.population's backends ("auto" picks one of them)
# The issue's targets (issue 8, item 6), checked against the measured records.
SPEEDUP_TARGETS = {"vanilla": 1.5, "wgan_gp": 1.3, "wgan_gp_conv": 1.3, "dcgan": 1.3}
ROOFLINE_TARGETS = {64: 0.55, 256: 0.75}  # the MLP GAN (vanilla)
COMPILE_TARGET_S = 15.0


def plan(quick: bool) -> dict:
    """What to run: variants, batch sizes, populations, and how long each chunk is."""
    from jaxgan import configs

    if quick:
        return dict(variants=["vanilla"], batch_sizes=[64], populations=[4], pop_variants=["vanilla"],
                    torch_compile=False, steps=10, repeats=3, pop_repeats=3)
    return dict(variants=configs.variants(), batch_sizes=[64, 256], populations=[4, 16, 64],
                pop_variants=list(POPULATION_VARIANTS), torch_compile=True, steps=20, repeats=5, pop_repeats=3,
                torch_compile_batch_sizes=[64])


def chunk_steps(variant: str, batch_size: int, population: int, base: int) -> int:
    """Train steps per timed chunk: about the same work per chunk whatever the batch, n_d or population."""
    from jaxgan import configs

    n_d = configs.get_config(variant).n_d
    return max(2, round(base * 64 / batch_size / n_d / population))


def measure(module: str, args: list[str], log) -> dict:
    """Runs one benchmark process; its JSON record, or {"error": last stderr line} when it failed."""
    cmd = [sys.executable, "-m", module, *args]
    print("$ " + " ".join(cmd[1:]), file=log, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
    log.write(proc.stderr[-2000:])
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        opts = dict(a[2:].split("=", 1) for a in args)
        population = int(opts.get("population", 1))
        if module.endswith("steps_per_sec"):
            backend = ("jax" if "backend" not in opts else "jax-single" if population == 1
                       else f"jax-{opts['backend']}")
        else:
            backend = f"torch-{opts['mode']}" + (f"-{opts['threads']}thread" if opts.get("threads", "0") != "0" else "")
        return {"error": reason, "module": module, "args": args, "variant": opts["variant"],
                "batch_size": int(opts["batch_size"]), "population": population, "backend": backend}
    return json.loads(lines[-1])


def run_variants(p: dict, log, add) -> None:
    have_torch = _torch_available()
    for batch in p["batch_sizes"]:
        for variant in p["variants"]:
            steps = chunk_steps(variant, batch, 1, p["steps"])
            common_args = [f"--variant={variant}", f"--batch_size={batch}", f"--steps={steps}",
                           f"--repeats={p['repeats']}"]
            add(measure("benchmarks.steps_per_sec", common_args, log))
            if variant not in TORCH_PEERS or not have_torch:
                continue
            eager = {t: add(measure("benchmarks.torch_reference", [*common_args, "--mode=eager", f"--threads={t}"],
                                    log)) for t in (0, 1)}
            if p["torch_compile"] and batch in p.get("torch_compile_batch_sizes", p["batch_sizes"]):
                ok = {t: r for t, r in eager.items() if "error" not in r}
                threads = max(ok, key=lambda t: ok[t]["steps_per_sec"]) if ok else 0
                add(measure("benchmarks.torch_reference", [*common_args, "--mode=compile", f"--threads={threads}"],
                            log))
            print(f"{variant} @ {batch}: done", file=sys.stderr, flush=True)


def run_population(p: dict, log, add) -> None:
    # Each variant's own single-model baseline, measured in this section (close in time to its populations).
    for variant in p["pop_variants"]:
        add(measure("benchmarks.steps_per_sec", [
            f"--variant={variant}", "--batch_size=64", "--population=1", "--backend=map",
            f"--steps={chunk_steps(variant, 64, 1, p['steps'])}", f"--repeats={p['pop_repeats']}"], log))
    for population in p["populations"]:
        for variant in p["pop_variants"]:
            for backend in POPULATION_BACKENDS:
                steps = chunk_steps(variant, 64, population, p["steps"])
                add(measure("benchmarks.steps_per_sec", [
                    f"--variant={variant}", "--batch_size=64", f"--population={population}",
                    f"--backend={backend}", f"--steps={steps}", f"--repeats={p['pop_repeats']}"], log))
            print(f"{variant} population {population}: done", file=sys.stderr, flush=True)


def _torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------------------------------------- report
def _find(records, **match) -> dict | None:
    for r in records:
        if "error" not in r and all(r.get(k) == v for k, v in match.items()):
            return r
    return None


def _fmt(x, spec=".2f") -> str:
    return "-" if x is None else format(x, spec)


def _ratio(a: dict | None, b: dict | None) -> float | None:
    return a["steps_per_sec"] / b["steps_per_sec"] if a and b else None


def torch_best_eager(records, variant: str, batch: int) -> dict | None:
    """The faster of the two eager PyTorch runs (default threads, 1 thread): the peer a user would keep."""
    runs = [r for r in records if "error" not in r and r["backend"].startswith("torch-eager")
            and r["variant"] == variant and r["batch_size"] == batch]
    return max(runs, key=lambda r: r["steps_per_sec"]) if runs else None


def torch_compiled(records, variant: str, batch: int) -> dict | None:
    runs = [r for r in records if "error" not in r and r["backend"].startswith("torch-compile")
            and r["variant"] == variant and r["batch_size"] == batch]
    return runs[0] if runs else None


def _threads(record: dict) -> str:
    """"1 thr" for a "torch-eager-1thread" record, "all thr" for PyTorch's default."""
    suffix = record["backend"].rsplit("-", 1)[-1]
    return f"{suffix[:-len('thread')]} thr" if suffix.endswith("thread") else "all thr"


def population_baseline(records, variant: str) -> dict | None:
    """The single model at batch 64: the population section's own run if there is one, else the variants'."""
    return (_find(records, variant=variant, batch_size=64, population=1, backend="jax-single")
            or _find(records, variant=variant, batch_size=64, population=1, backend="jax"))


def population_efficiency(records, variant: str, population: int, backend: str) -> float | None:
    """model_steps_per_sec(P) / steps_per_sec(1): 1.0 = training P at once loses nothing per model."""
    single = population_baseline(records, variant)
    pop = _find(records, variant=variant, batch_size=64, population=population, backend=f"jax-{backend}")
    return pop["model_steps_per_sec"] / single["steps_per_sec"] if single and pop else None


def variants_table(records) -> list[str]:
    lines = ["| variant | batch | jaxgan steps/s | torch eager | torch compile | x eager | x compile | "
             "roofline jax / eager / compile | compile s jax / torch | GFLOP/step jax / torch |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in records:
        if "error" in r or r["backend"] != "jax":
            continue
        v, b = r["variant"], r["batch_size"]
        eager = torch_best_eager(records, v, b)
        comp = torch_compiled(records, v, b)
        eager_txt = f"{eager['steps_per_sec']:.1f} ({_threads(eager)})" if eager else "-"
        lines.append(
            f"| {v} | {b} | {r['steps_per_sec']:.1f} | {eager_txt} | "
            f"{_fmt(comp and comp['steps_per_sec'], '.1f')} | {_fmt(_ratio(r, eager))} | {_fmt(_ratio(r, comp))} | "
            f"{r['roofline_fraction']:.2f} / {_fmt(eager and eager['roofline_fraction'])} / "
            f"{_fmt(comp and comp['roofline_fraction'])} | {r['compile_seconds']:.1f} / "
            f"{_fmt(comp and comp['compile_seconds'], '.1f')} | {r['flops_per_step'] / 1e9:.2f} / "
            f"{_fmt(eager and eager['flops_per_step'] / 1e9)} |")
    return lines


def population_table(records, p: dict) -> list[str]:
    lines = ["| variant | P | backend | model-steps/s | efficiency | roofline | compile s |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for variant in p["pop_variants"]:
        single = population_baseline(records, variant)
        if single:
            lines.append(f"| {variant} | 1 | plain engine | {single['steps_per_sec']:.1f} | 1.00 | "
                         f"{single['roofline_fraction']:.2f} | {single['compile_seconds']:.1f} |")
        for population in p["populations"]:
            for backend in POPULATION_BACKENDS:
                r = _find(records, variant=variant, population=population, backend=f"jax-{backend}")
                if r:
                    lines.append(f"| {variant} | {population} | {backend} | {r['model_steps_per_sec']:.1f} | "
                                 f"{_fmt(population_efficiency(records, variant, population, backend))} | "
                                 f"{r['roofline_fraction']:.2f} | {r['compile_seconds']:.1f} |")
    return lines


def targets(records, p: dict) -> list[str]:
    """The issue's targets, each with the measured value and whether it is met."""
    out = []

    def line(what, value, goal, met):
        out.append(f"| {what} | {_fmt(value)} | {goal} | {'met' if met else '**not met**'} |")

    for variant, goal in SPEEDUP_TARGETS.items():
        jax_run = _find(records, variant=variant, batch_size=64, backend="jax")
        for name, peer in (("eager", torch_best_eager(records, variant, 64)),
                           ("torch.compile", torch_compiled(records, variant, 64))):
            ratio = _ratio(jax_run, peer)
            if ratio is not None:
                line(f"{variant} vs PyTorch {name}, batch 64", ratio, f">= {goal}x", ratio >= goal)
    for batch, goal in ROOFLINE_TARGETS.items():
        r = _find(records, variant="vanilla", batch_size=batch, backend="jax")
        if r:
            line(f"vanilla roofline fraction, batch {batch}", r["roofline_fraction"], f">= {goal}",
                 r["roofline_fraction"] >= goal)
    compiles = [r for r in records if "error" not in r and r["backend"] == "jax" and r["population"] == 1]
    if compiles:
        worst = max(compiles, key=lambda r: r["compile_seconds"])
        line(f"slowest compile ({worst['variant']}, batch {worst['batch_size']}), s", worst["compile_seconds"],
             f"<= {COMPILE_TARGET_S:g} s", worst["compile_seconds"] <= COMPILE_TARGET_S)
    for variant in p["pop_variants"]:
        for population in p["populations"]:
            best = max((population_efficiency(records, variant, population, b) or 0, b) for b in POPULATION_BACKENDS)
            if best[0]:
                line(f"{variant} population {population} ({best[1]}), model-steps/s over single", best[0],
                     ">= 1.0", best[0] >= 1.0)
    if not out:
        return []
    return ["| target | measured | goal | |", "|---|---:|---|---|", *out]


def plot_population(records, p: dict, path: pathlib.Path) -> bool:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    drawn = False
    for variant in p["pop_variants"]:
        for backend, style in zip(POPULATION_BACKENDS, ("-o", "--s", ":^")):
            points = [(1, 1.0)] + [(n, population_efficiency(records, variant, n, backend)) for n in p["populations"]]
            points = [(n, e) for n, e in points if e is not None]
            if len(points) > 1:
                ax.plot(*zip(*points), style, label=f"{variant} ({backend})")
                drawn = True
    if not drawn:
        plt.close(fig)
        return False
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("population P (seeds trained at once, batch 64)")
    ax.set_ylabel("model-steps/s over one model's steps/s")
    ax.set_title(f"Population scaling on {common.cpu_model()}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def render(data: dict) -> str:
    """RESULTS.md from the RESULTS.json contents."""
    records = data["records"]
    p, meta = data["plan"], data["meta"]
    errors = [r for r in records if "error" in r]
    lines = [
        "# Benchmark results", "",
        f"Measured with `{meta['command']}` on {meta['date']}: {meta['cpu']} ({meta['cores']} cores), "
        f"jax {meta['jax']}, torch {meta['torch']}; data: {meta['data']}. Load average (1 min) between "
        f"{meta['load_min']:.1f} and {meta['load_max']:.1f} during the runs: other processes shared "
        "the cores, so absolute rates are noisy; ratios compare runs made one right after the other. "
        "steps/s are medians of timed chunks after compilation; a train step is n_d D updates and G's turn. "
        "Roofline = achieved matmul FLOP/s over a float32 matmul peak measured in the same process (the best of "
        "several tries, the least disturbed; so under load the fraction, a median over a best case, is low); "
        "`torch eager` is the faster of PyTorch's default threads and 1 thread (`thr`). What limits the rest, "
        "with profiles and compile times in CPU seconds: [NOTES.md](NOTES.md).", "",
        "## Targets (issue 8)", "", *targets(records, p), "",
        "## jaxgan vs PyTorch, one model", "", *variants_table(records), "",
        "## Population scaling (batch 64)", "",
        "Efficiency = model_steps_per_sec(P) / steps_per_sec(1): 1.0 means training P seeds at once costs "
        "exactly P single runs.", "", *population_table(records, p), "",
    ]
    if data.get("plot"):
        lines += [f"![population scaling]({data['plot']})", ""]
    if errors:
        lines += ["## Failed runs", ""] + [f"- `{e['module']} {' '.join(e['args'])}`: {e['error']}" for e in errors]
    return "\n".join(lines) + "\n"


def _same(a: dict, b: dict) -> bool:
    return all(a.get(k) == b.get(k) for k in ("variant", "batch_size", "population", "backend"))


def main(argv: list[str] | None = None) -> None:
    parser = common.Parser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few minutes: a small plan, short chunks")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--batch_sizes", default=None, help="comma-separated batch sizes (default: the plan's)")
    parser.add_argument("--variants", default=None, help="comma-separated variants (default: the plan's)")
    parser.add_argument("--populations", default=None, help="comma-separated population sizes (default: the plan's)")
    parser.add_argument("--out_dir", default=None, help="default: benchmarks/ (full) or runs/benchmarks_quick/")
    args = parser.parse_args(argv)
    sections = args.sections.split(",")
    if set(sections) - set(SECTIONS):
        parser.error(f"--sections must be among {', '.join(SECTIONS)}, got {args.sections!r}")
    p = plan(args.quick)
    if args.batch_sizes:
        p["batch_sizes"] = [int(b) for b in args.batch_sizes.split(",")]
    if args.variants:
        p["variants"] = args.variants.split(",")
        p["pop_variants"] = [v for v in p["pop_variants"] if v in p["variants"]]
    if args.populations:
        p["populations"] = [int(n) for n in args.populations.split(",")]
    out_dir = pathlib.Path(args.out_dir or (common.ROOT / "runs" / "benchmarks_quick" if args.quick else HERE))
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "RESULTS.json"
    # Earlier records are kept unless measured again: sections (or batch sizes) can be re-run one at a time.
    data = json.loads(results.read_text()) if results.exists() else {"records": [], "load": []}
    stored = data.get("plan", {})
    data["plan"] = {**p, "pop_variants": sorted(set(stored.get("pop_variants", [])) | set(p["pop_variants"])),
                    "populations": sorted(set(stored.get("populations", [])) | set(p["populations"]))}
    command = "python -m benchmarks.run" + (" --quick" if args.quick else "")

    def save() -> None:
        import jax

        ok = [r for r in data["records"] if "error" not in r]
        data["meta"] = dict(
            command=command, date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            cpu=common.cpu_model(), cores=os.cpu_count(), jax=jax.__version__, torch=_torch_version(),
            data=ok[0]["data"] if ok else "-", python=platform.python_version(),
            load_min=min(data["load"]), load_max=max(data["load"]))
        plotted = plot_population(ok, data["plan"], out_dir / "population_scaling.png")
        data["plot"] = "population_scaling.png" if plotted else None
        results.write_text(json.dumps(data, indent=1) + "\n")
        (out_dir / "RESULTS.md").write_text(render(data))

    def add(record: dict) -> dict:
        if results.exists():  # another suite run may share the folder (e.g. sections run side by side)
            data["records"] = json.loads(results.read_text())["records"]
        data["records"] = [r for r in data["records"] if not _same(r, record)] + [record]
        data["load"].append(os.getloadavg()[0])
        save()
        return record

    log_path = common.ROOT / "runs" / "benchmarks.log"  # each process's command and stderr tail (not committed)
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "a") as log:
        for section in sections:
            start = time.perf_counter()
            (run_variants if section == "variants" else run_population)(p, log, add)
            print(f"{section}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    print(f"wrote {out_dir / 'RESULTS.md'}", file=sys.stderr)


def _torch_version() -> str:
    try:
        import torch
        return torch.__version__
    except ImportError:
        return "not installed"


if __name__ == "__main__":
    main()
