"""`map`: the members one after another inside one jitted program (`lax.map`), which on CPU keeps each member's
matmuls as large as a single run's; a mesh's `data` axis can still split its batches."""

from __future__ import annotations

import functools

import jax

from jaxgan.population.backends.base import BACKENDS, Backend, member_chunk
from jaxgan.population.state import PopulationState


@BACKENDS.register("map", mesh=True, pop_axis=False)
class LaxMap(Backend):
    def _train_chunk(self, state: PopulationState, images, labels, num_steps: int):
        chunk = functools.partial(member_chunk, self.population, images=images, labels=labels, num_steps=num_steps)
        members, alive, failed, metrics = jax.lax.map(
            lambda a: chunk(*a), (self.population.hparams(), state.members, state.alive, state.failed_step))
        return PopulationState(members=members, alive=alive, failed_step=failed), metrics

    @functools.cached_property
    def train_chunk(self):
        return self.jit(self._train_chunk, static_argnums=3, donate_argnums=0)
