"""The grid of a population: its members (seeds x sweeps of float settings) and each member's config.

Member `i` is an ordinary run of the variant whose config holds the member's sweep values and whose seed is
`config.seed + (i % seeds)`. Only float settings can be swept: they are passed into the traced program as
arrays `[P]`, while anything that decides the program's structure (widths, `n_d`, part names, batch size) is an
int, bool, string or tuple, refused in one line by `check_sweepable`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any, Sequence

import ml_collections


@dataclasses.dataclass(frozen=True)
class Member:
    index: int
    seed: int
    settings: dict[str, float]  # swept field path -> value

    def describe(self) -> str:
        return ", ".join([f"seed={self.seed}"] + [f"{k}={v:g}" for k, v in self.settings.items()])


def _lookup(config: ml_collections.ConfigDict, path: str) -> tuple[Any, str]:
    """(parent node, last key) of a dotted config path; ValueError for an unknown field."""
    node, parts = config, path.split(".")
    for part in parts[:-1]:
        if not hasattr(node, "keys") or part not in node:
            raise ValueError(f"unknown config field {path!r}")
        node = node[part]
    if not hasattr(node, "keys") or parts[-1] not in node:
        raise ValueError(f"unknown config field {path!r}")
    return node, parts[-1]


def check_sweepable(config: ml_collections.ConfigDict, path: str) -> None:
    """ValueError (one line, naming why) unless `path` is a float setting that can be traced."""
    node, key = _lookup(config, path)
    value = node[key]
    if path == "seed":
        raise ValueError("sweep field 'seed': use --seeds=N (members get seeds config.seed + i)")
    if isinstance(value, bool) or not isinstance(value, float):
        kind = type(value).__name__ if not hasattr(value, "keys") else "section"
        raise ValueError(f"cannot sweep {path!r}: it is a {kind} ({value!r}), a structural setting (it decides "
                         "shapes, parts or the program); only float settings can be swept")


def parse_sweep(spec: str) -> tuple[str, tuple[float, ...]]:
    """`"FIELD=v1,v2,..."` -> (field, values); ValueError (one line) for a malformed spec."""
    field, sep, values = spec.partition("=")
    field = field.strip()
    if not sep or not field or not values.strip():
        raise ValueError(f"--sweep must look like FIELD=v1,v2,... got {spec!r}")
    try:
        parsed = tuple(float(v) for v in values.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"--sweep {field}: values must be numbers, got {values!r}") from None
    if not parsed:
        raise ValueError(f"--sweep {field}: no values")
    if not all(math.isfinite(v) for v in parsed):
        raise ValueError(f"--sweep {field}: values must be finite, got {values!r}")
    return field, parsed


def member_grid(config: ml_collections.ConfigDict, seeds: int = 1,
                sweeps: Sequence[tuple[str, Sequence[float]]] = ()) -> list[Member]:
    """The members: the product of all sweeps (in the given order) times `seeds` seeds (fastest-varying)."""
    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {seeds}")
    fields = [f for f, _ in sweeps]
    if len(set(fields)) != len(fields):
        raise ValueError(f"a field is swept twice: {fields}")
    for field in fields:
        check_sweepable(config, field)
    combos = itertools.product(*(values for _, values in sweeps))
    return [Member(i, config.seed + s, dict(zip(fields, combo)))
            for i, (combo, s) in enumerate(itertools.product(list(combos), range(seeds)))]


def member_config(config: ml_collections.ConfigDict, settings: dict[str, Any],
                  traced: bool = False) -> ml_collections.ConfigDict:
    """A copy of `config` with `settings` in place (Python floats; or traced arrays when `traced`)."""
    copy = ml_collections.ConfigDict(config.to_dict(), type_safe=not traced)
    for path, value in settings.items():
        node, key = _lookup(copy, path)
        node[key] = value if traced else float(value)
    return copy


def members_from(description: dict[str, Any]) -> tuple[Member, ...]:
    """The members recorded by `Population.describe()` (e.g. in a checkpoint's meta)."""
    return tuple(Member(i, m["seed"], dict(m["settings"])) for i, m in enumerate(description["members"]))
