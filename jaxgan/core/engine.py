"""The generic GAN engine: one train-state pytree, a pure train step, scanned chunks, a pure whole run.

The engine composes the parts a config names (generator, discriminator, latent prior, objective,
regularisers, augmentation, optimiser groups) and never looks at a variant's name: a new variant is a new
config, a new idea is a new part in its own module.

One train step = `n_d` discriminator updates (each on its own real batch) followed, on steps where
`step % g_every == 0`, by `n_g` generator updates. Randomness: the state holds the run's base key; step `s`
uses `fold_in(key, s)`, split for latent noise, dropout, augmentation and penalties, so a run is a pure
function of its seed and resuming from a checkpoint repeats the uninterrupted run bit for bit.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, NamedTuple

import flax
import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import optax

from jaxgan.parts import augment as augment_lib
from jaxgan.data import datasets as data_lib
from jaxgan.parts import latents
from jaxgan.parts import losses
from jaxgan.parts import models
from jaxgan.core import optim
from jaxgan.parts import regularizers
from jaxgan.parts.models.layers import is_static_zero

GENERATOR_PLAYER = ("generator", "prior")
DISCRIMINATOR_PLAYER = ("discriminator",)
DATA_STREAM = 0x5EED  # fold_in constant that separates the data-order stream from the step streams

Metrics = dict[str, jax.Array]


@flax.struct.dataclass
class TrainState:
    """Everything a run carries from step to step; one pytree, checkpointed whole."""

    step: jax.Array  # int32 scalar: completed train steps
    key: jax.Array  # uint32 [2]: the run's base key (never advanced; steps fold in their index)
    params: dict  # {"generator", "prior", "discriminator"}
    model_state: dict  # non-parameter collections (batch stats, power-iteration vectors) per network
    g_opt_state: Any
    d_opt_state: Any
    ema_params: dict  # exponential moving average of the generator's params ({} when disabled)
    data_order: jax.Array  # int32 [N]: the current epoch's permutation of the dataset
    # An adaptive discriminator advantage's carry: {"n_d": D updates next step, "batches": D batches used so
    # far} (int32 scalars); {} for a fixed n_d.
    schedule_state: dict = dataclasses.field(default_factory=dict)


class Schedule(NamedTuple):
    batch_size: int
    n_d: int  # discriminator updates per train step
    n_g: int  # generator updates per generator turn
    g_every: int  # the generator takes its turn on steps where step % g_every == 0
    ema_decay: float
    max_n_d: int = 0  # > 0: adaptive advantage, n_d in [1, max_n_d] follows D's accuracy (see train_step)
    n_d_threshold: float = 0.8  # adaptive: one more D update while D's accuracy is below this, else back to 1


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
    objective: Any  # see jaxgan.losses
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

    # -------------------------------------------------------------------------------------------- updates
    def d_update(self, state: TrainState, real, real_labels, key) -> tuple[TrainState, Metrics]:
        """One discriminator update on a real batch and a fresh fake batch."""
        k_latent, k_gen, k_real, k_fake, k_reg = jax.random.split(key, 5)
        batch = real.shape[0]
        z, fake_labels = self.sample_latent(state.params["prior"], k_latent, batch, train=True)
        fake, _ = self.generate_from(state.params, state.model_state, z, fake_labels, k_gen, train=True)
        fake = jax.lax.stop_gradient(fake)

        def loss_fn(d_params):
            d_params = d_params["discriminator"]
            (real_logits, real_feats), d_state = self.critic(
                d_params, state.model_state["discriminator"], real, real_labels, k_real)
            (fake_logits, fake_feats), d_state = self.critic(d_params, d_state, fake, fake_labels, k_fake)
            loss = self.objective.d_loss(real_logits, fake_logits, real_labels, fake_labels)
            inputs = regularizers.RegularizerInputs(
                critic=lambda x, labels, k: self.critic(d_params, d_state, x, labels, k)[0][0],
                params=d_params, real=real, fake=fake, real_labels=real_labels, fake_labels=fake_labels,
                real_features=real_feats, fake_features=fake_feats, key=k_reg, latents=z)
            penalty, metrics = regularizers.apply_all(self.d_regularizers, inputs, prefix="d/")
            real_score, fake_score = self.objective.realness(real_logits), self.objective.realness(fake_logits)
            metrics.update({"d/adv_loss": loss, "d/real_logit": real_score.mean(), "d/fake_logit": fake_score.mean(),
                            "d/accuracy": 0.5 * ((real_score > 0).mean() + (fake_score < 0).mean())})
            return loss + penalty, (metrics, d_state)

        _, d_params = self.split_players(state.params)
        (loss, (metrics, d_state)), grads = jax.value_and_grad(loss_fn, has_aux=True)(d_params)
        updates, d_opt_state = self.d_optimizer.update(grads, state.d_opt_state, d_params)
        d_params = optax.apply_updates(d_params, updates)
        metrics["d/loss"] = loss
        return state.replace(params={**state.params, **d_params}, d_opt_state=d_opt_state,
                             model_state={**state.model_state, "discriminator": d_state}), metrics

    def g_update(self, state: TrainState, real, real_labels, key) -> tuple[TrainState, Metrics]:
        """One generator (and latent prior) update through a frozen discriminator."""
        k_latent, k_gen, k_fake, k_real, k_reg = jax.random.split(key, 5)
        batch = real.shape[0]
        d_params = state.params["discriminator"]
        d_state = state.model_state["discriminator"]

        def loss_fn(g_params):
            z, fake_labels = self.sample_latent(g_params["prior"], k_latent, batch, train=True)
            fake, g_state = self.generate_from(g_params, state.model_state, z, fake_labels, k_gen, train=True)
            (fake_logits, fake_feats), _ = self.critic(d_params, d_state, fake, fake_labels, k_fake)
            loss = self.objective.g_loss(fake_logits, fake_labels)
            # Unused by most regularisers; jit removes this forward pass when nothing reads it.
            (_, real_feats), _ = self.critic(d_params, d_state, real, real_labels, k_real)
            inputs = regularizers.RegularizerInputs(
                critic=lambda x, labels, k: self.critic(d_params, d_state, x, labels, k)[0][0],
                params=g_params, real=real, fake=fake, real_labels=real_labels, fake_labels=fake_labels,
                real_features=real_feats, fake_features=fake_feats, key=k_reg, latents=z)
            penalty, metrics = regularizers.apply_all(self.g_regularizers, inputs, prefix="g/")
            metrics["g/adv_loss"] = loss
            return loss + penalty, (metrics, g_state)

        g_params, _ = self.split_players(state.params)
        (loss, (metrics, g_state)), grads = jax.value_and_grad(loss_fn, has_aux=True)(g_params)
        updates, g_opt_state = self.g_optimizer.update(grads, state.g_opt_state, g_params)
        g_params = optax.apply_updates(g_params, updates)
        ema = state.ema_params
        if self.uses_ema:
            ema = optax.incremental_update(g_params["generator"], ema, 1.0 - self.schedule.ema_decay)
        metrics["g/loss"] = loss
        return state.replace(params={**state.params, **g_params}, g_opt_state=g_opt_state, ema_params=ema,
                             model_state={**state.model_state, "generator": g_state}), metrics

    def train_step(self, state: TrainState, images, labels) -> tuple[TrainState, Metrics]:
        """One step: n_d D updates on fresh batches, then (every g_every steps) n_g G updates."""
        sched = self.schedule
        step_key = jax.random.fold_in(state.key, state.step)
        d_key, g_key = jax.random.split(step_key)

        def d_turn(carry, i):
            state, _, _ = carry
            done = state.schedule_state["batches"] if sched.max_n_d else state.step * sched.n_d  # D batches so far
            counter = done + i
            epoch, position = counter // self.batches_per_epoch, counter % self.batches_per_epoch
            order = jax.lax.cond(
                position == 0,
                lambda: data_lib.epoch_order(self.data_key(state.key), epoch, self.data_size),
                lambda: state.data_order)
            real, real_labels = data_lib.gather_batch(images, labels, order, position, sched.batch_size)
            real, real_labels = self.constrain_batch(real), self.constrain_batch(real_labels)
            state, metrics = self.d_update(state.replace(data_order=order), real, real_labels,
                                           jax.random.fold_in(d_key, i))
            return (state, real, real_labels), metrics

        empty_batch = (jnp.zeros((sched.batch_size, *self.image_shape)), jnp.zeros((sched.batch_size,), jnp.int32))
        if sched.max_n_d:
            (state, real, real_labels), d_metrics = self.adaptive_d_turns(d_turn, (state, *empty_batch))
        else:
            (state, real, real_labels), d_metrics = jax.lax.scan(d_turn, (state, *empty_batch), jnp.arange(sched.n_d))
            d_metrics = jax.tree_util.tree_map(jnp.mean, d_metrics)

        def g_turn(state):
            def body(state, i):
                return self.g_update(state, real, real_labels, jax.random.fold_in(g_key, i))
            state, metrics = jax.lax.scan(body, state, jnp.arange(sched.n_g))
            return state, jax.tree_util.tree_map(jnp.mean, metrics)

        g_metric_shapes = jax.eval_shape(g_turn, state)[1]
        skip = lambda state: (state, jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), g_metric_shapes))
        g_active = state.step % sched.g_every == 0
        state, g_metrics = jax.lax.cond(g_active, g_turn, skip, state)
        metrics = {**d_metrics, **g_metrics, "g/updated": g_active.astype(jnp.float32)}
        return state.replace(step=state.step + 1), metrics

    def adaptive_d_turns(self, d_turn, carry):
        """Seed 003's adaptive discriminator advantage, inside the jitted step: `(carry, mean D metrics)`.

        A scan of `max_n_d` turns of which the first `n_d = schedule_state["n_d"]` run `d_turn` (the others
        are skipped by `lax.cond`, so they cost nothing). Then, if D's accuracy on this step's batches (real
        scored real, fake scored fake) is below `n_d_threshold` (a float, may be traced), the next step gets one
        more D update (at most `max_n_d`); otherwise it falls back to 1. Logs the advantage as `d/advantage`.
        """
        sched = self.schedule
        n_d = carry[0].schedule_state["n_d"]
        zeros = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), jax.eval_shape(d_turn, carry, 0)[1])
        carry, metrics = jax.lax.scan(lambda c, i: jax.lax.cond(i < n_d, d_turn, lambda c, _: (c, zeros), c, i),
                                      carry, jnp.arange(sched.max_n_d))
        active = jnp.arange(sched.max_n_d) < n_d
        metrics = jax.tree_util.tree_map(lambda m: jnp.sum(jnp.where(active, m, 0)) / n_d, metrics)
        weak = metrics["d/accuracy"] < sched.n_d_threshold
        state = carry[0].replace(schedule_state={
            "n_d": jnp.where(weak, jnp.minimum(n_d + 1, sched.max_n_d), 1).astype(jnp.int32),
            "batches": carry[0].schedule_state["batches"] + n_d})
        metrics["d/advantage"] = n_d.astype(jnp.float32)
        return (state, *carry[1:]), metrics

    def train_chunk(self, state: TrainState, images, labels, num_steps: int) -> tuple[TrainState, Metrics]:
        """`num_steps` train steps in one `lax.scan`; metrics stacked along a leading step axis."""
        return jax.lax.scan(lambda s, _: self.train_step(s, images, labels), state, None, length=num_steps)

    @functools.cached_property
    def jit_train_chunk(self) -> Callable[..., tuple[TrainState, Metrics]]:
        """Jitted `train_chunk(state, images, labels, num_steps)`; donates the old state's buffers."""
        return jax.jit(self.train_chunk, static_argnums=3, donate_argnums=0)


