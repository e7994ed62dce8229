"""`Population`: many GANs (seeds x hyper-parameter sweeps) of one config, trained together; a single run is a
population of one.

Member `i` is an ordinary run of the variant (see `grid`); its state, noise and batches are exactly those of
that single run (a member's result does not depend on the population it trained in, up to float rounding of
the traced settings and of the backend's batching).

How a sweep becomes one program: every member runs the same train step. A swept setting (a float of the config:
a learning rate, a beta, a loss or regulariser weight, a dropout rate, an EMA decay, sigma0 ...) is passed in as
a traced array `[P]`, and inside the traced function each member's GAN is built from the config with that array
element in place of the float (`member_gan`). Parts therefore never branch in Python on a float setting. A
population of one traces nothing: its GAN is built with the member's Python values, so it is a single run.

Backends (`jaxgan.population.backends`, one class each, picked by `config.population_backend` or `backend`)
decide how the members run; all share one NaN policy: a member whose loss turns NaN/Inf is frozen (its state
stops changing, `alive` False, `failed_step` set) while the others go on.

Sharding: with a mesh `pop:A,data:B` the members are spread along `pop` and every batch (real images and
latents) is split along `data`; the compiler inserts the gradient reductions.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxgan.core import GAN, TrainState, build_gan
from jaxgan.population import backends as backends_lib
from jaxgan.population.grid import Member, member_config, member_grid, members_from  # noqa: F401 (public here)
from jaxgan.population.mesh import check_split, fetch, make_mesh  # noqa: F401 (public here)
from jaxgan.population.state import PopulationState

BACKENDS = backends_lib.BACKENDS


@dataclasses.dataclass(frozen=True)
class Population:
    """`members` of one config and the backend that trains them; see the module docstring."""

    config: ml_collections.ConfigDict
    gan: GAN  # the un-swept GAN (a population of one: the member's): static structure and un-swept settings
    members: tuple[Member, ...]
    backend: str  # a registered backend's name (resolved: never "auto")
    mesh: Mesh | None = None

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def swept(self) -> tuple[str, ...]:
        return tuple(self.members[0].settings)

    def hparams(self) -> dict[str, jax.Array]:
        """The traced settings `{field: float32 [P]}`: the swept values (none for a population of one, whose GAN
        holds its values as Python floats)."""
        if self.size == 1:
            return {}
        return {f: jnp.asarray([m.settings[f] for m in self.members], jnp.float32) for f in self.swept}

    def member_gan(self, hparams: dict[str, jax.Array]) -> GAN:
        """The GAN of one member, its swept settings traced (the un-swept GAN when nothing is traced)."""
        if not hparams:
            return self.gan
        config = member_config(self.config, hparams, traced=True)
        gan = build_gan(config, self.gan.image_shape, self.gan.num_classes, self.gan.data_size)
        return dataclasses.replace(gan, constrain_batch=self.gan.constrain_batch)

    def member_gans(self) -> list[GAN]:
        """Each member's GAN with Python settings (for sampling/evaluating one member on its own)."""
        return [build_gan(member_config(self.config, m.settings), self.gan.image_shape, self.gan.num_classes,
                          self.gan.data_size) for m in self.members]

    @functools.cached_property
    def runner(self) -> backends_lib.Backend:
        """The backend object that trains this population."""
        return BACKENDS.get(self.backend)(self)

    # ----------------------------------------------------------------------------------------- state
    def init_members(self, keys: jax.Array, hparams: dict[str, jax.Array]) -> PopulationState:
        """Fresh states for the keys `[P, 2]` (traceable; `init` runs it compiled and placed)."""
        members = jax.vmap(lambda key, hp: self.member_gan(hp).init(key))(keys, hparams)
        return PopulationState(members=members, alive=jnp.ones((len(keys),), bool),
                               failed_step=jnp.full((len(keys),), -1, jnp.int32))

    def init(self) -> PopulationState:
        """Fresh member states (member i from PRNGKey(its seed)), placed on the mesh when there is one."""
        return self.runner.init()

    def abstract_state(self) -> PopulationState:
        keys = jax.ShapeDtypeStruct((self.size, 2), jnp.uint32)
        return jax.eval_shape(self.init_members, keys, jax.eval_shape(self.hparams))

    def member_state(self, state: PopulationState, i: int) -> TrainState:
        """Member i's own TrainState (unstacked), e.g. to sample or evaluate it."""
        return self.runner.member_state(state, i)

    def step(self, state: PopulationState) -> int:
        """Train steps completed (by the members still training)."""
        return int(np.max(fetch(state.members.step)))

    def status(self, state: PopulationState) -> tuple[np.ndarray, np.ndarray]:
        """(alive bool [P], failed_step int [P]) on the host."""
        return self.runner.status(state)

    def describe(self) -> dict[str, Any]:
        """The population's identity, stored with its checkpoints."""
        return dict(members=[dict(seed=m.seed, settings=m.settings) for m in self.members])

    # ------------------------------------------------------------------------------------------ train
    @property
    def jit_train_chunk(self):
        """Compiled `train_chunk(state, images, labels, num_steps) -> (state, metrics {name: [P, num_steps]})`;
        donates the old state's buffers."""
        return self.runner.train_chunk

    def generate(self, state: PopulationState, key, num: int, labels=None) -> jax.Array:
        """Evaluation-mode samples of every member `[P, num, H, W, C]` (the same noise for all members)."""
        return self.runner.generate(state, key, num, labels)

    # ------------------------------------------------------------------------------------- sharding
    def state_sharding(self) -> Any:
        """Every leaf of the population state split along `pop` (its leading member axis)."""
        spec = NamedSharding(self.mesh, PartitionSpec("pop"))
        return jax.tree_util.tree_map(lambda _: spec, self.abstract_state())

    def put_data(self, images: np.ndarray, labels: np.ndarray) -> tuple[jax.Array, jax.Array]:
        """The dataset on every device (replicated over the mesh, from every process's own copy)."""
        if self.mesh is None:
            return jax.device_put(images), jax.device_put(labels)
        replicated = NamedSharding(self.mesh, PartitionSpec())
        put = lambda a: jax.make_array_from_callback(a.shape, replicated, lambda idx: a[idx])
        return put(images), put(labels)


