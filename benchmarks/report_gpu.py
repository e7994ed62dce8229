"""RESULTS_GPU.md from the GPU suite's records: the three GPU targets, per-variant float32 vs bfloat16 beside
PyTorch, population scaling with peak memory, and the MLP GAN across batch sizes.

Each configuration ran once (a GPU is lent for minutes); its range is the min-max of its timed chunks, so
a verdict there says the chunks agreed, not that a re-run would.
"""

from __future__ import annotations

from benchmarks.plans import GPU_MLP_BATCHES, GPU_POPULATIONS
from benchmarks.report import Results, fmt, ratio
from benchmarks.stats import verdict

# The issue's targets for the first lent GPU (issue 17, item 3).
MLP_OVER_EAGER = 5.0  # vanilla at batch 64 over PyTorch eager
POPULATION_SPEEDUP = (256, 50.0)  # vanilla, P = 256 with vmap: model-steps/s over one model's steps/s
BF16_OVER_F32 = 1.5  # dcgan at batch 64


def targets(res: Results) -> list[str]:
    out = []

    def line(what, value, goal):
        v = verdict(value, goal)
        out.append(f"| {what} | {fmt(value, '.2f')} | >= {goal:g} | {'**not met**' if v == 'not met' else v} |")

    line("MLP GAN (vanilla) / PyTorch eager, batch 64",
         ratio(res.get("vanilla", 64, "jax"), res.torch("vanilla", 64, "eager")), MLP_OVER_EAGER)
    population, goal = POPULATION_SPEEDUP
    pop, single = res.get("vanilla", 64, "jax-vmap", population), res.single("vanilla")
    line(f"vanilla P={population} (vmap), model-steps/s over one model's",
         pop.model_rate.over(single.rate) if pop and single else None, goal)
    line("dcgan bfloat16 / float32, batch 64",
         ratio(res.get("dcgan", 64, "jax", dtype="bfloat16"), res.get("dcgan", 64, "jax")), BF16_OVER_F32)
    return ["| target | measured: median [chunk min-max] | goal | verdict |", "|---|---:|---|---|", *out]


def variants_table(res: Results) -> list[str]:
    lines = ["| variant | float32 steps/s | bfloat16 steps/s | bf16 / f32 | torch eager | torch.compile | "
             "f32 / eager | f32 / compile | compile s f32 / bf16 | torch.compile s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    variants = sorted({k[0] for k, g in res.groups.items() if k[1:4] == (64, 1, "jax") and g.ok})
    for v in variants:
        f32, bf16 = res.get(v, 64, "jax"), res.get(v, 64, "jax", dtype="bfloat16")
        eager, comp = res.torch(v, 64, "eager"), res.torch(v, 64, "compile")
        lines.append(f"| {v} | {fmt(f32 and f32.rate)} | {fmt(bf16 and bf16.rate)} | {fmt(ratio(bf16, f32), '.2f')} | "
                     f"{fmt(eager and eager.rate)} | {fmt(comp and comp.rate)} | {fmt(ratio(f32, eager), '.2f')} | "
                     f"{fmt(ratio(f32, comp), '.2f')} | {fmt(f32 and f32.compile)} / {fmt(bf16 and bf16.compile)} | "
                     f"{fmt(comp and comp.compile)} |")
    return lines


def population_table(res: Results) -> list[str]:
    lines = ["| variant | P | model-steps/s | over one model | peak memory GiB | compile s |",
             "|---|---:|---:|---:|---:|---:|"]
    for variant in ("vanilla", "gm_gan"):
        single = res.single(variant)
        for population in GPU_POPULATIONS:
            g = single if population == 1 else res.get(variant, 64, "jax-vmap", population)
            if not g:
                continue
            speedup = g.model_rate.over(single.rate) if single else None
            lines.append(f"| {variant} | {population} | {g.model_rate.fmt('.0f')} | {fmt(speedup, '.1f')} | "
                         f"{fmt_gib(g.memory_gib)} | {fmt(g.compile)} |")
    return lines


def mlp_table(res: Results) -> list[str]:
    lines = ["| batch | jaxgan steps/s | samples/s | torch eager steps/s | x eager | roofline |",
             "|---:|---:|---:|---:|---:|---:|"]
    for batch in GPU_MLP_BATCHES:
        g, eager = res.get("vanilla", batch, "jax"), res.torch("vanilla", batch, "eager")
        if g or eager:
            samples = f"{g.rate.median * batch:,.0f}" if g else "-"
            lines.append(f"| {batch} | {fmt(g and g.rate)} | {samples} | {fmt(eager and eager.rate)} | "
                         f"{fmt(ratio(g, eager), '.2f')} | {fmt(g and g.roofline, '.2f')} |")
    return lines


def fmt_gib(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def render(data: dict) -> str:
    records, meta = data["records"], data["meta"]
    res = Results(records)
    devices = sorted({r["device"] for r in records if "error" not in r and r["device"].startswith("gpu")})
    errors = [r for r in records if "error" in r]
    lines = [
        "# GPU benchmark results", "",
        f"Measured with `{meta['command']}` on {meta['date']}: {', '.join(devices) or meta.get('gpu', '-')} "
        f"(driver {meta['driver']}); {meta['versions']}; host {meta['cpu']}, {meta['cores']} cores. Data: "
        f"synthetic random images. Wall time {meta['elapsed_s']:.0f} s of a {meta['budget_s']:.0f} s budget"
        f"{' (stopped early: not finished)' if not meta.get('finished') else ''}.", "",
        "Each configuration ran once, in its own process; its numbers are the median of its timed chunks "
        f"(chunks repeat until {meta['min_seconds']:g} s are timed) and [the slowest-fastest chunk]. A verdict is "
        "met or not met only when that whole range is on one side of the goal. float32 matmuls may use TF32 on "
        "both sides (JAX's default precision; PyTorch is set to match). Compile s = tracing + lowering + XLA "
        "compilation (jaxgan), the first step (torch.compile). Peak memory = the device allocator's peak "
        "bytes in use in that process.", "",
        "## Targets", "", *targets(res), "",
        "## Per variant, batch 64: float32 and bfloat16 beside PyTorch", "", *variants_table(res), "",
        "## Population scaling (vmap, batch 64, float32)", "", *population_table(res), "",
        "## The MLP GAN (vanilla) across batch sizes (float32)", "", *mlp_table(res), "",
    ]
    if data.get("skipped"):
        lines += ["## Not run (time budget)", "", *[f"- {label}" for label in data["skipped"]], ""]
    if errors:
        lines += ["## Failed runs", ""] + [f"- `{e['module']} {' '.join(e['args'])}`: {e['error']}" for e in errors]
    return "\n".join(lines) + "\n"
