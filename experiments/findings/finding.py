"""A finding: the report's claim, the settings that test it at two scales, and how its results are read.

A finding that compares settings of the engine lists its `arms` (each one population of seeds; see protocol);
one that measures something else (a classifier on generated digits, the cost of a sweep) gives its own `run`.
Either way `analyze(rows)` turns the raw rows into a `Verdict`, so that the verdict table is recomputed from
the committed rows, never typed.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

from experiments.findings.protocol import Analyze, Arm, Context, MemberAnalysis, Scale, check, run_arms

Rows = list[dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class Finding:
    name: str
    report: str  # the report and section, e.g. "seed 001, section 3.1"
    claim: str  # the report's own words, quoted
    scale_note: str  # our scale against the report's, in one or two sentences
    analyze: Analyze
    arms: Sequence[Arm] = ()
    full: Scale | None = None
    quick: Scale | None = None
    run: Callable[[Context, bool], Rows] | None = None  # (context, quick) -> rows, for a finding without arms
    precheck: Callable[[Context, bool], None] | None = None  # its checks (ValueError), before any file exists
    curve_metrics: Sequence[str] = ("fid", "recall", "coverage", "classes_found")
    extra_curve: Sequence[str] = ()  # logged keys to keep in each row's curve (e.g. a monitor)
    log_curves: Sequence[str] = ()  # curve panels drawn on a log axis
    member_analysis: MemberAnalysis | None = None  # extra fields per judged member (ctx, gan, state, config)
    gpu_command: str = ""  # the full-scale run, where ours is smaller than the report's

    def scale(self, ctx: Context) -> Scale | None:
        """The quick or full scale, with the command line's --steps / --seeds in place of its own."""
        scale = self.quick if ctx.quick else self.full
        if scale is None:
            return None
        return dataclasses.replace(scale, **{k: v for k, v in (("steps", ctx.steps), ("seeds", ctx.seeds))
                                             if v is not None})

    def check(self, ctx: Context) -> None:
        """Every setting and data set checked (ValueError, one line) before anything trains or is written."""
        if self.run is None:
            check(ctx, self.arms, self.scale(ctx))
        elif self.precheck is not None:
            self.precheck(ctx, ctx.quick)

    def execute(self, ctx: Context) -> Rows:
        """Trains and judges (or measures) this finding: its rows."""
        if self.run is not None:
            return self.run(ctx, ctx.quick)
        return run_arms(ctx, self.name, self.arms, self.scale(ctx), self.extra_curve, self.member_analysis)
