"""Matmul FLOPs of a JAX function, counted over its jaxpr with loop trip counts.

Why not only `compiled.cost_analysis()["flops"]`: XLA's HloCostAnalysis counts a while loop's body once,
whatever its trip count (measured with jax 0.10.2: a `lax.scan` of 10 matmuls reports the FLOPs of one), and
our train step is scans inside a scan (n_d discriminator updates, n_g generator updates, chunks of steps).
This counts what XLA counts for dots and convolutions (2 FLOPs per multiply-add) and multiplies each
`scan` body by its length; a `cond` counts its costliest branch (so a generator turn taken only every
`g_every` steps is counted on every step: an upper bound when g_every > 1); a `while` of unknown trip count
counts its body once, like XLA. Elementwise work is left out: the roofline fraction compares these FLOPs
with a matmul peak, so only matmul work belongs in the numerator (tests check the count against XLA's own
figure on loop-free functions).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import jax
from jax.extend import core as jex_core


def _dot_flops(eqn) -> int:
    (lhs_contract, _), _ = eqn.params["dimension_numbers"]
    lhs = eqn.invars[0].aval.shape
    out = eqn.outvars[0].aval.shape
    return 2 * math.prod(out) * math.prod(lhs[d] for d in lhs_contract)


def _conv_flops(eqn) -> int:
    # Each output element is a dot over one kernel window (kernel size / its output-feature dimension). An
    # input-dilated conv (the input gradient of a strided conv) multiplies mostly inserted zeros: only one
    # window position in prod(lhs_dilation) meets real input, so the useful work equals the forward conv's.
    rhs = eqn.invars[1].aval.shape
    out_feature_dim = eqn.params["dimension_numbers"].rhs_spec[0]
    out = eqn.outvars[0].aval.shape
    dilation = math.prod(eqn.params.get("lhs_dilation") or (1,))
    return 2 * math.prod(out) * math.prod(rhs) // rhs[out_feature_dim] // dilation


def _sub_jaxprs(value: Any):
    """The jaxprs held by an equation parameter (a jaxpr, a closed jaxpr, or a tuple of them)."""
    if isinstance(value, jex_core.ClosedJaxpr):
        yield value.jaxpr
    elif isinstance(value, jex_core.Jaxpr):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _sub_jaxprs(item)


def jaxpr_flops(jaxpr) -> int:
    """Matmul FLOPs of one evaluation of `jaxpr` (a `Jaxpr` or `ClosedJaxpr`)."""
    jaxpr = getattr(jaxpr, "jaxpr", jaxpr)
    total = 0
    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        if name == "dot_general":
            total += _dot_flops(eqn)
        elif name == "conv_general_dilated":
            total += _conv_flops(eqn)
        elif name == "scan":
            total += eqn.params["length"] * jaxpr_flops(eqn.params["jaxpr"])
        elif name == "cond":
            total += max(jaxpr_flops(branch) for branch in eqn.params["branches"])
        else:  # jit, remat, custom_jvp/vjp, while (body once), ...: each sub-jaxpr once
            total += sum(jaxpr_flops(sub) for value in eqn.params.values() for sub in _sub_jaxprs(value))
    return total


def count_flops(fn: Callable, *args, **kwargs) -> int:
    """Matmul FLOPs of `fn(*args, **kwargs)` (traced abstractly: nothing is computed).

    Work whose result nothing uses is removed first, as XLA removes it (e.g. the engine's G update traces a
    D pass on the real batch that only some regularisers read). JAX has no public dead-code pass over
    jaxprs; its internal one is used when present.
    """
    closed = jax.make_jaxpr(fn)(*args, **kwargs)
    try:
        from jax._src.interpreters import partial_eval as pe

        jaxpr, _ = pe.dce_jaxpr(closed.jaxpr, [True] * len(closed.jaxpr.outvars))
    except (ImportError, AttributeError, TypeError):
        jaxpr = closed.jaxpr
    return jaxpr_flops(jaxpr)
