"""Named scales of a variant's recipe: how long and how wide it trains, for a given machine.

    python -m jaxgan.train --variant=gm_gan --scale=cpu     # fits the 2-core CPU (<= 20 minutes per member)
    python -m jaxgan.train --variant=gm_gan --scale=seed    # the report's setup where it gives one, for a GPU
    python -m experiments.zoo --variant=gm_gan --scale=cpu  # the same config, trained and judged for the zoo

A variant module may define `scales() -> dict[str, Scale]` beside `get_config()`; a derived variant calls its
parent's `scales()` and edits the result, as its `get_config()` does. `jaxgan.configs.get_config(variant,
scale)` applies a scale's `overrides` to the variant's config; without a scale the config is unchanged. A
scale only overrides existing fields (it adds none), so what a run computes is still read from its config.

Each scale says where it departs from its report (`departs`: field -> the report's value) and which of its
settings the report does not give (`ours`: field -> why this value), so a reader can tell a reproduction from
our choices. The zoo writes both into every result.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import ml_collections

NAMES = ("cpu", "seed")  # cpu: <= 20 minutes per member on a 2-core CPU; seed: the report's setup where given
MNIST_TRAIN = 60_000  # the reports train on MNIST's 60,000 training digits: an epoch is this / batch steps


@dataclasses.dataclass(frozen=True)
class Scale:
    """One named recipe of a variant.

    overrides: dotted config field -> value (e.g. `{"steps": 6000, "generator.channels": (16, 16)}`).
    departs: dotted field -> the report's value and why this scale differs from it.
    ours: dotted field -> why this value, for settings the report does not give.
    report: the report (and section) the recipe follows, e.g. "seed 001, section 3.3".
    """

    overrides: Mapping[str, Any]
    departs: Mapping[str, str] = dataclasses.field(default_factory=dict)
    ours: Mapping[str, str] = dataclasses.field(default_factory=dict)
    report: str = ""

    def replace(self, overrides: Mapping[str, Any] = (), departs: Mapping[str, str] = (),
                ours: Mapping[str, str] = (), report: str | None = None) -> "Scale":
        """This scale with entries added or replaced (what a derived variant uses)."""
        return Scale(overrides={**self.overrides, **dict(overrides)}, departs={**self.departs, **dict(departs)},
                     ours={**self.ours, **dict(ours)}, report=self.report if report is None else report)

    def apply(self, config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
        """A copy of `config` with the overrides set; ValueError naming a field the config lacks."""
        out = config.copy_and_resolve_references()  # the variant's own config stays as it is
        known = flat_fields(out)
        for field, value in self.overrides.items():
            if field not in known:
                raise ValueError(f"scale override {field!r} is not a field of the config")
            *sections, last = field.split(".")
            node = out
            for section in sections:
                node = node[section]
            node[last] = value  # ConfigDict checks the type (an int may fill a float field)
        return out

    def describe(self) -> dict[str, Any]:
        """JSON-ready: overrides (tuples as lists), departs, ours, report."""
        return dict(overrides={k: list(v) if isinstance(v, tuple) else v for k, v in self.overrides.items()},
                    departs=dict(self.departs), ours=dict(self.ours), report=self.report)


def flat_fields(config: ml_collections.ConfigDict) -> set[str]:
    """Every dotted leaf field of `config`, and every section (`optim`, `optim.generator`, ...)."""
    fields = set()

    def walk(prefix: str, node) -> None:
        for key, value in node.items():
            fields.add(prefix + key)
            if isinstance(value, (dict, ml_collections.ConfigDict)):
                walk(f"{prefix}{key}.", value)
    walk("", config)
    return fields


def epochs_to_steps(epochs: float, batch_size: int, data_size: int = MNIST_TRAIN) -> int:
    """Train steps of `epochs` passes over `data_size` images at `batch_size` (a report's epochs as our steps)."""
    return int(round(epochs * data_size / batch_size))
