"""The benchmark suites: every variant beside its PyTorch peer, population scaling; writes RESULTS.md.

    python -m benchmarks.run --dry-run                      # the full CPU suite's plan and estimated time
    python -m benchmarks.run                                # the full CPU suite: benchmarks/RESULTS.md
    python -m benchmarks.run --suite=quick                  # a smoke run of the same mechanics (runs/benchmarks_quick/)
    python -m benchmarks.run --sections=population --variants=vanilla   # re-measure a part, keep the rest
    python -m benchmarks.run --suite=gpu                    # on a GPU, <= 8 min: benchmarks/RESULTS_GPU.md
    python -m benchmarks.run --suite=gpu --dry-run          # its plan and estimate (runs nothing: works on CPU)

Each measurement is its own process (`benchmarks.steps_per_sec`, `benchmarks.torch_reference`: one JSON
record each), so compile times are cold and the frameworks never share a thread pool (`benchmarks.plans`
says what runs in which order). CPU suites refuse to start on a busy machine (1-minute load average above
0.5 per core) unless `--allow-busy`, which marks every row busy; a run during which other processes used
more than 0.5 cores per core stops the suite (or, with `--allow-busy`, is marked busy). Each configuration
runs `--repeats` times (default 5), alternating jaxgan, PyTorch eager and torch.compile; RESULTS.md gives
medians and min-max, and verdicts only where a whole range is on one side of a target (`benchmarks.report`).
Results are written after every run, so a suite stopped early keeps what it finished. The GPU suite runs
each configuration once, most important first, starts nothing that would end past its budget and kills
what runs past 8 minutes (`benchmarks.report_gpu`).
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

from benchmarks import common, machine, plans, report, report_gpu

HERE = pathlib.Path(__file__).resolve().parent
SUITES = ("full", "quick", "gpu")
FORMAT = 2  # RESULTS.json's layout; a file of another layout is started afresh
CLOCK = time.perf_counter  # the suites' time budget reads this clock (tests replace it)


class SuiteError(Exception):
    """A suite cannot go on (one line, for `error: ...`)."""


class Busy(SuiteError):
    """The machine was busy and `--allow-busy` was not given."""


def measure(module: str, args: list[str], log, timeout: float | None = None) -> list[dict]:
    """Runs one benchmark process: its JSON records, or [{"error": last stderr line, ...}] when it failed."""
    cmd = [sys.executable, "-m", module, *args]
    print("$ " + " ".join(cmd[1:]), file=log, flush=True)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent, timeout=timeout)
        stdout, stderr, failed = proc.stdout, proc.stderr, proc.returncode != 0
    except subprocess.TimeoutExpired as e:
        stdout, stderr, failed = _text(e.stdout), _text(e.stderr) + f"\nkilled after {timeout:.0f} s", True
    log.write(stderr[-2000:])
    records = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    if failed or not records:
        reason = (stderr.strip().splitlines() or ["no output"])[-1]
        opts = dict(a[2:].split("=", 1) for a in args if "=" in a)
        population = int(opts.get("population", 1))
        if module == plans.JAX:
            backend = "jax" if "backend" not in opts else "jax-single" if population == 1 else f"jax-{opts['backend']}"
        else:
            backend = f"torch-{opts['mode']}" + (f"-{opts['threads']}thread" if opts.get("threads", "0") != "0" else "")
        dtype = opts.get("compute_dtype", "float32").split(",")[0]
        records.append({"error": reason, "module": module, "args": args, "variant": opts["variant"],
                        "batch_size": int(opts["batch_size"]), "population": population, "backend": backend,
                        "compute_dtype": dtype})
    return records


def _text(out) -> str:
    return out.decode(errors="replace") if isinstance(out, bytes) else (out or "")


def _torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


@functools.lru_cache(maxsize=None)
def _versions() -> dict:
    """Installed versions of the JAX stack and PyTorch, read without importing (or starting) them."""
    from importlib import metadata

    out = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name.startswith(("jax", "flax", "optax")) or name == "torch":
            out[name] = dist.version
    return dict(sorted(out.items()))


def _driver() -> str:
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30).stdout.strip().splitlines()
        return out[0].split(",")[1].strip() if out else "unknown"
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


# ------------------------------------------------------------------------------------------ the parser
def parse_args(argv: list[str] | None):
    parser = common.Parser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default=None, choices=SUITES, help="full (default), quick, or gpu")
    parser.add_argument("--quick", action="store_true", help="the same as --suite=quick")
    parser.add_argument("--dry-run", dest="dry_run", action="store_true",
                        help="print the plan and its estimated time; run nothing")
    parser.add_argument("--repeats", type=int, default=None,
                        help="processes per configuration (default: 5 for full, 2 for quick; gpu: always 1)")
    parser.add_argument("--allow-busy", dest="allow_busy", action="store_true",
                        help="measure on a busy machine anyway; every row is then marked busy")
    parser.add_argument("--sections", default=",".join(plans.SECTIONS), help=f"comma-separated subset of {plans.SECTIONS}")
    parser.add_argument("--batch_sizes", default=None, help="comma-separated batch sizes (default: the plan's)")
    parser.add_argument("--variants", default=None, help="comma-separated variants (default: the plan's)")
    parser.add_argument("--populations", default=None, help="comma-separated population sizes (default: the plan's)")
    parser.add_argument("--no_torch", action="store_true", help="skip the PyTorch peers")
    parser.add_argument("--torch_threads", default="0",
                        help="comma-separated PyTorch eager thread counts (0: its default); the best is reported")
    parser.add_argument("--data", default="auto", choices=("auto", "synthetic"), help="jaxgan and PyTorch data")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="config override for the jaxgan runs (smoke tests; PyTorch peers ignore it)")
    parser.add_argument("--budget_s", type=float, default=plans.GPU_BUDGET_S,
                        help="GPU suite: start no run whose estimate ends later than this")
    parser.add_argument("--out_dir", default=None,
                        help="default: benchmarks/ (full, gpu) or runs/benchmarks_quick/ (quick)")
    args = parser.parse_args(argv)
    args.suite = args.suite or ("quick" if args.quick else "full")
    args.repeats = 1 if args.suite == "gpu" else args.repeats or {"full": 5, "quick": 2}[args.suite]
    args.sections = args.sections.split(",")
    if set(args.sections) - set(plans.SECTIONS):
        parser.error(f"--sections must be among {', '.join(plans.SECTIONS)}")
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    from jaxgan import configs

    for v in (args.variants or "").split(","):
        if v and v not in configs.variants():
            parser.error(f"unknown variant {v!r}; one of: {', '.join(configs.variants())}")
    return args


def cpu_plan(args) -> dict:
    p = plans.cpu_plan(args.suite)
    if args.variants:
        p["variants"] = args.variants.split(",")
        p["pop_variants"] = [v for v in p["pop_variants"] if v in p["variants"]] or p["variants"][:1]
        p["batch_sizes"] = {b: [v for v in vs if v in p["variants"]] or p["variants"] for b, vs in p["batch_sizes"].items()}
    if args.batch_sizes:
        every = sorted({v for vs in p["batch_sizes"].values() for v in vs}, key=p["variants"].index)
        p["batch_sizes"] = {int(b): p["batch_sizes"].get(int(b), every) for b in args.batch_sizes.split(",")}
    if args.populations:
        p["populations"] = [int(n) for n in args.populations.split(",")]
    return p


# ------------------------------------------------------------------------------------------ the runner
class Suite:
    """Runs jobs one at a time, stamps each record with the machine's state, and saves after every job."""

    def __init__(self, args, out_dir: pathlib.Path, probe: machine.Probe, log):
        self.args, self.probe, self.log = args, probe, log
        self.gpu = args.suite == "gpu"
        stem = "RESULTS_GPU" if self.gpu else "RESULTS"
        self.json_path, self.md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
        old = json.loads(self.json_path.read_text()) if self.json_path.exists() else {}
        # Earlier records are kept unless measured again (sections or batch sizes can be re-run one at a time),
        # and only from a file of this layout.
        self.kept = old.get("records", []) if old.get("format") == FORMAT and not self.gpu else []
        self.new: list[dict] = []
        self.start = CLOCK()
        self.skipped: list[str] = []
        self.finished = False

    def gate(self) -> None:
        """Refuses (Busy) to start a CPU suite on a busy machine, unless --allow-busy."""
        self.load_at_start = self.probe.load()
        self.busy_at_start = self.probe.busy(self.load_at_start)
        if self.busy_at_start and not self.args.allow_busy and not self.gpu:
            raise Busy(f"the machine is busy: 1-minute load average {self.load_at_start:.2f} > "
                       f"{self.probe.threshold():.2f} ({machine.BUSY_LOAD_PER_CORE} per core, {self.probe.cores} "
                       "cores); measure on an idle machine, or pass --allow-busy to mark every row busy")

    def run(self, job: plans.Job, timeout: float | None = None) -> None:
        before = self.probe.snapshot()
        records = measure(job.module, job.args, self.log, timeout)
        after = self.probe.snapshot()
        others = self.probe.others_cores(before, after)
        busy_now = self.probe.busy(others)
        if busy_now and not self.args.allow_busy and not self.gpu:  # a GPU's lease allows no re-run: mark it
            raise Busy(f"the machine became busy during `{job.label}`: other processes used {others:.2f} cores "
                       f"(limit {self.probe.threshold():.2f}); that run is dropped, what ran before it is in "
                       f"{self.md_path}; re-run on an idle machine, or pass --allow-busy to mark busy rows")
        for r in records:
            r.update(rep=job.rep, load_before=before.load, load_after=after.load, others_cores=others,
                     busy=busy_now or (self.busy_at_start and self.args.allow_busy),
                     wall_seconds=after.wall - before.wall)
            if "error" not in r:
                r.pop("module", None)
            self.kept = [k for k in self.kept if report.key(k) != report.key(r)]
            self.new.append(r)
        self.save()

    def records(self) -> list[dict]:
        return self.kept + self.new

    def meta(self) -> dict:
        import jax  # the version only: no backend starts here (a GPU parent must leave the device to its children)

        records = self.records()
        ok = [r for r in records if "error" not in r]
        others = [r["others_cores"] for r in records if r.get("others_cores") is not None]
        command = "python -m benchmarks.run " + " ".join(sys.argv[1:] if self.args.argv is None else self.args.argv)
        versions = _versions()
        return dict(
            command=command.strip(), date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            cpu=machine.cpu_model(), cores=self.probe.cores, jax=jax.__version__, torch=versions.get("torch", "not installed"),
            versions=", ".join(f"{k} {v}" for k, v in versions.items()), python=platform.python_version(),
            data=ok[0]["data"] if ok else "-", repeats=self.args.repeats, load_at_start=self.load_at_start,
            busy_at_start=self.busy_at_start, busy_threshold=self.probe.threshold(), allow_busy=self.args.allow_busy,
            others_max=f"{max(others):.2f}" if others else "-", elapsed_s=CLOCK() - self.start,
            budget_s=self.args.budget_s, min_seconds=plans.GPU_MIN_SECONDS, finished=self.finished,
            driver=self.driver if self.gpu else None)

    def save(self) -> None:
        data = {"format": FORMAT, "records": self.records(), "meta": self.meta(), "skipped": self.skipped}
        if self.gpu:
            self.json_path.write_text(json.dumps(data, indent=1) + "\n")
            self.md_path.write_text(report_gpu.render(data))
            return
        data["plan"] = self.plan
        if self.finished:  # drawn once, at the end (matplotlib is slow to start; a stopped suite has no plot)
            res = report.Results([r for r in data["records"] if "error" not in r])
            self.plot = "population_scaling.png" if report.plot_population(
                res, self.plan, self.md_path.parent / "population_scaling.png") else None
        data["plot"] = getattr(self, "plot", None)
        self.json_path.write_text(json.dumps(data, indent=1) + "\n")
        self.md_path.write_text(report.render(data))


