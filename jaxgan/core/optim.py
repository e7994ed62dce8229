"""Optimisers per parameter group: each group is a path regex with its own optax optimiser and settings.

A config declares groups by name (the flax-examples / big_vision convention of regex-matched groups):

    config.optim.generator = dict(pattern="^generator/", optimizer="adam", learning_rate=2e-4, b1=0.5)
    config.optim.prior     = dict(pattern="^prior/",     optimizer="adam", learning_rate=1e-7, b1=0.5)

Every field but `pattern`, `optimizer` and `clip` is passed to `optax.<optimizer>(...)`; `clip=c` keeps the
group's parameters in [-c, c] after each update (`jaxgan.regularizers.clip_params`). Parameter paths are
`/`-joined dict keys (`generator/Dense_0/kernel`); each parameter must match exactly one group, checked at
build time. The two players' parameter trees get separate optimiser states, built by the same function.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import jax
import optax

from jaxgan.parts.regularizers import constraints

GROUP_KEYS = ("pattern", "optimizer")


def param_paths(params: Any) -> Any:
    """A tree like `params` whose leaves are the leaves' `/`-joined key paths."""
    def path_str(path, _):
        return "/".join(str(getattr(k, "key", getattr(k, "name", k))) for k in path)
    return jax.tree_util.tree_map_with_path(path_str, params)


def assign_groups(params: Any, groups: Mapping[str, Mapping[str, Any]]) -> Any:
    """Tree of group names, one per parameter; ValueError unless each parameter matches exactly one group."""
    compiled = {name: re.compile(group["pattern"]) for name, group in groups.items()}

    def label(path: str) -> str:
        hits = [name for name, rx in compiled.items() if rx.search(path)]
        if len(hits) != 1:
            raise ValueError(f"parameter {path} matches {len(hits)} optimiser groups {hits} (needs exactly 1)")
        return hits[0]

    return jax.tree_util.tree_map(label, param_paths(params))


def make_group_optimizer(group: Mapping[str, Any]) -> optax.GradientTransformation:
    group = dict(group)
    name = group.get("optimizer", "adam")
    factory = getattr(optax, name, None)
    if factory is None or not callable(factory):
        raise ValueError(f"unknown optax optimizer {name!r}")
    # `clip=c` (WGAN weight clipping) is ours, not optax's: a projection chained after the optimiser.
    clip = group.pop("clip", None)
    kwargs = {k: v for k, v in group.items() if k not in GROUP_KEYS}
    try:
        opt = factory(**kwargs)
    except TypeError as e:
        raise ValueError(f"bad settings for optax.{name}: {e}") from None
    return opt if clip is None else optax.chain(opt, constraints.clip_params(clip))


def build_optimizer(groups: Mapping[str, Mapping[str, Any]]) -> optax.GradientTransformation:
    """One optax transformation applying each group's optimiser to the parameters its pattern matches."""
    transforms = {name: make_group_optimizer(group) for name, group in groups.items()}
    return optax.multi_transform(transforms, lambda params: assign_groups(params, groups))
