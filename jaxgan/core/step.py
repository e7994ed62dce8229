"""The training algorithm: one train step of a GAN, scanned chunks of steps, and a pure whole run.

One train step = `n_d` discriminator updates (each on its own real batch, taken from the epoch's on-device
permutation) followed, on steps where `step % g_every == 0`, by `n_g` generator updates. Randomness: the state
holds the run's base key; step `s` uses `fold_in(key, s)`, split for latent noise, dropout, augmentation and
penalties, so a run is a pure function of its seed and resuming from a checkpoint repeats the uninterrupted
run bit for bit.
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
import optax

from jaxgan.core.adaptive import adaptive_d_turns
from jaxgan.core.gan import GAN
from jaxgan.core.state import Metrics, TrainState
from jaxgan.data import datasets as data_lib
from jaxgan.parts import regularizers


def d_update(gan: GAN, state: TrainState, real, real_labels, key) -> tuple[TrainState, Metrics]:
    """One discriminator update on a real batch and a fresh fake batch."""
    k_latent, k_gen, k_real, k_fake, k_reg = jax.random.split(key, 5)
    batch = real.shape[0]
    z, fake_labels = gan.sample_latent(state.params["prior"], k_latent, batch, train=True)
    fake, _ = gan.generate_from(state.params, state.model_state, z, fake_labels, k_gen, train=True)
    fake = jax.lax.stop_gradient(fake)

    def loss_fn(d_params):
        d_params = d_params["discriminator"]
        (real_logits, real_feats), d_state = gan.critic(
            d_params, state.model_state["discriminator"], real, real_labels, k_real)
        (fake_logits, fake_feats), d_state = gan.critic(d_params, d_state, fake, fake_labels, k_fake)
        loss = gan.objective.d_loss(real_logits, fake_logits, real_labels, fake_labels)
        inputs = regularizers.RegularizerInputs(
            critic=lambda x, labels, k: gan.critic(d_params, d_state, x, labels, k)[0][0],
            params=d_params, real=real, fake=fake, real_labels=real_labels, fake_labels=fake_labels,
            real_features=real_feats, fake_features=fake_feats, key=k_reg, latents=z)
        penalty, metrics = regularizers.apply_all(gan.d_regularizers, inputs, prefix="d/")
        real_score, fake_score = gan.objective.realness(real_logits), gan.objective.realness(fake_logits)
        metrics.update({"d/adv_loss": loss, "d/real_logit": real_score.mean(), "d/fake_logit": fake_score.mean(),
                        "d/accuracy": 0.5 * ((real_score > 0).mean() + (fake_score < 0).mean())})
        return loss + penalty, (metrics, d_state)

    _, d_params = gan.split_players(state.params)
    (loss, (metrics, d_state)), grads = jax.value_and_grad(loss_fn, has_aux=True)(d_params)
    updates, d_opt_state = gan.d_optimizer.update(grads, state.d_opt_state, d_params)
    d_params = optax.apply_updates(d_params, updates)
    metrics["d/loss"] = loss
    return state.replace(params={**state.params, **d_params}, d_opt_state=d_opt_state,
                         model_state={**state.model_state, "discriminator": d_state}), metrics


def g_update(gan: GAN, state: TrainState, real, real_labels, key) -> tuple[TrainState, Metrics]:
    """One generator (and latent prior) update through a frozen discriminator."""
    k_latent, k_gen, k_fake, k_real, k_reg = jax.random.split(key, 5)
    batch = real.shape[0]
    d_params = state.params["discriminator"]
    d_state = state.model_state["discriminator"]

    def loss_fn(g_params):
        z, fake_labels = gan.sample_latent(g_params["prior"], k_latent, batch, train=True)
        fake, g_state = gan.generate_from(g_params, state.model_state, z, fake_labels, k_gen, train=True)
        (fake_logits, fake_feats), _ = gan.critic(d_params, d_state, fake, fake_labels, k_fake)
        loss = gan.objective.g_loss(fake_logits, fake_labels)
        # Unused by most regularisers; jit removes this forward pass when nothing reads it.
        (_, real_feats), _ = gan.critic(d_params, d_state, real, real_labels, k_real)
        inputs = regularizers.RegularizerInputs(
            critic=lambda x, labels, k: gan.critic(d_params, d_state, x, labels, k)[0][0],
            params=g_params, real=real, fake=fake, real_labels=real_labels, fake_labels=fake_labels,
            real_features=real_feats, fake_features=fake_feats, key=k_reg, latents=z)
        penalty, metrics = regularizers.apply_all(gan.g_regularizers, inputs, prefix="g/")
        metrics["g/adv_loss"] = loss
        return loss + penalty, (metrics, g_state)

    g_params, _ = gan.split_players(state.params)
    (loss, (metrics, g_state)), grads = jax.value_and_grad(loss_fn, has_aux=True)(g_params)
    updates, g_opt_state = gan.g_optimizer.update(grads, state.g_opt_state, g_params)
    g_params = optax.apply_updates(g_params, updates)
    ema = state.ema_params
    if gan.uses_ema:
        ema = optax.incremental_update(g_params["generator"], ema, 1.0 - gan.schedule.ema_decay)
    metrics["g/loss"] = loss
    return state.replace(params={**state.params, **g_params}, g_opt_state=g_opt_state, ema_params=ema,
                         model_state={**state.model_state, "generator": g_state}), metrics


def train_step(gan: GAN, state: TrainState, images, labels) -> tuple[TrainState, Metrics]:
    """One step: n_d D updates on fresh batches, then (every g_every steps) n_g G updates."""
    sched = gan.schedule
    step_key = jax.random.fold_in(state.key, state.step)
    d_key, g_key = jax.random.split(step_key)

    def d_turn(carry, i):
        state, _, _ = carry
        done = state.schedule_state["batches"] if sched.max_n_d else state.step * sched.n_d  # D batches so far
        counter = done + i
        epoch, position = counter // gan.batches_per_epoch, counter % gan.batches_per_epoch
        order = jax.lax.cond(
            position == 0,
            lambda: data_lib.epoch_order(gan.data_key(state.key), epoch, gan.data_size),
            lambda: state.data_order)
        real, real_labels = data_lib.gather_batch(images, labels, order, position, sched.batch_size)
        real, real_labels = gan.constrain_batch(real), gan.constrain_batch(real_labels)
        state, metrics = d_update(gan, state.replace(data_order=order), real, real_labels,
                                  jax.random.fold_in(d_key, i))
        return (state, real, real_labels), metrics

    empty_batch = (jnp.zeros((sched.batch_size, *gan.image_shape)), jnp.zeros((sched.batch_size,), jnp.int32))
    if sched.max_n_d:
        (state, real, real_labels), d_metrics = adaptive_d_turns(gan, d_turn, (state, *empty_batch))
    else:
        (state, real, real_labels), d_metrics = jax.lax.scan(d_turn, (state, *empty_batch), jnp.arange(sched.n_d))
        d_metrics = jax.tree_util.tree_map(jnp.mean, d_metrics)

    def g_turn(state):
        def body(state, i):
            return g_update(gan, state, real, real_labels, jax.random.fold_in(g_key, i))
        state, metrics = jax.lax.scan(body, state, jnp.arange(sched.n_g))
        return state, jax.tree_util.tree_map(jnp.mean, metrics)

    g_metric_shapes = jax.eval_shape(g_turn, state)[1]
    skip = lambda state: (state, jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), g_metric_shapes))
    g_active = state.step % sched.g_every == 0
    state, g_metrics = jax.lax.cond(g_active, g_turn, skip, state)
    metrics = {**d_metrics, **g_metrics, "g/updated": g_active.astype(jnp.float32)}
    return state.replace(step=state.step + 1), metrics


def train_chunk(gan: GAN, state: TrainState, images, labels, num_steps: int) -> tuple[TrainState, Metrics]:
    """`num_steps` train steps in one `lax.scan`; metrics stacked along a leading step axis."""
    return jax.lax.scan(lambda s, _: train_step(gan, s, images, labels), state, None, length=num_steps)


def make_train(gan: GAN, num_steps: int) -> Callable[[jax.Array, jax.Array, jax.Array], tuple[TrainState, Metrics]]:
    """A pure `train(key, images, labels) -> (final state, metrics [num_steps])` for one whole run.

    `jax.jit(jax.vmap(make_train(gan, n), in_axes=(0, None, None)))(keys, images, labels)` trains a
    population of seeds in one call.
    """
    def train(key, images, labels):
        return train_chunk(gan, gan.init(key), images, labels, num_steps)
    return train
