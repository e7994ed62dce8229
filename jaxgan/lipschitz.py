"""Spectral norms of layer kernels: the critic's Lipschitz upper bound and spectrally normalised init.

Seed 001 (section 3.2) tracks `prod_i ||M_i||_2` over the critic's layers: LeakyReLU is 1-Lipschitz, so
for an MLP this product bounds `|D(x) - D(y)| / ||x - y||`. A kernel is read as a matrix the way the seed
does: dense kernels `[in, out]` as they are, conv kernels `[kh, kw, in, out]` as `[kh*kw*in, out]`
(the transpose of the seed's `(out, in*kh*kw)`, so the same singular values).

For a strided convolution the reshaped matrix's norm is NOT a strict bound on the layer: each input pixel
enters up to `ceil(kh/s) * ceil(kw/s)` output patches, so the layer's operator norm can exceed it by up to
`sqrt` of that count (2 for 3x3 kernels at stride 2). We log the seed's quantity for all critics and rely on
it being a strict bound only for dense critics.
"""

from __future__ import annotations

from typing import Any, Callable

import flax
import jax
import jax.numpy as jnp

Initializer = Callable[..., jax.Array]


def kernel_matrix(kernel: jax.Array) -> jax.Array:
    """A kernel `[..., out]` (dense `[in, out]`, conv `[kh, kw, in, out]`) as the matrix `[prod(...), out]`."""
    return kernel.reshape((-1, kernel.shape[-1]))


def spectral_norm(kernel: jax.Array) -> jax.Array:
    """Exact largest singular value of `kernel_matrix(kernel)` (an SVD: fine for critic-sized kernels)."""
    return jnp.linalg.svd(kernel_matrix(kernel).astype(jnp.float32), compute_uv=False)[0]


def power_iteration(kernel: jax.Array, key: jax.Array, num_iters: int = 20) -> jax.Array:
    """Largest singular value of `kernel_matrix(kernel)` by `num_iters` rounds of power iteration.

    The estimate `v^T W u` is a lower bound that converges to sigma_max geometrically in
    (sigma_2 / sigma_1)^2 per round; the start vector is random so it is almost surely not orthogonal to
    the top right-singular vector.
    """
    w = kernel_matrix(kernel).astype(jnp.float32)
    u = jax.random.normal(key, (w.shape[1],))

    def body(_, u):
        v = w @ u
        v = v / (jnp.linalg.norm(v) + 1e-12)
        u = w.T @ v
        return u / (jnp.linalg.norm(u) + 1e-12)

    u = jax.lax.fori_loop(0, num_iters, body, u / jnp.linalg.norm(u))
    return jnp.linalg.norm(w @ u)


def _spectral_norm_sigmas(model_state: Any) -> dict[tuple[str, ...], jax.Array]:
    """`{params path of a kernel: sigma}` for kernels wrapped by flax's `nn.SpectralNorm`.

    flax keeps the power-iteration estimate of layer `L`'s kernel as `.../SpectralNorm_k/{L}/kernel/sigma`
    in the 'batch_stats' collection, while `L`'s own params live at `.../L/kernel`.
    """
    stats = (model_state or {}).get("batch_stats", {})
    sigmas = {}
    for path, value in flax.traverse_util.flatten_dict(flax.core.unfreeze(stats)).items():
        *parent, wrapper, name = path
        if wrapper.startswith("SpectralNorm") and name.endswith("/sigma"):
            sigmas[(*parent, *name[: -len("/sigma")].split("/"))] = value
    return sigmas


def lipschitz_upper_bound(params: Any, model_state: Any = None) -> jax.Array:
    """Product over the network's layers of each kernel's spectral norm (a scalar).

    params: one network's params (e.g. `state.params["discriminator"]`); every leaf named `kernel` with
    two or more dimensions is a layer. model_state: that network's non-param collections; kernels that
    flax's `nn.SpectralNorm` divides by its sigma estimate at run time are divided by it here too, so a
    spectrally normalised critic reports the bound of the weights it actually uses.
    """
    sigmas = _spectral_norm_sigmas(model_state)
    bound = jnp.ones(())
    for path, leaf in flax.traverse_util.flatten_dict(flax.core.unfreeze(params)).items():
        if path[-1] != "kernel" or leaf.ndim < 2:
            continue
        norm = spectral_norm(leaf)
        if path in sigmas:
            norm = norm / jnp.where(sigmas[path] != 0, sigmas[path], 1.0)
        bound = bound * norm
    return bound


def spectral_normalized_init(base: Initializer = jax.nn.initializers.lecun_normal()) -> Initializer:
    """Kernel initialiser: `base`'s draw divided by its spectral norm (seed 001's "weights normalised in
    initialisation"), so each layer starts 1-Lipschitz; training may then move it anywhere."""
    def init(key, shape, dtype=jnp.float32):
        kernel = base(key, shape, dtype)
        return kernel / spectral_norm(kernel).astype(dtype)
    return init
