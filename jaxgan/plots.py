"""Plots of logged metrics over training, read back from a workdir's `metrics.jsonl`."""

from __future__ import annotations

import json
import math
import os

from matplotlib.figure import Figure  # not pyplot: no global backend or figure registry to disturb


def read_history(metrics_jsonl_path: str, key: str) -> tuple[list[int], list[float]]:
    """(steps, values) of `key` from the rows of a metrics.jsonl that have it (one JSON object per line)."""
    steps, values = [], []
    with open(metrics_jsonl_path) as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            if key in row:
                steps.append(int(row.get("step", len(steps))))
                values.append(float(row[key]))
    return steps, values


def plot_monitor_history(metrics_jsonl_path: str, key: str, out_png: str) -> str | None:
    """Plots `key` against the train step into `out_png`; returns the path, or None if `key` was never logged.

    Positive series (e.g. seed 001's Lipschitz bound, Figure 2) are drawn on a log axis, since they
    can grow exponentially; others on a linear one. Non-finite values are dropped (and counted in the title).
    """
    steps, values = read_history(metrics_jsonl_path, key)
    finite = [(s, v) for s, v in zip(steps, values) if math.isfinite(v)]
    if not finite:
        return None
    xs, ys = zip(*finite)
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.plot(xs, ys, marker="." if len(xs) < 50 else None)
    if min(ys) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("train step")
    ax.set_ylabel(key + (" (log scale)" if min(ys) > 0 else ""))
    dropped = len(values) - len(finite)
    ax.set_title(key + (f" ({dropped} non-finite values dropped)" if dropped else ""))
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out_png)), exist_ok=True)
    fig.savefig(out_png, dpi=100)
    return out_png


EVAL_CURVES = ("precision", "recall", "density", "coverage")


def plot_eval_history(metrics_jsonl_path: str, out_png: str) -> bool:
    """Plots eval/fid, and eval/precision, recall, density, coverage, against the train step.

    Returns False (and writes nothing) when no row of `metrics_jsonl_path` holds `eval/fid`.
    """
    if not os.path.exists(metrics_jsonl_path):
        return False
    steps, fids = read_history(metrics_jsonl_path, "eval/fid")
    if not steps:
        return False
    fig = Figure(figsize=(10, 3.8))
    ax_fid, ax_pr = fig.subplots(1, 2)
    ax_fid.plot(steps, fids, marker="o")
    ax_fid.set(xlabel="train step", ylabel="FID (evaluator features)", title="FID")
    for name in EVAL_CURVES:
        xs, ys = read_history(metrics_jsonl_path, f"eval/{name}")
        if xs:
            ax_pr.plot(xs, ys, marker="o", label=name, linestyle="-" if name in ("precision", "recall") else ":")
    ax_pr.set(xlabel="train step", title="precision / recall")
    ax_pr.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out_png)), exist_ok=True)
    fig.savefig(out_png, dpi=100)
    return True
