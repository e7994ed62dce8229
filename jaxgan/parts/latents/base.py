"""The prior registry and builder.

A prior (see `jaxgan.parts.contracts.Prior`) is a module that draws `(z [B, d], y [B] int32)` from an explicit
PRNG key. `y` is the class a sample is meant to show: conditional generators read it, conditional losses
compare against it, unconditional parts ignore it. A prior's parameters (if any) are trained with the
generator, in the optimiser group that matches `prior/...`. It registers with
`@PRIORS.register(name, mixture=...)`: `mixture` says it has `k` components, `components() -> (mu, sigma)`.
"""

from __future__ import annotations

from typing import Any, Mapping

from jaxgan.parts import contracts
from jaxgan.registry import Registry

PRIORS: Registry[type[contracts.Prior]] = Registry("latent prior")


def build_prior(cfg: Mapping[str, Any], num_classes: int) -> contracts.Prior:
    """The prior `cfg` names (`config.latent`: `{name, **fields}`)."""
    return PRIORS.build(cfg, num_classes=num_classes)


def has_mixture(prior: contracts.Prior) -> bool:
    """Whether the (registered) `prior` declared mixture components (`contracts.MixturePrior`)."""
    return bool(PRIORS.declared(prior, "mixture", False))
