"""Label conditioning: the parts every conditional generator and discriminator share.

Label-code contract. Every conditional network accepts as `labels` either int labels `[B]` or a float
"label code" `[B, E]` already in the network's code space: one-hot vectors (`kind="onehot"`, E = number of
classes) or rows of the learned embedding (`kind="embed"`, E = `features`). `LabelCode` maps int labels to
codes and passes float codes through unchanged, so latent exploration can feed interpolated, noisy or
out-of-range codes (seed 003 section 2) to the same network. Conditional generators expose
`label_codes(labels) -> [B, E]`, the code of each int label:

    codes = generator.apply(variables, labels, method="label_codes")      # [B, E]
    same = generator.apply(variables, z, codes)  # == generator.apply(variables, z, labels)

Ways to condition (all built from `LabelCode`):
- `join`: concatenate the code to a flat input `[B, F]` or, broadcast over space, to feature maps
  `[B, H, W, C]` as extra channels (at a network's input, or in the middle of D after Reed et al. 2016,
  as seed 003 does).
- `projection_logit`: Miyato & Koyama (2018): logit = psi(phi(x)) + <embed(y), phi(x)>.
- `ConditionalBatchNorm`: batch norm whose gain and bias are linear functions of the code (one gain and
  bias per class for one-hot codes; de Vries et al. 2017, as in Miyato & Koyama's generator).
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

KINDS = ("onehot", "embed")


def is_code(labels: jax.Array) -> bool:
    """True for float label codes `[B, E]`, False for int labels `[B]`."""
    return jnp.issubdtype(jnp.asarray(labels).dtype, jnp.floating)


class LabelCode(nn.Module):
    """int labels `[B]` -> codes `[B, E]`; float codes `[B, E]` pass through unchanged (checked for width E).

    kind="onehot": E = num_classes. kind="embed": a learned `nn.Embed(num_classes, features)` table, E = features
    (its rows are the codes; created on the first call with int labels).
    """

    num_classes: int
    kind: str = "onehot"
    features: int = 0

    @property
    def width(self) -> int:
        return self.num_classes if self.kind == "onehot" else self.features

    @nn.compact
    def __call__(self, labels: jax.Array) -> jax.Array:
        if self.kind not in KINDS:
            raise ValueError(f"label code kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "embed" and self.features < 1:
            raise ValueError(f"an embedded label code needs features >= 1, got {self.features}")
        labels = jnp.asarray(labels)
        if is_code(labels):
            if labels.ndim != 2 or labels.shape[-1] != self.width:
                raise ValueError(f"float label codes must be [B, {self.width}], got {labels.shape}")
            return labels
        if labels.ndim != 1:
            raise ValueError(f"int labels must be [B], got {labels.shape}")
        if self.kind == "onehot":
            return jax.nn.one_hot(labels, self.num_classes)
        return nn.Embed(self.num_classes, self.features, name="embedding")(labels)


def join(h: jax.Array, code: jax.Array) -> jax.Array:
    """Concatenates `code [B, E]` to `h [B, F]` -> `[B, F + E]`, or to maps `h [B, H, W, C]` -> `[B, H, W, C + E]`."""
    if h.ndim == 2:
        return jnp.concatenate([h, code.astype(h.dtype)], axis=-1)
    maps = jnp.broadcast_to(code[:, None, None, :], (*h.shape[:-1], code.shape[-1])).astype(h.dtype)
    return jnp.concatenate([h, maps], axis=-1)


def projection_logit(psi: jax.Array, features: jax.Array, embedded: jax.Array) -> jax.Array:
    """Projection discriminator output `[B, 1]`: psi `[B, 1]` + <embedded `[B, F]`, features `[B, F]`>."""
    return psi + jnp.sum(embedded * features, axis=-1, keepdims=True)


class ConditionalBatchNorm(nn.Module):
    """Batch norm of `h [B, ..., C]` without its own affine part, then (1 + code @ W_gain) * h + code @ W_bias.

    Both maps start at zero, so at initialisation this is plain batch norm; running statistics live in the
    'batch_stats' collection and are updated only when `train`.
    """

    momentum: float = 0.9

    @nn.compact
    def __call__(self, h: jax.Array, code: jax.Array, train: bool) -> jax.Array:
        h = nn.BatchNorm(use_running_average=not train, momentum=self.momentum, use_scale=False,
                         use_bias=False)(h)
        shape = (h.shape[0],) + (1,) * (h.ndim - 2) + (h.shape[-1],)
        gain = nn.Dense(h.shape[-1], use_bias=False, kernel_init=nn.initializers.zeros_init(), name="gain")(code)
        bias = nn.Dense(h.shape[-1], use_bias=False, kernel_init=nn.initializers.zeros_init(), name="bias")(code)
        return (1.0 + gain.reshape(shape)) * h + bias.reshape(shape)
