"""Feature normalisation for conv networks: none, batch norm, or virtual batch norm, chosen by a string.

`normalize(kind, h, train, ...)` is the one entry point a network calls (inside its compact `__call__`):

* "batch": `flax.linen.BatchNorm` over all axes but the last (per channel). Training normalises with the
  batch's statistics and updates running averages in the `batch_stats` collection (the engine keeps it in
  `state.model_state`, mutates it only in training and checkpoints it); evaluation uses the running averages,
  so a sample does not depend on the rest of its batch.
* "virtual": virtual batch norm (Salimans et al. 2016, "Improved techniques for training GANs", section 3.4):
  each example is normalised with the statistics of a fixed reference batch combined with the example itself;
  the reference rows are normalised with their own statistics. The network runs the reference batch through
  its layers alongside every batch (`with_reference` prepends it, `drop_reference` removes it at the end), so
  the reference statistics follow the current weights while the reference *inputs* stay fixed. No outputs
  depend on other examples of the batch, in training and evaluation alike.
* "none": identity.

Both norms have the same `scale`/`bias` parameters (so a checkpoint's params read with either kind).
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

NORMS = ("none", "batch", "virtual")
VBN_COLLECTION = "vbn"  # the reference batch and its "chosen" flag; kept in model_state like batch_stats


def check_kind(kind: str) -> str:
    if kind not in NORMS:
        raise ValueError(f"norm must be one of {', '.join(NORMS)}; got {kind!r}")
    return kind


class VirtualBatchNorm(nn.Module):
    """x `[R + B, ..., C]` whose first R rows are the reference batch -> the same shape, normalised per channel.

    Reference rows: `(x - mu_ref) / sqrt(var_ref + eps)` with mu/var over the reference rows and all
    non-channel axes. Example row i: the same with `mu_i = (m_i + R mu_ref) / (R + 1)` and
    `var_i = (s_i + R s_ref) / (R + 1) - mu_i^2`, where m_i, s_i are the mean and mean square of row i over its
    non-channel axes (the example counts as one more member of the reference batch). Then `* scale + bias`.
    """

    reference_size: int
    epsilon: float = 1e-5

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        channels = x.shape[-1]
        scale = self.param("scale", nn.initializers.ones_init(), (channels,))
        bias = self.param("bias", nn.initializers.zeros_init(), (channels,))
        r = self.reference_size
        inner = tuple(range(1, x.ndim - 1))  # an example's own non-channel axes (none for [N, C] inputs)
        row_mean = jnp.mean(x, axis=inner, keepdims=True)  # [R + B, 1.., C]
        row_sq = jnp.mean(jnp.square(x), axis=inner, keepdims=True)
        ref_mean, ref_sq = jnp.mean(row_mean[:r], axis=0), jnp.mean(row_sq[:r], axis=0)  # [1.., C]
        is_ref = (jnp.arange(x.shape[0]) < r).reshape((-1,) + (1,) * (x.ndim - 1))
        weight = jnp.where(is_ref, 0.0, 1.0 / (r + 1))  # the example's own share of the statistics
        mean = weight * row_mean + (1 - weight) * ref_mean
        var = jnp.maximum(weight * row_sq + (1 - weight) * ref_sq - jnp.square(mean), 0.0)
        return (x - mean) * jax.lax.rsqrt(var + self.epsilon) * scale + bias


class ReferenceBatch(nn.Module):
    """Prepends virtual batch norm's fixed reference inputs `[size, ...]` to a batch `[B, ...]`.

    The reference is chosen once: the first `size` rows of the first batch seen in training (for a
    discriminator, real images; for a generator, latent vectors). It is kept, with a flag saying it has been
    chosen, in the `vbn` collection (part of `state.model_state`, so checkpointed) and never changes again.
    Why not at initialisation: the engine initialises D on two generated images and no data. Until chosen
    (at init, or sampling an untrained state) the batch's own first rows, repeated if needed, stand in.
    """

    size: int

    @nn.compact
    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        reference = self.variable(VBN_COLLECTION, "reference", jnp.zeros, (self.size, *x.shape[1:]), x.dtype)
        chosen = self.variable(VBN_COLLECTION, "chosen", lambda: jnp.zeros((), jnp.bool_))
        stand_in = x[jnp.arange(self.size) % x.shape[0]]
        ref = jnp.where(chosen.value, reference.value, stand_in)
        if train and not self.is_initializing() and self.is_mutable_collection(VBN_COLLECTION):
            reference.value, chosen.value = ref, jnp.ones((), jnp.bool_)
        return jnp.concatenate([jax.lax.stop_gradient(ref), x], axis=0)


def with_reference(kind: str, x: jax.Array, train: bool, reference_size: int) -> jax.Array:
    """For "virtual", `[reference_size + B, ...]` (reference rows first); else `x` unchanged."""
    return ReferenceBatch(reference_size, name="reference")(x, train) if kind == "virtual" else x


def drop_reference(kind: str, h: jax.Array, reference_size: int) -> jax.Array:
    """Removes the reference rows `with_reference` added (a no-op for other kinds)."""
    return h[reference_size:] if kind == "virtual" else h


def normalize(kind: str, h: jax.Array, train: bool, *, reference_size: int = 0, momentum: float = 0.9,
              name: str | None = None) -> jax.Array:
    """Normalises `h [N, ..., C]` per channel with the chosen `kind` (call inside a compact module).

    momentum: batch norm's running-average decay (0.9 = PyTorch's default 0.1 update, ours; flax defaults to
    0.99, which trails a generator that changes quickly during GAN training).
    """
    if check_kind(kind) == "batch":
        return nn.BatchNorm(use_running_average=not train, momentum=momentum, epsilon=1e-5, name=name)(h)
    if kind == "virtual":
        return VirtualBatchNorm(reference_size, name=name)(h)
    return h