def build(config: ml_collections.ConfigDict, image_shape, num_classes: int, data_size: int, *, seeds: int = 1,
          sweeps: Sequence[tuple[str, Sequence[float]]] | None = None, backend: str | None = None,
          mesh: str | Mesh | None = None, members: Sequence[Member] | None = None) -> Population:
    """The population of `config` (ValueError, one line, for a bad sweep, backend or mesh).

    `backend` defaults to `config.population_backend` ("auto"); `mesh` is a `pop:A,data:B` spec or a Mesh;
    `members` (e.g. `members_from(meta["population"])`) replaces the grid of `seeds` x `sweeps`.
    Each member's config is built once with its Python values first, so a bad value (e.g. a negative
    clip) is reported like a bad single-run setting.
    """
    members = tuple(members) if members is not None else tuple(member_grid(config, seeds, sweeps or ()))
    for m in members:
        if m.settings:
            build_gan(member_config(config, m.settings), image_shape, num_classes, data_size)
    if isinstance(mesh, str):
        mesh = make_mesh(mesh) if mesh else None
    sizes = dict(mesh.shape) if mesh is not None else None
    name = backends_lib.resolve(backend or config.get("population_backend", "auto"), len(members), sizes)
    if sizes is not None:
        check_split(len(members), config.batch_size, sizes)
    # One member: its own Python settings, nothing traced. Several: the un-swept config gives the structure.
    gan = build_gan(member_config(config, members[0].settings) if len(members) == 1 else config,
                    image_shape, num_classes, data_size)
    if mesh is not None and mesh.shape["data"] > 1:
        batch_spec = NamedSharding(mesh, PartitionSpec("data"))
        gan = dataclasses.replace(gan, constrain_batch=functools.partial(jax.lax.with_sharding_constraint,
                                                                         shardings=batch_spec))
    population = Population(config=config, gan=gan, members=members, backend=name, mesh=mesh)
    hparams = jax.eval_shape(population.hparams)
    if hparams:  # prove that every swept setting traces: one member's chunk, as every backend runs it
        member = jax.tree_util.tree_map(lambda s: jax.ShapeDtypeStruct(s.shape[1:], s.dtype),
                                        population.abstract_state().members)
        one = {f: jax.ShapeDtypeStruct((), jnp.float32) for f in hparams}
        data = (jax.ShapeDtypeStruct((data_size, *image_shape), jnp.uint8),
                jax.ShapeDtypeStruct((data_size,), jnp.int32))
        flag, step = jax.ShapeDtypeStruct((), bool), jax.ShapeDtypeStruct((), jnp.int32)
        try:
            jax.eval_shape(functools.partial(backends_lib.member_chunk, population, num_steps=1), one, member,
                           flag, step, *data)
        except jax.errors.ConcretizationTypeError:
            raise ValueError(f"cannot sweep {', '.join(population.swept)}: a part decides its structure from "
                             "one of these values (a Python branch), so it cannot be traced") from None
    return population
