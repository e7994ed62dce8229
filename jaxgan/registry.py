"""Builds a part (network, prior, objective, ...) from a config section `{name: ..., **fields}`."""

from __future__ import annotations

from typing import Any, Callable, Mapping


def build(registry: Mapping[str, Callable[..., Any]], kind: str, cfg: Mapping[str, Any], **fixed) -> Any:
    """`registry[cfg.name](**fixed, **other cfg fields)`, with one-line errors for bad names or fields."""
    cfg = dict(cfg)
    name = cfg.pop("name", None)
    if name not in registry:
        raise ValueError(f"unknown {kind} {name!r}; known: {', '.join(sorted(registry))}")
    try:
        return registry[name](**fixed, **cfg)
    except TypeError as e:
        raise ValueError(f"bad {kind} config for {name!r}: {e}") from None
