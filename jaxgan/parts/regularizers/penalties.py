"""The WGAN-GP gradient penalty (Gulrajani et al. 2017; seed 001 section 3.1).

`E_x^[(||grad_x^ D(x^)||_2 - target)^2]` on x^ = eps * real + (1 - eps) * fake, eps ~ U[0, 1] per sample:
a soft version of the critic's 1-Lipschitz constraint, enforced along lines between the two
distributions. Registered as the D regulariser "gradient_penalty".
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp

from jaxgan.parts.regularizers.base import REGULARIZERS

CriticFn = Callable[[jax.Array], jax.Array]  # x [B, H, W, C] -> scores [B] or [B, 1]


def interpolate(real: jax.Array, fake: jax.Array, key: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(x^ = eps * real + (1 - eps) * fake `[B, ...]`, eps `[B]`), one eps ~ U[0, 1] per sample."""
    eps = jax.random.uniform(key, (real.shape[0],))
    eps_b = eps.reshape((-1,) + (1,) * (real.ndim - 1))
    return eps_b * real + (1.0 - eps_b) * fake, eps


def input_gradient_norms(critic_fn: CriticFn, x: jax.Array) -> jax.Array:
    """Per-sample `||grad_x D(x_i)||_2` `[B]` for a critic with a single score per sample.

    Computed as the gradient of `sum_i D(x_i)`: D's outputs for different samples do not depend on each
    other (our critics have no batch-coupling layers such as batch norm, and dropout/augmentation draw
    independent per-sample noise), so d(sum_j D(x_j))/dx_i = dD(x_i)/dx_i. One backward pass instead of B.
    """
    def total(x):
        scores = critic_fn(x)
        return scores.reshape((x.shape[0], -1))[:, 0].sum()

    grads = jax.grad(total)(x)
    return jnp.sqrt(jnp.sum(jnp.square(grads.reshape((x.shape[0], -1))), axis=1) + 1e-12)


def gradient_penalty(critic_fn: CriticFn, real: jax.Array, fake: jax.Array, key: jax.Array,
                     target: float = 1.0, one_sided: bool = False) -> tuple[jax.Array, jax.Array]:
    """(penalty scalar, per-sample gradient norms `[B]`) on random interpolates of `real` and `fake`.

    real, fake: `[B, H, W, C]`; critic_fn: `x -> scores [B] or [B, 1]`. The penalty is
    `mean((norm - target)^2)`, or `mean(max(0, norm - target)^2)` when `one_sided` (only slopes above
    `target` are penalised). Differentiable w.r.t. the critic's parameters (double backprop).
    """
    x_hat, _ = interpolate(real, fake, key)
    norms = input_gradient_norms(critic_fn, x_hat)
    excess = norms - target
    if one_sided:
        excess = jnp.maximum(excess, 0.0)
    return jnp.mean(jnp.square(excess)), norms


@REGULARIZERS.register("gradient_penalty")
def gradient_penalty_regularizer(weight: float = 10.0, target: float = 1.0, one_sided: bool = False):
    """Regulariser factory (config `d_regularizers.gradient_penalty = dict(weight=10.0, ...)`)."""
    def regularizer(inputs):
        k_interp, k_critic = jax.random.split(inputs.key)
        # Same augmentation/dropout noise for the whole batch call; labels of the real side (unconditional
        # critics ignore them).
        critic_fn = lambda x: inputs.critic(x, inputs.real_labels, k_critic)
        penalty, norms = gradient_penalty(critic_fn, inputs.real, inputs.fake, k_interp, target, one_sided)
        return weight * penalty, {"gradient_penalty": penalty, "grad_norm": norms.mean()}
    return regularizer
