"""`PopulationState`: every member's train state stacked on a leading member axis, with the NaN policy's
bookkeeping (which members are still training)."""

from __future__ import annotations

import flax
import jax

from jaxgan.core import TrainState


@flax.struct.dataclass
class PopulationState:
    """The whole population, one pytree (checkpointed whole). A single run is a population of one."""

    members: TrainState  # every leaf [P, ...]
    alive: jax.Array  # bool [P]: False once the member's loss was non-finite (it is frozen from then on)
    failed_step: jax.Array  # int32 [P]: the step whose loss was non-finite, -1 while alive

    @property
    def size(self) -> int:
        return self.alive.shape[0]

    def member(self, i: int) -> TrainState:
        """Member i's own TrainState (unstacked), e.g. to sample or evaluate it."""
        return jax.tree_util.tree_map(lambda x: x[i], self.members)
