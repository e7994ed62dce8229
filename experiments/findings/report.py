"""A finding's committed folder: `results.jsonl` (one raw row per member), `report.md`, `curves.png` and the
sample grids, written whole or not at all; and the verdict table recomputed from every committed folder."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any, Sequence

from experiments import provenance
from experiments.findings import figures
from experiments.findings.finding import Finding, Rows
from experiments.findings.protocol import Context

RESULTS = "results.jsonl"
TABLE_BEGIN, TABLE_END = "<!-- findings:table -->", "<!-- /findings:table -->"


def read_rows(folder: str) -> Rows:
    path = os.path.join(folder, RESULTS)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def staging(results: str) -> str:
    """The folder a run writes into before it replaces `results` (so results appear whole or not at all)."""
    path = results.rstrip("/") + ".partial"
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def publish(finding: Finding, rows: Rows, ctx: Context, results: str) -> str:
    """Writes the rows, the curve figure and report.md into `ctx.results` (the staging folder), then moves it
    onto `results`; returns the report's text."""
    from jaxgan.eval.evaluation import to_json

    with open(os.path.join(ctx.results, RESULTS), "w") as f:
        f.writelines(to_json(row) + "\n" for row in rows)
    rows = read_rows(ctx.results)  # the report is made from the rows as committed (JSON: tuples become lists)
    curves = figures.curves(rows, list(finding.curve_metrics) + [k.split("/")[-1] for k in finding.extra_curve],
                            os.path.join(ctx.results, "curves.png"), log=finding.log_curves)
    text = report_md(finding, rows, curves is not None)
    with open(os.path.join(ctx.results, "report.md"), "w") as f:
        f.write(text)
    shutil.rmtree(results, ignore_errors=True)
    os.replace(ctx.results, results)
    return text


def rewrite_report(finding: Finding, results: str) -> str:
    """Rewrites `results`/report.md from its committed rows (no training), after a change to the finding's analysis
    or wording; the rows and figures stay as they are. Returns the report's text."""
    rows = read_rows(results)
    if not rows:
        raise ValueError(f"{results}: no {RESULTS} to analyze (run the finding first)")
    text = report_md(finding, rows, os.path.exists(os.path.join(results, "curves.png")))
    with open(os.path.join(results, "report.md"), "w") as f:
        f.write(text)
    return text


def setup_lines(rows: Rows) -> list[str]:
    """Who trained what, on which data, judged by which digits, how long, on which machine and load."""
    if not rows:
        return []
    first = rows[0]
    lines = []
    if "training_data" in first:
        t, r = first["training_data"], first["reference_data"]
        lines.append(f"- Trained on `{t['name']}` ({t['split']}, {t['size']} images); every metric compares with "
                     f"`{os.path.basename(r['name'])}` ({r['split']}, {r['size']} images) that no GAN here trained "
                     "on.")
    arms: dict[str, dict[str, Any]] = {}
    for row in rows:
        arms.setdefault(row.get("arm", "-"), row)
    for arm, row in arms.items():
        if "steps" in row:
            sweep = f", sweeping `{row['sweep'][0]}` over {row['sweep'][1]}" if row.get("sweep") else ""
            lines.append(f"- `{arm}`: `{row.get('variant', '')}`{' with ' + json.dumps(row['overrides']) if row.get('overrides') else ''}"
                         f"{sweep}; {row['steps']} steps at batch {row['batch_size']}, {row['seeds']} seed(s) per "
                         f"setting, {row.get('train_wall_seconds', 0) / 60:.1f} min of training for "
                         f"{row.get('members', 1)} member(s) (load {row['sessions'][0]['load_average_before'][0] if row.get('sessions') else '?'}"
                         f"-{row['sessions'][-1]['load_average_after'][0] if row.get('sessions') else '?'}). {row.get('about', '')}")
    m = first.get("machine", {})
    lines.append(f"- Machine: {m.get('device', '?')}, {m.get('cores', '?')} cores; commit "
                 f"`{(first.get('git') or {}).get('commit', '?')}`; command `{first.get('command', '')}`.")
    return lines


def report_md(finding: Finding, rows: Rows, has_curves: bool) -> str:
    verdict = finding.analyze(rows)
    out = [f"# Finding `{finding.name}`", "",
           f"**The report ({finding.report}):** {finding.claim}", "",
           f"**Our result:** {verdict.result}", "", f"**Verdict:** {verdict.verdict}", "",
           "## Setup", "", *setup_lines(rows),
           "- Settings compared at equal seeds see identical noise and batches: the engine derives both from the "
           "seed alone.",
           "- Scale: " + ("`--quick`, a CI-sized run that checks the pipeline and shows nothing about the claim."
                          if rows and rows[0].get("quick") else finding.scale_note), ""]
    if finding.gpu_command:
        out += [f"Full scale (a GPU): `{finding.gpu_command}`", ""]
    out += ["## Results", "", verdict.details, ""]
    if has_curves:
        out += ["![metrics against steps](curves.png)", ""]
    grids = sorted({row["grid"] for row in rows if row.get("grid")})
    if grids:
        out += ["## Samples (first seed of each setting)", ""] + [f"`{g}`: ![{g}]({g})" for g in grids] + [""]
    return "\n".join(out)


def verdict_table(findings: Sequence[Finding], root: str) -> str:
    """The markdown verdict table: one line per finding, recomputed from its committed rows."""
    lines = ["| finding | the report's words | our result | verdict |", "|---|---|---|---|"]
    for finding in findings:
        rows = read_rows(os.path.join(root, finding.name))
        link = f"[`{finding.name}`](results/findings/{finding.name}/report.md)"
        if not rows:
            lines.append(f"| `{finding.name}` | {finding.report}: \"{finding.claim}\" | not run yet | - |")
            continue
        verdict = finding.analyze(rows)
        lines.append(f"| {link} | {finding.report}: \"{finding.claim}\" | {verdict.result} | {verdict.verdict} |")
    return "\n".join(lines) + "\n"


def write_verdict_table(text: str, path: str) -> None:
    provenance.write_between(text, path, TABLE_BEGIN, TABLE_END)
