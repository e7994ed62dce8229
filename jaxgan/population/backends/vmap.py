"""`vmap`: every member's computation batched in one program (the point on GPU/TPU); the only backend that
spreads members over a mesh's `pop` axis (vmap's `spmd_axis_name`)."""

from __future__ import annotations

import functools

import jax

from jaxgan.population.backends.base import BACKENDS, Backend, member_chunk
from jaxgan.population.state import PopulationState


@BACKENDS.register("vmap", mesh=True, pop_axis=True)
class Vmap(Backend):
    def _train_chunk(self, state: PopulationState, images, labels, num_steps: int):
        chunk = functools.partial(member_chunk, self.population, images=images, labels=labels, num_steps=num_steps)
        spmd = "pop" if self.population.mesh is not None else None
        members, alive, failed, metrics = jax.vmap(chunk, spmd_axis_name=spmd)(
            self.population.hparams(), state.members, state.alive, state.failed_step)
        return PopulationState(members=members, alive=alive, failed_step=failed), metrics

    @functools.cached_property
    def train_chunk(self):
        return self.jit(self._train_chunk, static_argnums=3, donate_argnums=0)

    def generate(self, state: PopulationState, key, num: int, labels=None):
        pop = self.population
        return jax.vmap(lambda hp, member: pop.member_gan(hp).generate(member, key, num, labels))(
            pop.hparams(), state.members)
