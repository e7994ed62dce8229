"""Plots of logged metrics over training, read back from a workdir's `metrics.jsonl`."""

from __future__ import annotations

import json
import math
import os

from matplotlib.figure import Figure  # not pyplot: no global backend or figure registry to disturb
from matplotlib.ticker import MaxNLocator

from jaxgan import metrics


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


def _save(fig: Figure, out_png: str) -> str:
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out_png)), exist_ok=True)
    fig.savefig(out_png, dpi=100)
    return out_png


def _step_x(ax) -> None:
    ax.set_xlabel("train step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no fractional steps on short runs


def _linear_y(ax) -> None:
    # Absolute tick labels (24.5001, not "+2.45e1" and 1e-4): a value that barely moves stays readable.
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)


def monitor_figure(steps: list[int], values: list[float], key: str) -> Figure | None:
    """`key` against the train step; None if no value is finite.

    Positive series spanning at least a decade (e.g. seed 001's Lipschitz bound, Figure 2, which can grow
    exponentially) get a log axis; others a linear one, since a log axis over less than a decade labels
    its minor ticks and repeats labels (2.44999x10^1 twice) when the value barely moves. Non-finite values
    are dropped (and counted in the title).
    """
    finite = [(s, v) for s, v in zip(steps, values) if math.isfinite(v)]
    if not finite:
        return None
    xs, ys = zip(*finite)
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.plot(xs, ys, marker="." if len(xs) < 50 else None)
    log = min(ys) > 0 and max(ys) >= 10 * min(ys)
    if log:
        ax.set_yscale("log")
    else:
        _linear_y(ax)
    _step_x(ax)
    ax.set_ylabel(key + (" (log scale)" if log else ""))
    dropped = len(values) - len(finite)
    ax.set_title(key + (f" ({dropped} non-finite values dropped)" if dropped else ""))
    ax.grid(True, which="both", alpha=0.3)
    return fig


def plot_monitor_history(metrics_jsonl_path: str, key: str, out_png: str) -> str | None:
    """Plots `key` against the train step into `out_png`; returns the path, or None if `key` was never logged."""
    fig = monitor_figure(*read_history(metrics_jsonl_path, key), key)
    return None if fig is None else _save(fig, out_png)


def plot_monitor_histories(metrics_jsonl_path: str, out_dir: str, prefix: str = "monitor_") -> list[str]:
    """One PNG per logged monitor (`monitor/NAME`, e.g. seed 001's Lipschitz bound) at `out_dir/PREFIX+NAME.png`;
    returns their paths, sorted by name."""
    with open(metrics_jsonl_path) as f:
        keys = sorted({k for line in f if line.strip() for k in json.loads(line) if k.startswith("monitor/")})
    paths = [plot_monitor_history(metrics_jsonl_path, key,
                                  os.path.join(out_dir, prefix + key[len("monitor/"):] + ".png")) for key in keys]
    return [p for p in paths if p]


def plot_training_curves(metrics_jsonl_path: str, out_png: str) -> str | None:
    """G's and D's losses, and D's mean score on real and on fake batches, against the train step.

    Scores are the objective's realness logits (see `jaxgan.losses`: the critic's value for WGANs), the mean
    over each logged interval: D winning shows as the curves parting, a balanced game as them meeting.
    Returns None (and writes nothing) when no losses were logged.
    """
    curves = {key: read_history(metrics_jsonl_path, key) for key in
              ("d/loss", "g/loss", "d/real_logit", "d/fake_logit")}
    if not curves["d/loss"][0]:
        return None
    fig = Figure(figsize=(11, 4))
    ax_loss, ax_score = fig.subplots(1, 2)
    for ax, keys, names in ((ax_loss, ("d/loss", "g/loss"), ("D loss", "G loss")),
                            (ax_score, ("d/real_logit", "d/fake_logit"), ("D on real", "D on fake"))):
        for key, name in zip(keys, names):
            if curves[key][0]:
                ax.plot(*curves[key], label=name)
        _step_x(ax)
        ax.grid(True, alpha=0.3)
        ax.legend()
        _linear_y(ax)
    ax_loss.set(ylabel="loss (mean over each log interval)", title="losses")
    ax_score.axhline(0.0, color="grey", linewidth=0.8, linestyle=":")
    ax_score.set(ylabel="D's realness logit (mean)", title="D's scores on real and fake batches")
    return _save(fig, out_png)


def eval_history_figure(metrics_jsonl_path: str) -> Figure | None:
    """eval/fid, and beside it the metrics registered as curves (`jaxgan.metrics.curve_names`: today
    precision, recall, density, coverage), against the train step; None when no row holds `eval/fid`."""
    if not os.path.exists(metrics_jsonl_path):
        return None
    steps, fids = read_history(metrics_jsonl_path, "eval/fid")
    if not steps:
        return None
    fig = Figure(figsize=(10, 3.8))
    ax_fid, ax_pr = fig.subplots(1, 2)
    ax_fid.plot(steps, fids, marker="o")
    ax_fid.set(xlabel="train step", ylabel="FID (evaluator features)", title="FID")
    for name in metrics.curve_names():
        xs, ys = read_history(metrics_jsonl_path, f"eval/{name}")
        if xs:
            ax_pr.plot(xs, ys, marker="o", label=name, linestyle="-" if name in ("precision", "recall") else ":")
    ax_pr.set(xlabel="train step", title="precision / recall")
    ax_pr.legend()
    return fig


def plot_eval_history(metrics_jsonl_path: str, out_png: str) -> bool:
    """Plots `eval_history_figure` into `out_png`; False (and writes nothing) when no row holds `eval/fid`."""
    fig = eval_history_figure(metrics_jsonl_path)
    if fig is None:
        return False
    _save(fig, out_png)
    return True
