"""Repeated measurements: median and range, ratios of ranges, and the verdict rule for a target.

A rate measured in N separate processes is reported as its median and its min-max. A target is "met" or
"not met" only when the whole range is on one side of it; a range that straddles it is "unclear" (the
machine's noise is larger than the margin, so either verdict could flip on a re-run).
"""

from __future__ import annotations

import dataclasses
import statistics
from typing import Iterable


@dataclasses.dataclass(frozen=True)
class Range:
    """Median and min-max of repeated readings of one quantity."""

    median: float
    lo: float
    hi: float
    n: int

    @classmethod
    def of(cls, values: Iterable[float]) -> "Range | None":
        values = [float(v) for v in values if v is not None]
        if not values:
            return None
        return cls(statistics.median(values), min(values), max(values), len(values))

    def over(self, other: "Range") -> "Range":
        """self / other, with the range of every pairing: [lo / other.hi, hi / other.lo].

        Every pairing, not the pairs measured side by side: a reader can check it from the two rows' ranges.
        """
        return Range(self.median / other.median, self.lo / other.hi, self.hi / other.lo, min(self.n, other.n))

    def fmt(self, spec: str = ".1f") -> str:
        """"12.3 [11.9-12.8]"; a single reading prints without a range."""
        if self.lo == self.hi:
            return format(self.median, spec)
        return f"{self.median:{spec}} [{self.lo:{spec}}-{self.hi:{spec}}]"


def verdict(value: Range | None, goal: float, at_least: bool = True) -> str:
    """"met" / "not met" when the whole range is on one side of `goal`, else "unclear"; "-" without data.

    at_least: the target is value >= goal (False: value <= goal, e.g. a compile time).
    """
    if value is None:
        return "-"
    good = (value.lo >= goal) if at_least else (value.hi <= goal)
    bad = (value.hi < goal) if at_least else (value.lo > goal)
    return "met" if good else "not met" if bad else "unclear"


def fmt(value: Range | None, spec: str = ".1f") -> str:
    return "-" if value is None else value.fmt(spec)
