"""What each suite measures, in which order, and roughly how long it takes: a list of `Job`s.

A job is one process (`benchmarks.steps_per_sec` or `benchmarks.torch_reference`) printing one JSON record
per measurement. CPU suites (`full`, `quick`) repeat every group `repeats` times in alternation (jaxgan,
torch eager, torch.compile, jaxgan, ...), so that drift of the machine hits every side alike. The `gpu`
suite runs each job once, most important first, under a time budget (a GPU is lent for minutes): its
chunk timings give the ranges there.

Estimates are rough sums of assumed costs (`CPU_COST_S`, `GPU_COST_S`): a process's start (imports, data,
FLOP count, matmul peak), compiles, and timed chunks. The GPU ones are guesses made before any GPU was lent;
RESULTS_GPU.json records each job's measured wall time to replace them.
"""

from __future__ import annotations

import dataclasses

from jaxgan import configs

JAX = "benchmarks.steps_per_sec"
TORCH = "benchmarks.torch_reference"
TORCH_PEERS = ("vanilla", "wgan_gp", "wgan_gp_conv", "dcgan")  # variants with a PyTorch peer
POPULATION_VARIANTS = ("vanilla", "gm_gan")
POPULATION_BACKENDS = ("loop", "map", "vmap")  # jaxgan.population's backends ("auto" picks one of them)
SECTIONS = ("variants", "population")

# Assumed seconds, for the plan's estimate only. CPU: the 2-core AMD EPYC, idle (conv chunks ~2 s, ResNet
# ones ~7 s: issue 17's dcgan 8.7 and cgan_resnet 0.6 steps/s).
CPU_COST_S = dict(start=8.0, compile={"mlp": 10.0, "conv": 15.0, "resnet": 40.0},
                  chunk={"mlp": 0.5, "conv": 2.0, "resnet": 7.0}, torch_start=6.0, torch_compile=60.0)
GPU_COST_S = dict(start=12.0, compile={"mlp": 8.0, "conv": 15.0, "resnet": 30.0}, timed=1.5,
                  torch_start=10.0, torch_compile={"mlp": 45.0, "conv": 70.0, "resnet": 90.0},
                  population_compile=1.5, big_population=10.0)
GPU_MIN_SECONDS = 1.0  # timed seconds per GPU measurement (chunks repeat until then)
GPU_BUDGET_S = 450.0  # no GPU job starts unless its estimate ends within this
GPU_HARD_LIMIT_S = 480.0  # the 8 minutes: a running job is killed here
GPU_POPULATIONS = (1, 16, 64, 256, 1024)
GPU_MLP_BATCHES = (64, 256, 1024, 4096)
# One variant per step structure first; the near-duplicates (other losses or options on the same networks)
# only if time remains.
GPU_VARIANTS = ("vanilla", "dcgan", "gm_gan", "wgan_gp", "wgan_gp_conv", "cgan_mlp", "mmd_dcgan", "cgan_resnet",
                "cgan_proj")


@dataclasses.dataclass
class Job:
    """One benchmark process: `python -m MODULE ARGS`, expected to take about `estimate_s` seconds."""

    module: str
    args: list[str]
    label: str
    estimate_s: float
    rep: int = 0  # which repetition of its group (CPU suites)
    priority: str = ""  # the GPU suite's section name


def family(variant: str) -> str:
    """"mlp", "conv" or "resnet": what a step's cost and compile time mostly depend on."""
    config = configs.get_config(variant)
    names = {config.generator.name, config.discriminator.name}
    return "resnet" if "resnet" in names else "conv" if names & {"conv", "dcgan"} else "mlp"


def chunk_steps(variant: str, batch_size: int, population: int, base: int) -> int:
    """Train steps per timed chunk: about the same work per chunk whatever the batch, n_d or population."""
    n_d = configs.get_config(variant).n_d
    return max(2, round(base * 64 / batch_size / n_d / population))


def _jax_args(variant, batch, steps, repeats, population=1, backend=None, extra=()) -> list[str]:
    args = [f"--variant={variant}", f"--batch_size={batch}", f"--steps={steps}", f"--repeats={repeats}"]
    if backend:
        args += [f"--population={population}", f"--backend={backend}"]
    return args + list(extra)


