"""A GAN: the parts one variant composes (networks, prior, objective, regularisers, augmentation, optimisers)
and the pure functions that apply them: sampling, discriminating, initialising the train state.

The engine never looks at a variant's name: a new variant is a new config, a new idea a new part in its own
module. The training algorithm (the step) is in `jaxgan.core.step`; `build_gan` (jaxgan.core.build) composes
a GAN from a config.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxgan.core.state import Metrics, Schedule, TrainState
from jaxgan.data import datasets as data_lib
from jaxgan.parts import regularizers
from jaxgan.parts.models.layers import is_static_zero

GENERATOR_PLAYER = ("generator", "prior")
DISCRIMINATOR_PLAYER = ("discriminator",)
DATA_STREAM = 0x5EED  # fold_in constant that separates the data-order stream from the step streams


def _apply(module: nn.Module, params, model_state: dict, *args, train: bool, rngs=None):
    """Applies `module`; returns (output, new model_state). Only training mutates collections."""
    variables = {"params": params, **model_state}
    if train and model_state:
        return module.apply(variables, *args, train=True, rngs=rngs, mutable=list(model_state))
    return module.apply(variables, *args, train=train, rngs=rngs), model_state


def _cast(tree, dtype):
    """The floating-point leaves of `tree` as `dtype` (others, e.g. int labels, unchanged)."""
    return jax.tree_util.tree_map(lambda x: x.astype(dtype) if jnp.issubdtype(x.dtype, jnp.floating) else x, tree)


COMPUTE_DTYPES = ("float32", "bfloat16", "float16")


@dataclasses.dataclass(frozen=True)
class GAN:
    """The parts of one GAN variant and the pure functions that train and sample it."""

    generator: nn.Module
    discriminator: nn.Module
    prior: nn.Module
    objective: Any  # see jaxgan.parts.losses
    d_regularizers: tuple[regularizers.Regularizer, ...]
    g_regularizers: tuple[regularizers.Regularizer, ...]
    augment: Callable[[jax.Array, jax.Array], jax.Array]
    g_optimizer: optax.GradientTransformation
    d_optimizer: optax.GradientTransformation
    schedule: Schedule
    data_size: int
    image_shape: tuple[int, int, int]
    num_classes: int
    # Applied to every batch-shaped array a step makes (real batch, latents): identity, or a sharding
    # constraint that splits batches over a mesh's `data` axis (set by jaxgan.population).
    constrain_batch: Callable[[jax.Array], jax.Array] = lambda x: x
    # dtype of G's and D's matmuls and activations in training (bfloat16 on GPU/TPU halves memory traffic);
    # params, optimiser state, losses and gradients stay float32 (the casts are differentiated through).
    compute_dtype: str = "float32"

    @property
    def uses_ema(self) -> bool:
        """Whether the state keeps an EMA of G (a traced, swept decay always does; decay 0 then tracks G)."""
        return not is_static_zero(self.schedule.ema_decay)

    @property
    def batches_per_epoch(self) -> int:
        return self.data_size // self.schedule.batch_size

    # ------------------------------------------------------------------------------------------ networks
    def sample_latent(self, prior_params, key, batch_size: int, labels=None, train: bool = False):
        """(z [B, d], y [B]) from the prior; `train` enables the prior's own dropout, if any."""
        k_sample, k_drop = jax.random.split(key)
        z, y = self.prior.apply({"params": prior_params}, k_sample, batch_size, labels, train,
                                rngs={"dropout": k_drop})
        return self.constrain_batch(z), self.constrain_batch(y)

    def _apply_net(self, module: nn.Module, params, model_state: dict, x, labels, train: bool, rngs):
        """`_apply` in `compute_dtype`: params and input cast, floating outputs back to float32."""
        if self.compute_dtype == "float32":
            return _apply(module, params, model_state, x, labels, train=train, rngs=rngs)
        out, model_state = _apply(module, _cast(params, self.compute_dtype), model_state,
                                  _cast(x, self.compute_dtype), labels, train=train, rngs=rngs)
        return _cast(out, jnp.float32), model_state

    def generate_from(self, params, model_state, z, labels, key=None, train: bool = False):
        """Generator forward pass: ([B, H, W, C] images, new generator model_state)."""
        return self._apply_net(self.generator, params["generator"], model_state["generator"], z, labels, train,
                               None if key is None else {"dropout": key})

    def critic(self, d_params, d_state, x, labels, key, train: bool = True):
        """D on augmented inputs: ((logits [B, n_out], features [B, F]), new discriminator model_state)."""
        k_aug, k_drop = jax.random.split(key)
        return self._apply_net(self.discriminator, d_params, d_state, self.augment(x, k_aug), labels, train,
                               {"dropout": k_drop})

    def generate(self, state: TrainState, key, num: int, labels=None, use_ema: bool = True) -> jax.Array:
        """Evaluation-mode samples `[num, H, W, C]` in [-1, 1] (EMA generator weights when available)."""
        return self.generate_labelled(state, key, num, labels, use_ema)[0]

    def generate_labelled(self, state: TrainState, key, num: int, labels=None,
                          use_ema: bool = True) -> tuple[jax.Array, jax.Array]:
        """`generate`'s samples and the class `[num]` each was drawn for (given, or drawn by the prior)."""
        params = dict(state.params)
        if use_ema and state.ema_params:
            params["generator"] = state.ema_params
        z, y = self.sample_latent(params["prior"], key, num, labels)
        return self.generate_from(params, state.model_state, z, y)[0], y

    def discriminate(self, state: TrainState, x, labels=None) -> jax.Array:
        """Evaluation-mode discriminator logits `[B, num_outputs]` (no augmentation, no dropout)."""
        labels = jnp.zeros((x.shape[0],), jnp.int32) if labels is None else labels
        return _apply(self.discriminator, state.params["discriminator"], state.model_state["discriminator"],
                      x, labels, train=False)[0][0]

    def realness(self, state: TrainState, x, labels=None) -> jax.Array:
        """How real the evaluation-mode D finds each input: a logit `[B]` (the objective says which)."""
        return self.objective.realness(self.discriminate(state, x, labels))

    # --------------------------------------------------------------------------------------------- state
    def init(self, key: jax.Array) -> TrainState:
        """A fresh train state; all randomness from `key`."""
        k_prior, k_gen, k_disc = jax.random.split(key, 3)
        prior_vars = self.prior.init({"params": k_prior, "dropout": k_prior}, k_prior, 2)
        z, y = self.prior.apply(prior_vars, k_prior, 2, rngs={"dropout": k_prior})
        g_vars = dict(self.generator.init({"params": k_gen, "dropout": k_gen}, z, y, train=False))
        x = self.generator.apply(g_vars, z, y, train=False)
        d_vars = dict(self.discriminator.init({"params": k_disc, "dropout": k_disc}, x, y, train=False))
        params = {"generator": g_vars.pop("params"), "prior": dict(prior_vars).get("params", {}),
                  "discriminator": d_vars.pop("params")}
        g_params, d_params = self.split_players(params)
        return TrainState(
            step=jnp.zeros((), jnp.int32), key=key, params=params,
            model_state={"generator": g_vars, "discriminator": d_vars},
            g_opt_state=self.g_optimizer.init(g_params), d_opt_state=self.d_optimizer.init(d_params),
            # A copy, not the generator's own buffers: the trainer donates the state, and one buffer held
            # twice in a donated pytree cannot be donated ("Attempt to donate the same buffer twice").
            ema_params=jax.tree_util.tree_map(jnp.copy, params["generator"]) if self.uses_ema else {},
            data_order=data_lib.epoch_order(self.data_key(key), jnp.zeros((), jnp.int32), self.data_size),
            schedule_state=({"n_d": jnp.asarray(self.schedule.n_d, jnp.int32), "batches": jnp.zeros((), jnp.int32)}
                            if self.schedule.max_n_d else {}),
        )

    @staticmethod
    def data_key(key):
        return jax.random.fold_in(key, DATA_STREAM)

    @staticmethod
    def split_players(params: dict) -> tuple[dict, dict]:
        return ({k: params[k] for k in GENERATOR_PLAYER}, {k: params[k] for k in DISCRIMINATOR_PLAYER})

    # ----------------------------------------------------------------------------------------- training
    # The training algorithm lives in jaxgan.core.step; these are its entry points bound to this GAN.
    def train_step(self, state: TrainState, images, labels) -> tuple[TrainState, Metrics]:
        """One train step (see `jaxgan.core.step.train_step`)."""
        from jaxgan.core import step  # step imports this module

        return step.train_step(self, state, images, labels)

    def train_chunk(self, state: TrainState, images, labels, num_steps: int) -> tuple[TrainState, Metrics]:
        """`num_steps` train steps in one `lax.scan`; metrics stacked along a leading step axis."""
        from jaxgan.core import step

        return step.train_chunk(self, state, images, labels, num_steps)

    @functools.cached_property
    def jit_train_chunk(self) -> Callable[..., tuple[TrainState, Metrics]]:
        """Jitted `train_chunk(state, images, labels, num_steps)`; donates the old state's buffers."""
        return jax.jit(self.train_chunk, static_argnums=3, donate_argnums=0)