def build_gan(config: ml_collections.ConfigDict, image_shape, num_classes: int, data_size: int) -> GAN:
    """Composes the parts named by `config` into a GAN (raises ValueError on a bad part or size)."""
    if not 0 < config.batch_size <= data_size:
        raise ValueError(f"batch_size must be in [1, {data_size}] (dataset size), got {config.batch_size}")
    for name in ("n_d", "n_g", "g_every"):
        if config[name] < 1:
            raise ValueError(f"{name} must be >= 1, got {config[name]}")
    if config.adaptive_n_d.max_n_d and config.adaptive_n_d.max_n_d < config.n_d:
        raise ValueError(f"adaptive_n_d.max_n_d must be 0 (fixed n_d) or >= n_d = {config.n_d}, "
                         f"got {config.adaptive_n_d.max_n_d}")
    compute_dtype = config.get("compute_dtype", "float32")
    if compute_dtype not in COMPUTE_DTYPES:
        raise ValueError(f"compute_dtype must be one of {', '.join(COMPUTE_DTYPES)}, got {compute_dtype!r}")
    objective = losses.build_objective(config.loss)
    return GAN(
        generator=models.build_generator(config.generator, image_shape, num_classes),
        discriminator=models.build_discriminator(config.discriminator, objective.num_outputs(num_classes),
                                                 num_classes),
        prior=latents.build_prior(config.latent, num_classes),
        objective=objective,
        d_regularizers=regularizers.build_all(config.d_regularizers),
        g_regularizers=regularizers.build_all(config.g_regularizers),
        augment=augment_lib.build(config.augment),
        # One group table for both players: each player's tree holds only its own paths.
        g_optimizer=optim.build_optimizer(config.optim),
        d_optimizer=optim.build_optimizer(config.optim),
        schedule=Schedule(config.batch_size, config.n_d, config.n_g, config.g_every, config.ema_decay,
                          config.adaptive_n_d.max_n_d, config.adaptive_n_d.threshold),
        data_size=data_size, image_shape=tuple(image_shape), num_classes=num_classes, compute_dtype=compute_dtype,
    )


def make_train(gan: GAN, num_steps: int) -> Callable[[jax.Array, jax.Array, jax.Array], tuple[TrainState, Metrics]]:
    """A pure `train(key, images, labels) -> (final state, metrics [num_steps])` for one whole run.

    `jax.jit(jax.vmap(make_train(gan, n), in_axes=(0, None, None)))(keys, images, labels)` trains a
    population of seeds in one call.
    """
    def train(key, images, labels):
        return gan.train_chunk(gan.init(key), images, labels, num_steps)
    return train
