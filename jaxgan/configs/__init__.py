"""Variants: one module per variant, each with `get_config()` and its command line in the docstring."""

from __future__ import annotations

import importlib
import pkgutil

import ml_collections

NOT_VARIANTS = {"default", "fields"}  # modules that are not variants


def variants() -> list[str]:
    """Names of all variants (the modules of this package, except the shared default)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in NOT_VARIANTS)


def describe(variant: str) -> str:
    """First line of a variant's docstring."""
    doc = importlib.import_module(f"{__name__}.{variant}").__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def get_config(variant: str) -> ml_collections.ConfigDict:
    """The config of `variant`, with `config.variant` set; ValueError for an unknown name."""
    if variant not in variants():
        raise ValueError(f"unknown variant {variant!r}; known: {', '.join(variants())}")
    config = importlib.import_module(f"{__name__}.{variant}").get_config()
    config.variant = variant
    return config