# ------------------------------------------------------------------------------------------ CPU suites
def cpu_plan(suite: str) -> dict:
    """The settings of a CPU suite: `full` (the published one) or `quick` (a smoke run of the same mechanics)."""
    if suite == "quick":
        return dict(variants=["vanilla"], batch_sizes={64: ["vanilla"]}, populations=[4], pop_variants=["vanilla"],
                    torch_compile_batches=[], steps=10, chunks=3)
    every = configs.variants()
    # Batch 256 only where a target reads it (the MLP roofline) and the MLP family's widest step (wgan_gp).
    return dict(variants=every, batch_sizes={64: every, 256: ["vanilla", "wgan_gp"]}, populations=[4, 16, 64],
                pop_variants=list(POPULATION_VARIANTS), torch_compile_batches=[64], steps=20, chunks=3)


def cpu_jobs(p: dict, sections: list[str], repeats: int, torch: bool, torch_threads: list[int],
             extra: list[str], stored_singles: frozenset = frozenset()) -> list[Job]:
    """Every process of a CPU suite, in order: each group's runs alternate, `repeats` rounds of them.

    stored_singles: variants whose single-model run at batch 64 (the population's baseline) is already stored.
    """
    jobs: list[Job] = []
    cost = CPU_COST_S
    single_measured = set(stored_singles)
    if "variants" in sections:
        for batch, variants in p["batch_sizes"].items():
            for variant in variants:
                if variant not in p["variants"]:
                    continue
                fam, steps = family(variant), chunk_steps(variant, batch, 1, p["steps"])
                timed = (p["chunks"] + 1) * cost["chunk"][fam]  # chunk_steps keeps a chunk's work ~constant
                base = _jax_args(variant, batch, steps, p["chunks"])
                group = [Job(JAX, base + extra, f"jaxgan {variant} b{batch}",
                             cost["start"] + cost["compile"][fam] + timed)]
                if torch and variant in TORCH_PEERS:
                    for threads in torch_threads:
                        group.append(Job(TORCH, base + ["--mode=eager", f"--threads={threads}"],
                                         f"torch eager {variant} b{batch}", cost["torch_start"] + timed))
                    if batch in p["torch_compile_batches"]:
                        group.append(Job(TORCH, base + ["--mode=compile", f"--threads={torch_threads[0]}"],
                                         f"torch.compile {variant} b{batch}",
                                         cost["torch_start"] + cost["torch_compile"] + timed))
                for rep in range(repeats):
                    jobs += [dataclasses.replace(job, rep=rep) for job in group]
                if batch == 64:
                    single_measured.add(variant)
    if "population" in sections:
        for variant in p["pop_variants"]:
            fam = family(variant)
            if variant not in single_measured:  # the P = 1 baseline: the plain engine at batch 64
                steps = chunk_steps(variant, 64, 1, p["steps"])
                job = Job(JAX, _jax_args(variant, 64, steps, p["chunks"]) + extra, f"jaxgan {variant} b64",
                          cost["start"] + cost["compile"][fam] + (p["chunks"] + 1) * cost["chunk"][fam])
                jobs += [dataclasses.replace(job, rep=rep) for rep in range(repeats)]
            for population in p["populations"]:
                steps = chunk_steps(variant, 64, population, p["steps"])
                timed = (p["chunks"] + 1) * cost["chunk"][fam] * steps * population / p["steps"]
                group = [Job(JAX, _jax_args(variant, 64, steps, p["chunks"], population, backend) + extra,
                             f"jaxgan {variant} P={population} {backend}",
                             cost["start"] + cost["compile"][fam] * (1 if backend == "loop" else 2.5) + timed)
                         for backend in POPULATION_BACKENDS]
                for rep in range(repeats):
                    jobs += [dataclasses.replace(job, rep=rep) for job in group]
    return jobs