def run_cpu(args, out_dir, probe, log) -> pathlib.Path:
    p = cpu_plan(args)
    torch = not args.no_torch and _torch_available()
    extra = [f"--data={args.data}"] + [f"--set={s}" for s in args.set]
    suite = Suite(args, out_dir, probe, log)
    suite.plan = p
    stored = frozenset(k[0] for k in report.groups(suite.kept) if k[1:4] == (64, 1, "jax"))
    jobs = plans.cpu_jobs(p, args.sections, args.repeats, torch, [int(t) for t in args.torch_threads.split(",")],
                          extra, stored)
    for job in jobs:
        if job.module == plans.TORCH:
            job.args.append(f"--data={args.data}")
    if args.dry_run:
        lines, total = plans.describe(jobs)
        print(f"{args.suite} CPU suite: {len(jobs)} processes, {args.repeats} rounds each; assumed costs "
              "(an idle 2-core machine) in benchmarks.plans.CPU_COST_S", *lines,
              f"estimated total: {total / 60:.0f} min", sep="\n")
        return out_dir
    suite.gate()
    for i, job in enumerate(jobs, 1):
        print(f"[{i}/{len(jobs)}] {job.label} (round {job.rep + 1})", file=sys.stderr, flush=True)
        suite.run(job)
    suite.finished = True
    suite.save()
    return suite.md_path


