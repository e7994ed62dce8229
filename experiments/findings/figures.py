"""A finding's figure: each metric against the train step, one line per setting (the mean over seeds) with the
band from the lowest to the highest seed."""

from __future__ import annotations

import math
import os
from typing import Any, Mapping, Sequence

from matplotlib.figure import Figure  # not pyplot: no global backend or figure registry

from experiments.findings.protocol import setting_label


def curves(rows: Sequence[Mapping[str, Any]], metrics: Sequence[str], out_png: str,
           log: Sequence[str] = ()) -> str | None:
    """Writes `out_png` (one panel per metric found in the rows' curves); None if no row has a curve."""
    panels = [m for m in metrics if any(m in p for r in rows for p in r["curve"])]
    if not panels:
        return None
    fig = Figure(figsize=(4.2 * len(panels), 3.4))
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(setting_label(row), []).append(row)
    for k, metric in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), k + 1)
        for label, members in groups.items():
            steps = sorted({p["step"] for r in members for p in r["curve"] if metric in p})
            per_step = [[_finite(p[metric]) for r in members for p in r["curve"] if p["step"] == s and metric in p]
                        for s in steps]
            keep = [(s, v) for s, v in zip(steps, per_step) if any(math.isfinite(x) for x in v)]
            if not keep:
                continue
            xs = [s for s, _ in keep]
            vals = [[x for x in v if math.isfinite(x)] for _, v in keep]
            line, = ax.plot(xs, [sum(v) / len(v) for v in vals], label=label)
            ax.fill_between(xs, [min(v) for v in vals], [max(v) for v in vals], color=line.get_color(), alpha=0.2)
        ax.set_title(metric)
        ax.set_xlabel("train step")
        if metric in log:
            ax.set_yscale("log")
        if k == 0:
            ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(out_png)), exist_ok=True)
    fig.savefig(out_png, dpi=90)
    return out_png


def _finite(x) -> float:
    return math.nan if x is None else float(x)
