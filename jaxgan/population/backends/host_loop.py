"""`loop`: one compiled member chunk (a single run's program, the swept values passed as arguments) called for
each member in turn from the host: no population machinery inside the program at all, one compile with a
single run's compile time. A single run is this backend with one member."""

from __future__ import annotations

import functools

import jax

from jaxgan.population.backends.base import BACKENDS, Backend, member_chunk, stack, unstack
from jaxgan.population.state import PopulationState


@BACKENDS.register("loop", mesh=False, pop_axis=False)
class HostLoop(Backend):
    @functools.cached_property
    def _member_chunk(self):
        return jax.jit(functools.partial(member_chunk, self.population), static_argnums=6, donate_argnums=1)

    def train_chunk(self, state: PopulationState, images, labels, num_steps: int):
        hparams = self.population.hparams()
        outs = [self._member_chunk({k: v[i] for k, v in hparams.items()}, member, state.alive[i],
                                   state.failed_step[i], images, labels, num_steps)
                for i, member in enumerate(unstack(state.members, state.size))]
        members, alive, failed, metrics = stack(outs)
        return PopulationState(members=members, alive=alive, failed_step=failed), metrics