def run_gpu(args, out_dir, probe, log) -> pathlib.Path:
    torch = not args.no_torch and _torch_available()
    jobs = plans.gpu_jobs(torch, args.variants.split(",") if args.variants else None)
    if args.dry_run:
        lines, total = plans.describe(jobs, args.budget_s)
        print(f"gpu suite: {len(jobs)} processes, most important first; a run starts only if its estimate ends "
              f"within {args.budget_s:.0f} s, and is killed at {plans.GPU_HARD_LIMIT_S:.0f} s. Assumed costs "
              "(guesses until a GPU run replaces them) in benchmarks.plans.GPU_COST_S", *lines,
              f"estimated total: {total:.0f} s ({total / 60:.1f} min) for the runs within the budget", sep="\n")
        return out_dir
    suite = Suite(args, out_dir, probe, log)
    suite.driver = _driver()
    suite.gate()
    for i, job in enumerate(jobs, 1):
        elapsed = CLOCK() - suite.start
        if elapsed + job.estimate_s > args.budget_s:
            suite.skipped.append(job.label)
            continue
        print(f"[{i}/{len(jobs)} {elapsed:.0f} s] {job.label}", file=sys.stderr, flush=True)
        suite.run(job, timeout=max(1.0, plans.GPU_HARD_LIMIT_S - 5 - elapsed))
        if any(r.get("device", "").startswith("cpu") for r in suite.new if r["backend"].startswith("jax")):
            raise SuiteError("jax runs on the CPU here: the gpu suite needs a GPU that jax sees "
                             "(try --dry-run for its plan)")
    suite.finished = True
    suite.save()
    return suite.md_path


def main(argv: list[str] | None = None, probe: machine.Probe | None = None) -> None:
    """The CLI; `probe` replaces the machine's load readings (tests simulate an idle or busy machine)."""
    from jaxgan.cli import common as cli

    args = parse_args(argv)
    args.argv = argv
    default_dir = common.ROOT / "runs" / "benchmarks_quick" if args.suite == "quick" else HERE
    out_dir = pathlib.Path(args.out_dir or default_dir)
    if not args.dry_run:
        out_dir.mkdir(parents=True, exist_ok=True)
    log_path = common.ROOT / "runs" / "benchmarks.log"  # each process's command and stderr tail (not committed)
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "a") as log:
        try:
            path = (run_gpu if args.suite == "gpu" else run_cpu)(args, out_dir, probe or machine.Probe(), log)
        except SuiteError as e:
            cli.fail(str(e))
    if not args.dry_run:
        print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
