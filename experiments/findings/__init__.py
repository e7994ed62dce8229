"""The reports' findings, tested: one module per finding, each a `Finding` (see finding.py).

    python -m experiments.findings --finding=NAME [--quick]   # train, judge, write results/findings/NAME/
    python -m experiments.findings --table [--table_out=experiments/README.md]   # the verdict table
"""

from __future__ import annotations

import importlib

NAMES = ("vanilla_tricks", "wgan_lipschitz", "gm_mixture", "mmd_collapse", "cgan_advantage", "synthetic_data",
         "population_sweep")


def get(name: str):
    """The `Finding` of one name; ValueError (one line) for an unknown name."""
    if name not in NAMES:
        raise ValueError(f"unknown finding {name!r}; known: {', '.join(NAMES)}")
    return importlib.import_module(f"experiments.findings.{name}").FINDING


def all_findings() -> list:
    return [get(name) for name in NAMES]
