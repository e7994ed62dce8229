"""Summaries over seeds, and the one rule every verdict follows: a difference smaller than the spread over
seeds is not an effect. Two settings differ only when their ranges over seeds (min to max) do not overlap."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Iterable, Mapping, Sequence

from experiments.findings.protocol import setting_label


@dataclasses.dataclass(frozen=True)
class Summary:
    mean: float
    lo: float
    hi: float
    n: int

    def __str__(self) -> str:
        return self.format()

    def format(self, digits: int = 2) -> str:
        """`mean (min-max)`, or `mean` for one seed; "n/a" for none."""
        if self.n == 0:
            return "n/a"
        if self.n == 1:
            return f"{self.mean:.{digits}f}"
        return f"{self.mean:.{digits}f} ({self.lo:.{digits}f}-{self.hi:.{digits}f})"


def summarize(values: Iterable[float | None]) -> Summary:
    """Mean, min and max of the finite values."""
    xs = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not xs:
        return Summary(math.nan, math.nan, math.nan, 0)
    return Summary(sum(xs) / len(xs), min(xs), max(xs), len(xs))


def compare(a: Summary, b: Summary) -> int:
    """+1 if every seed of `a` is above every seed of `b`, -1 if below, 0 if the ranges overlap (no effect)."""
    if a.n == 0 or b.n == 0:
        return 0
    if a.lo > b.hi:
        return 1
    if a.hi < b.lo:
        return -1
    return 0


def by_setting(rows: Sequence[Mapping[str, Any]], value: Callable[[Mapping[str, Any]], float | None],
               ) -> dict[str, Summary]:
    """`value(row)` summarised over the seeds of each setting (arm and swept values), in the rows' order."""
    groups: dict[str, list[float | None]] = {}
    for row in rows:
        groups.setdefault(setting_label(row), []).append(value(row))
    return {label: summarize(values) for label, values in groups.items()}


def final(metric: str) -> Callable[[Mapping[str, Any]], float | None]:
    """A row's final evaluation of `metric`."""
    return lambda row: row["final"].get(metric)


def curve_at_end(metric: str) -> Callable[[Mapping[str, Any]], float | None]:
    """A row's last logged `metric` during training (e.g. a monitor's value)."""
    def value(row):
        points = [p[metric] for p in row["curve"] if metric in p]
        return points[-1] if points else None
    return value


def curve_max(metric: str) -> Callable[[Mapping[str, Any]], float | None]:
    """The largest logged `metric` over training (non-finite values count as infinite)."""
    def value(row):
        points = [p[metric] for p in row["curve"] if metric in p]
        if not points:
            return None
        return max(math.inf if p is None or not math.isfinite(p) else p for p in points)
    return value


def table(rows: Sequence[Mapping[str, Any]], metrics: Sequence[tuple[str, Callable]], digits: int = 2) -> str:
    """A markdown table: one line per setting, one column per (title, value function), `mean (min-max)`."""
    columns = [(title, by_setting(rows, fn)) for title, fn in metrics]
    settings = list(columns[0][1]) if columns else []
    seeds = by_setting(rows, lambda r: r["seed"])
    lines = ["| setting | seeds | " + " | ".join(title for title, _ in columns) + " |",
             "|---|---:|" + "---:|" * len(columns)]
    for label in settings:
        lines.append(f"| {label} | {seeds[label].n} | "
                     + " | ".join(col[label].format(digits) for _, col in columns) + " |")
    return "\n".join(lines) + "\n"


def scale_words(rows: Sequence[Mapping[str, Any]]) -> str:
    """`3 seeds, 10000 steps, NAME`: the scale a result line was measured at, from its rows."""
    first = rows[0]
    data = first.get("training_data", {}).get("name", "?")
    return f"{first.get('seeds', '?')} seeds, {first.get('steps', '?')} steps, trained on {data}"
