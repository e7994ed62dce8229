"""What a run carries from step to step (`TrainState`, one checkpointed pytree) and its fixed schedule."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import flax
import jax

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
