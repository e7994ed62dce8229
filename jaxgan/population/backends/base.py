"""The population backend interface, its registry, and the one NaN policy every backend runs.

A backend decides how the members of a population are run (batched, one after another inside one program, or
from the host); every backend trains each member with the same `member_chunk`, so all give the same numbers
(up to float rounding where the batching changes) and all freeze a member whose loss turns NaN/Inf.

A new backend is one class in one module of this package:

    @BACKENDS.register("name", mesh=..., pop_axis=...)
    class MyBackend(Backend):
        def train_chunk(self, state, images, labels, num_steps): ...

Capabilities: `mesh` says it runs the population as one jitted program (so a mesh's `data` axis can split its
batches); `pop_axis` says it can also spread members over a mesh's `pop` axis.
"""

from __future__ import annotations

import abc
import functools
from typing import TYPE_CHECKING, Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

from jaxgan.core import TrainState
from jaxgan.population.mesh import fetch
from jaxgan.population.state import PopulationState
from jaxgan.registry import Registry

if TYPE_CHECKING:
    from jaxgan.population.population import Population

Metrics = dict[str, jax.Array]
BACKENDS: Registry[type["Backend"]] = Registry("population backend")
AUTO = "auto"
# On CPU one model's matmuls (batch 64 and up) already keep both cores busy, so no backend fills idle compute:
# at P=4 (vanilla, batch 64, one process, loaded machine) single 9.1, map 8.2, loop 8.4, vmap 8.1 model-steps/s,
# i.e. equal within the noise. `loop` is chosen because it runs exactly a single run's compiled program per
# member: one compile, with the single run's compile time (map/vmap compiled 2-3x longer). Elsewhere: vmap.
AUTO_BACKEND = {"cpu": "loop"}


def member_chunk(population: Population, hparams: dict[str, jax.Array], state: TrainState, alive: jax.Array,
                 failed_step: jax.Array, images, labels, num_steps: int):
    """One member's `num_steps` steps (metrics `{name: [num_steps]}`), under the one NaN policy: a step whose
    metrics hold a NaN/Inf is not taken, the member is frozen from then on (alive False, failed_step set)."""
    gan = population.member_gan(hparams)

    def body(carry, _):
        state, alive, failed_step = carry
        new, metrics = gan.train_step(state, images, labels)
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(v)) for v in jax.tree_util.tree_leaves(metrics)]))
        ok = alive & finite
        # A real branch under lax.map (no select over the whole state each step); vmap makes it a select.
        state = jax.lax.cond(ok, lambda: new, lambda: state)
        failed_step = jnp.where(alive & ~finite, new.step, failed_step)
        return (state, ok, failed_step), metrics

    (state, alive, failed_step), metrics = jax.lax.scan(body, (state, alive, failed_step), None, length=num_steps)
    return state, alive, failed_step, metrics


class Backend(abc.ABC):
    """How a population's members are trained. Subclasses implement `train_chunk`; the rest has defaults."""

    name: str = ""

    def __init__(self, population: Population):
        self.population = population

    def init(self) -> PopulationState:
        """Fresh member states (member i from PRNGKey(its seed)), placed on the mesh when there is one."""
        pop = self.population
        keys = jnp.stack([jax.random.PRNGKey(m.seed) for m in pop.members])
        if pop.mesh is None:
            return jax.jit(pop.init_members)(keys, pop.hparams())
        return jax.jit(pop.init_members, out_shardings=pop.state_sharding())(keys, pop.hparams())

    @abc.abstractmethod
    def train_chunk(self, state: PopulationState, images: jax.Array, labels: jax.Array,
                    num_steps: int) -> tuple[PopulationState, Metrics]:
        """`num_steps` steps of every member, compiled, donating `state`: (new state, metrics `{name: [P,
        num_steps]}`). Every member is trained by `member_chunk`."""

    def generate(self, state: PopulationState, key: jax.Array, num: int, labels=None) -> jax.Array:
        """Evaluation-mode samples of every member `[P, num, H, W, C]` (the same noise for all members);
        traceable (the trainer jits it). By default one member after another."""
        pop = self.population
        gen = lambda hp, member: pop.member_gan(hp).generate(member, key, num, labels)
        return jax.lax.map(lambda a: gen(*a), (pop.hparams(), state.members))

    def member_state(self, state: PopulationState, i: int) -> TrainState:
        """Member i's own TrainState (unstacked)."""
        return state.member(i)

    def status(self, state: PopulationState) -> tuple[np.ndarray, np.ndarray]:
        """(alive bool [P], failed_step int [P]) on the host."""
        return fetch((state.alive, state.failed_step))

    def jit(self, fn: Callable[..., Any], **kwargs) -> Callable[..., Any]:
        """`jax.jit(fn, **kwargs)`, its outputs (state, metrics) placed on the population's mesh if any."""
        pop = self.population
        if pop.mesh is None:
            return jax.jit(fn, **kwargs)
        replicated = NamedSharding(pop.mesh, PartitionSpec())
        return jax.jit(fn, out_shardings=(pop.state_sharding(), replicated), **kwargs)


def backend_names() -> tuple[str, ...]:
    """The values `population_backend` accepts: auto and every registered backend."""
    return (AUTO, *BACKENDS.names())


def check(name: str, mesh_sizes: dict[str, int] | None) -> None:
    """One-line ValueError unless `name` is auto or a registered backend that can run on the mesh (if any)."""
    if name not in backend_names():
        raise ValueError(f"population_backend must be one of {', '.join(backend_names())}, got {name!r}")
    if name == AUTO or mesh_sizes is None:
        return
    capable = lambda cap: [n for n in BACKENDS.names() if BACKENDS.capabilities(n).get(cap)]
    if mesh_sizes["pop"] > 1 and not BACKENDS.capabilities(name).get("pop_axis"):
        raise ValueError(f"population_backend={name} cannot spread members over devices: a mesh with pop > 1 "
                         f"needs {' or '.join(capable('pop_axis'))} (or auto)")
    if not BACKENDS.capabilities(name).get("mesh"):
        raise ValueError(f"population_backend={name} does not run as one program: a mesh needs "
                         f"{', '.join(capable('mesh'))} or auto")


def resolve(name: str, num_members: int, mesh_sizes: dict[str, int] | None) -> str:
    """The registered backend that `name` means for this population (one-line ValueError if it cannot run it).

    auto: with a mesh vmap (one program over the devices); one member without a mesh loop (exactly a single run's
    program); otherwise per platform (`AUTO_BACKEND`, vmap where not listed).
    """
    check(name, mesh_sizes)
    if name != AUTO:
        return name
    if mesh_sizes is not None:
        return "vmap"
    return "loop" if num_members == 1 else AUTO_BACKEND.get(jax.default_backend(), "vmap")


@functools.lru_cache(maxsize=None)
def _jitted_unstack(size: int):
    return jax.jit(lambda tree: [jax.tree_util.tree_map(lambda x: x[i], tree) for i in range(size)])


def unstack(tree: Any, size: int) -> list[Any]:
    """`[tree[i] for i < size]` along the leading axis, in one compiled call."""
    return _jitted_unstack(size)(tree)


@jax.jit
def stack(trees: list[Any]) -> Any:
    """The inverse of `unstack`: trees stacked on a new leading axis."""
    return jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *trees)