# -------------------------------------------------------------------------------------------- GPU suite
def gpu_jobs(torch: bool = True, variants: list[str] | None = None) -> list[Job]:
    """The GPU suite's processes, most important first (the targets, then the tables); synthetic data."""
    cost, timed = GPU_COST_S, GPU_COST_S["timed"]
    common = ["--data=synthetic", f"--min_seconds={GPU_MIN_SECONDS:g}"]
    keep = (lambda v: variants is None or v in variants)

    def jax_job(variant, batch, priority, dtypes=("float32",), population=1, backend=None) -> Job:
        fam = family(variant)
        steps = 10 if population == 1 else 5  # ~ms per step on a GPU: 10 steps per chunk, chunks repeat to 1 s
        compile_s = cost["compile"][fam] * (cost["population_compile"] if backend else 1) * len(dtypes)
        big = cost["big_population"] if population >= 1024 else 0.0
        dtype_arg = [f"--compute_dtype={','.join(dtypes)}"]
        what = f"P={population} {backend}" if backend else f"b{batch} {'+'.join(dtypes)}"
        return Job(JAX, _jax_args(variant, batch, steps, 3, population, backend, dtype_arg + common),
                   f"jaxgan {variant} {what}", cost["start"] + compile_s + timed * len(dtypes) + big,
                   priority=priority)

    def torch_job(variant, batch, mode, priority) -> Job:
        fam = family(variant)
        est = cost["torch_start"] + timed + (cost["torch_compile"][fam] if mode == "compile" else 0.0)
        return Job(TORCH, _jax_args(variant, batch, 10, 3, extra=[f"--mode={mode}", *common]),
                   f"torch {mode} {variant} b{batch}", est, priority=priority)

    both = ("float32", "bfloat16")
    jobs = [
        jax_job("vanilla", 64, "targets", both),  # the MLP GAN at batch 64, and P = 1 of the population target
        *( [torch_job("vanilla", 64, "eager", "targets")] if torch else []),
        jax_job("vanilla", 64, "targets", population=256, backend="vmap"),
        jax_job("dcgan", 64, "targets", both),
    ]
    if torch:
        jobs += [torch_job("vanilla", 64, "compile", "torch peers"), torch_job("dcgan", 64, "eager", "torch peers")]
    jobs += [jax_job("vanilla", 64, "population", population=n, backend="vmap")
             for n in GPU_POPULATIONS if n not in (1, 256)]
    for batch in GPU_MLP_BATCHES[1:]:
        jobs.append(jax_job("vanilla", batch, "MLP batch"))
        if torch:
            jobs.append(torch_job("vanilla", batch, "eager", "MLP batch"))
    jobs.append(jax_job("gm_gan", 64, "population", both))  # also gm_gan's P = 1
    jobs += [jax_job("gm_gan", 64, "population", population=n, backend="vmap") for n in GPU_POPULATIONS if n > 1]
    jobs += [jax_job(v, 64, "variants", both) for v in GPU_VARIANTS if v not in ("vanilla", "dcgan", "gm_gan")]
    if torch:
        jobs += [torch_job("dcgan", 64, "compile", "torch peers")]
        for variant in ("wgan_gp", "wgan_gp_conv"):
            jobs += [torch_job(variant, 64, "eager", "torch peers"), torch_job(variant, 64, "compile", "torch peers")]
    jobs += [jax_job(v, 64, "other variants", both) for v in configs.variants() if v not in GPU_VARIANTS]
    return [job for job in jobs if keep(job.args[0].split("=", 1)[1])]


def describe(jobs: list[Job], budget_s: float | None = None) -> tuple[list[str], float]:
    """Lines of a plan (cumulative estimates; jobs past `budget_s` marked) and the estimated seconds in budget."""
    lines, total, in_budget = [], 0.0, 0.0
    for i, job in enumerate(jobs, 1):
        fits = budget_s is None or total + job.estimate_s <= budget_s
        if fits:
            total += job.estimate_s
            in_budget = total
        rep = f" (round {job.rep + 1})" if job.rep else ""
        section = f"[{job.priority}] " if job.priority else ""
        mark = f"{total:6.0f} s" if fits else "  if time remains"
        lines.append(f"{i:4d}. {mark}  {section}{job.label}{rep}  (~{job.estimate_s:.0f} s)")
    return lines, in_budget
