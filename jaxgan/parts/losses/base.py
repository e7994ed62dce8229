"""The objective registry and builder.

An objective (see `jaxgan.parts.contracts.Objective`) maps discriminator logits `[B, num_outputs]` (and the
real/fake class labels `[B]`, which class-aware objectives use) to scalar losses, and says how "real" D finds
each input (`realness`, a logit `[B]`: larger = more real), which metrics and rejection sampling read.
It registers with `@OBJECTIVES.register(name, conditional=...)`: `conditional` says whether its generator loss
reads the labels (a function of its settings where a weight can switch that off).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from jaxgan.parts import contracts
from jaxgan.registry import Registry

OBJECTIVES: Registry[Callable[..., contracts.Objective]] = Registry("loss")


def build_objective(cfg: Mapping[str, Any]) -> contracts.Objective:
    """The objective `cfg` names (`config.loss`: `{name, **fields}`)."""
    return OBJECTIVES.build(cfg)
