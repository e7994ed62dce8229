"""Variants: one module per variant, each with `get_config()` and its command line in the docstring, and
`scales()`: its named recipes (`cpu`, `seed`; see jaxgan.configs.recipe)."""

from __future__ import annotations

import importlib
import pkgutil

import ml_collections

from jaxgan.configs import recipe
from jaxgan.configs.recipe import Scale

NOT_VARIANTS = {"default", "fields", "recipe"}  # modules that are not variants
SCALES = recipe.NAMES  # the scale names every variant declares


def variants() -> list[str]:
    """Names of all variants (the modules of this package, except the shared default)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in NOT_VARIANTS)


def _module(variant: str):
    if variant not in variants():
        raise ValueError(f"unknown variant {variant!r}; known: {', '.join(variants())}")
    return importlib.import_module(f"{__name__}.{variant}")


def describe(variant: str) -> str:
    """First line of a variant's docstring."""
    doc = _module(variant).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def scales(variant: str) -> dict[str, Scale]:
    """The named scales `variant` declares (`{}` when it declares none)."""
    module = _module(variant)
    return dict(module.scales()) if hasattr(module, "scales") else {}


def get_scale(variant: str, scale: str) -> Scale:
    """`variant`'s scale named `scale`; ValueError (one line) when it has none of that name."""
    known = scales(variant)
    if scale not in known:
        raise ValueError(f"variant {variant!r} has no scale {scale!r}; it has: {', '.join(known) or 'none'}")
    return known[scale]


def get_config(variant: str, scale: str | None = None) -> ml_collections.ConfigDict:
    """The config of `variant`, with `config.variant` set; with `scale`, that scale's overrides applied.

    ValueError for an unknown variant or scale.
    """
    config = _module(variant).get_config()
    config.variant = variant
    if scale is not None:
        config = get_scale(variant, scale).apply(config)
    return config
