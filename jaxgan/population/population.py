"""Populations: many GANs (seeds x hyper-parameter sweeps) trained together in one jitted call.

A population is the grid of all sweeps times `seeds` seeds. Member `i` is an ordinary run of the variant
whose config has the member's sweep values and whose seed is `config.seed + (i % seeds)`; its state, noise
and batches are exactly those of that single run (a member's result does not depend on the population it
trained in, up to float rounding of the traced settings).

How a sweep becomes one program: every member runs the same jitted train step. A swept setting (a float of
the config: a learning rate, a beta, a loss or regulariser weight, a dropout rate, an EMA decay, sigma0 ...)
is passed in as a traced array `[P]`, and inside the traced function each member's GAN is built from the
config with that array element in place of the float (`member_gan`). Parts therefore never branch in Python
on a float setting; anything that decides the program's structure (widths, `n_d`, part names, batch size) is
an int, bool, string or tuple and cannot be swept (`check_sweepable` says why, in one line).

Backends: `vmap` batches the members' computations (the point on GPU/TPU); `map` runs them one after another
inside the same jitted call (`lax.map`), which on CPU keeps each member's matmuls as large as a single run's;
`loop` calls one compiled member chunk (a single run's program, swept values passed as arguments) for each
member in turn from the host: no population machinery inside the program at all;
`auto` picks per platform (see `AUTO_BACKEND`, measured by `benchmarks`). A member whose loss turns NaN/Inf
is frozen (its state stops changing, `alive` False, `failed_step` set) while the others go on.

Sharding: with a mesh `pop:A,data:B` the members are spread along `pop` (vmap's `spmd_axis_name`) and every
batch (real images and latents) is split along `data`; the compiler inserts the gradient reductions.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from typing import Any, Sequence

import flax
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxgan.core import GAN, TrainState, build_gan
BACKENDS = ("auto", "vmap", "map", "loop")
# On CPU one model's matmuls (batch 64 and up) already keep both cores busy, so no backend fills idle compute:
# at P=4 (vanilla, batch 64, one process, loaded machine) single 9.1, map 8.2, loop 8.4, vmap 8.1 model-steps/s,
# i.e. equal within the noise. `loop` is chosen because it runs exactly a single run's compiled program per
# member: one compile, with the single run's compile time (map/vmap compiled 2-3x longer). Elsewhere: vmap.
AUTO_BACKEND = {"cpu": "loop"}
MESH_AXES = ("pop", "data")


# ------------------------------------------------------------------------------------------ the grid
@dataclasses.dataclass(frozen=True)
class Member:
    index: int
    seed: int
    settings: dict[str, float]  # swept field path -> value

    def describe(self) -> str:
        return ", ".join([f"seed={self.seed}"] + [f"{k}={v:g}" for k, v in self.settings.items()])


def _lookup(config: ml_collections.ConfigDict, path: str) -> tuple[Any, str]:
    """(parent node, last key) of a dotted config path; ValueError for an unknown field."""
    node, parts = config, path.split(".")
    for part in parts[:-1]:
        if not hasattr(node, "keys") or part not in node:
            raise ValueError(f"unknown config field {path!r}")
        node = node[part]
    if not hasattr(node, "keys") or parts[-1] not in node:
        raise ValueError(f"unknown config field {path!r}")
    return node, parts[-1]


def check_sweepable(config: ml_collections.ConfigDict, path: str) -> None:
    """ValueError (one line, naming why) unless `path` is a float setting that can be traced."""
    node, key = _lookup(config, path)
    value = node[key]
    if path == "seed":
        raise ValueError("sweep field 'seed': use --seeds=N (members get seeds config.seed + i)")
    if isinstance(value, bool) or not isinstance(value, float):
        kind = type(value).__name__ if not hasattr(value, "keys") else "section"
        raise ValueError(f"cannot sweep {path!r}: it is a {kind} ({value!r}), a structural setting (it decides "
                         "shapes, parts or the program); only float settings can be swept")


def parse_sweep(spec: str) -> tuple[str, tuple[float, ...]]:
    """`"FIELD=v1,v2,..."` -> (field, values); ValueError (one line) for a malformed spec."""
    field, sep, values = spec.partition("=")
    field = field.strip()
    if not sep or not field or not values.strip():
        raise ValueError(f"--sweep must look like FIELD=v1,v2,... got {spec!r}")
    try:
        parsed = tuple(float(v) for v in values.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"--sweep {field}: values must be numbers, got {values!r}") from None
    if not parsed:
        raise ValueError(f"--sweep {field}: no values")
    if not all(math.isfinite(v) for v in parsed):
        raise ValueError(f"--sweep {field}: values must be finite, got {values!r}")
    return field, parsed


def member_grid(config: ml_collections.ConfigDict, seeds: int = 1,
                sweeps: Sequence[tuple[str, Sequence[float]]] = ()) -> list[Member]:
    """The members: the product of all sweeps (in the given order) times `seeds` seeds (fastest-varying)."""
    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {seeds}")
    fields = [f for f, _ in sweeps]
    if len(set(fields)) != len(fields):
        raise ValueError(f"a field is swept twice: {fields}")
    for field in fields:
        check_sweepable(config, field)
    combos = itertools.product(*(values for _, values in sweeps))
    return [Member(i, config.seed + s, dict(zip(fields, combo)))
            for i, (combo, s) in enumerate(itertools.product(list(combos), range(seeds)))]


def member_config(config: ml_collections.ConfigDict, settings: dict[str, Any],
                  traced: bool = False) -> ml_collections.ConfigDict:
    """A copy of `config` with `settings` in place (Python floats; or traced arrays when `traced`)."""
    copy = ml_collections.ConfigDict(config.to_dict(), type_safe=not traced)
    for path, value in settings.items():
        node, key = _lookup(copy, path)
        node[key] = value if traced else float(value)
    return copy


# ------------------------------------------------------------------------------------------- meshes
def parse_mesh(spec: str) -> dict[str, int]:
    """`"pop:A,data:B"` (either may be left out) -> {"pop": A, "data": B}; ValueError (one line) if malformed."""
    sizes = {"pop": 1, "data": 1}
    seen = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, size = part.partition(":")
        if not sep or name not in MESH_AXES or name in seen or not size.isdigit() or int(size) < 1:
            raise ValueError(f"--mesh must look like pop:A,data:B (positive sizes, each axis once), got {spec!r}")
        seen.add(name)
        sizes[name] = int(size)
    return sizes


def make_mesh(spec: str) -> Mesh:
    """A `pop` x `data` mesh over all devices (of every process); ValueError unless the sizes use them all."""
    sizes = parse_mesh(spec)
    devices = jax.devices()
    if sizes["pop"] * sizes["data"] != len(devices):
        raise ValueError(f"--mesh {spec!r} needs pop*data = {sizes['pop'] * sizes['data']} devices, "
                         f"there are {len(devices)}")
    return Mesh(np.asarray(devices).reshape(sizes["pop"], sizes["data"]), MESH_AXES)


# ---------------------------------------------------------------------------------------- population
@flax.struct.dataclass
class PopulationState:
    """The whole population, one pytree (checkpointed whole): member states stacked on a leading axis."""

    members: TrainState  # every leaf [P, ...]
    alive: jax.Array  # bool [P]: False once the member's loss was non-finite (it is frozen from then on)
    failed_step: jax.Array  # int32 [P]: the step whose loss was non-finite, -1 while alive


def resolve_backend(backend: str, num_members: int, mesh: Mesh | None) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"population_backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if mesh is not None and mesh.shape["pop"] > 1:
        if backend in ("map", "loop"):
            raise ValueError(f"population_backend={backend} runs members one after another: a mesh with pop > 1 "
                             "needs vmap (or auto)")
        return "vmap"
    if num_members == 1 and mesh is None:
        return "single"  # the plain engine, no population machinery
    if mesh is not None:  # one jitted program over the mesh
        if backend == "loop":
            raise ValueError("population_backend=loop runs members from the host: a mesh needs vmap, map or auto")
        return "vmap" if backend == "auto" else backend
    if backend == "auto":
        return AUTO_BACKEND.get(jax.default_backend(), "vmap")
    return backend


@dataclasses.dataclass(frozen=True)
class Population:
    """`members` of one config, trained by one jitted `train_chunk`; see the module docstring."""

    config: ml_collections.ConfigDict
    gan: GAN  # the un-swept GAN: static structure, and everything that swept settings do not change
    members: tuple[Member, ...]
    backend: str  # resolved: "single", "vmap" or "map"
    mesh: Mesh | None = None

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def swept(self) -> tuple[str, ...]:
        return tuple(self.members[0].settings)

    def hparams(self) -> dict[str, jax.Array]:
        """Swept values `{field: float32 [P]}` (empty without sweeps)."""
        return {f: jnp.asarray([m.settings[f] for m in self.members], jnp.float32) for f in self.swept}

    def member_gan(self, hparams: dict[str, jax.Array]) -> GAN:
        """The GAN of one member, its swept settings traced (the un-swept GAN when nothing is swept)."""
        if not hparams:
            return self.gan
        config = member_config(self.config, hparams, traced=True)
        gan = build_gan(config, self.gan.image_shape, self.gan.num_classes, self.gan.data_size)
        return dataclasses.replace(gan, constrain_batch=self.gan.constrain_batch)

    def member_gans(self) -> list[GAN]:
        """Each member's GAN with Python settings (for sampling/evaluating one member on its own)."""
        return [build_gan(member_config(self.config, m.settings), self.gan.image_shape,
                                 self.gan.num_classes, self.gan.data_size) for m in self.members]

    # ----------------------------------------------------------------------------------------- state
    def _init(self, keys, hparams) -> PopulationState:
        init = lambda key, hp: self.member_gan(hp).init(key)
        members = jax.vmap(init)(keys, hparams)
        return PopulationState(members=members, alive=jnp.ones((self.size,), bool),
                               failed_step=jnp.full((self.size,), -1, jnp.int32))

    def init(self) -> PopulationState | TrainState:
        """Fresh member states (member i from PRNGKey(its seed)), placed on the mesh when there is one.

        The "single" backend (one member, no mesh) keeps the plain engine's TrainState: a one-member run is
        exactly a single run, checkpoints included.
        """
        if self.backend == "single":
            return self.gan.init(jax.random.PRNGKey(self.members[0].seed))
        keys = jnp.stack([jax.random.PRNGKey(m.seed) for m in self.members])
        if self.mesh is None:
            return jax.jit(self._init)(keys, self.hparams())
        return jax.jit(self._init, out_shardings=self.state_sharding())(keys, self.hparams())

    def abstract_state(self) -> PopulationState | TrainState:
        if self.backend == "single":
            return jax.eval_shape(self.gan.init, jax.random.PRNGKey(0))
        keys = jax.ShapeDtypeStruct((self.size, 2), jnp.uint32)
        hp = {f: jax.ShapeDtypeStruct((self.size,), jnp.float32) for f in self.swept}
        return jax.eval_shape(self._init, keys, hp)

    def member_state(self, state: PopulationState | TrainState, i: int) -> TrainState:
        """Member i's own TrainState (unstacked), e.g. to sample or evaluate it."""
        if self.backend == "single":
            return state
        return jax.tree_util.tree_map(lambda x: x[i], state.members)

    def step(self, state: PopulationState | TrainState) -> int:
        """Train steps completed (by the members still training)."""
        if self.backend == "single":
            return int(state.step)
        return int(np.max(fetch(state.members.step)))

    def status(self, state: PopulationState | TrainState) -> tuple[np.ndarray, np.ndarray]:
        """(alive bool [P], failed_step int [P]) on the host; a single run is always alive here (the
        trainer stops it at its first non-finite loss)."""
        if self.backend == "single":
            return np.ones(1, bool), np.full(1, -1)
        return fetch((state.alive, state.failed_step))

    def describe(self) -> dict[str, Any] | None:
        """The population's identity, stored with its checkpoints (None for a single run)."""
        if self.backend == "single":
            return None
        return dict(members=[dict(seed=m.seed, settings=m.settings) for m in self.members])

    # ------------------------------------------------------------------------------------------ train
    def _member_chunk(self, hparams, state, alive, failed_step, images, labels, num_steps: int):
        """One member's `num_steps` steps; a non-finite loss freezes it (state kept, alive False)."""
        gan = self.member_gan(hparams)

        def body(carry, _):
            state, alive, failed_step = carry
            new, metrics = gan.train_step(state, images, labels)
            finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(v)) for v in jax.tree_util.tree_leaves(metrics)]))
            ok = alive & finite
            # A real branch under the map backend (no select over the whole state each step); vmap turns it
            # into a select per member.
            state = jax.lax.cond(ok, lambda: new, lambda: state)
            failed_step = jnp.where(alive & ~finite, new.step, failed_step)
            return (state, ok, failed_step), metrics

        (state, alive, failed_step), metrics = jax.lax.scan(body, (state, alive, failed_step), None,
                                                            length=num_steps)
        return state, alive, failed_step, metrics

    def train_chunk(self, state: PopulationState, images, labels, num_steps: int):
        """`num_steps` steps of every member: (new state, metrics `{name: [P, num_steps]}`)."""
        if self.backend == "single":
            state, metrics = self.gan.train_chunk(state, images, labels, num_steps)
            return state, jax.tree_util.tree_map(lambda x: x[None], metrics)
        chunk = functools.partial(self._member_chunk, images=images, labels=labels, num_steps=num_steps)
        args = (self.hparams(), state.members, state.alive, state.failed_step)
        if self.backend == "vmap":
            spmd = "pop" if self.mesh is not None else None
            members, alive, failed, metrics = jax.vmap(chunk, spmd_axis_name=spmd)(*args)
        else:  # map, and the pure meaning of loop (whose jit_train_chunk runs the members from the host)
            members, alive, failed, metrics = jax.lax.map(lambda a: chunk(*a), args)
        return PopulationState(members=members, alive=alive, failed_step=failed), metrics

    def _loop_train_chunk(self, state: PopulationState, images, labels, num_steps: int):
        """The loop backend: one compiled member chunk (swept values as arguments), called for each member
        in turn from the host; the same results as `train_chunk`, with exactly a single run's program."""
        hparams = self.hparams()
        outs = [self._jit_member_chunk({k: v[i] for k, v in hparams.items()}, member, state.alive[i],
                                       state.failed_step[i], images, labels, num_steps)
                for i, member in enumerate(self._unstack(state.members))]
        members, alive, failed, metrics = self._stack(outs)
        return PopulationState(members=members, alive=alive, failed_step=failed), metrics

    @functools.cached_property
    def _jit_member_chunk(self):
        return jax.jit(self._member_chunk, static_argnums=6, donate_argnums=1)

    @functools.cached_property
    def _unstack(self):
        return jax.jit(lambda tree: [jax.tree_util.tree_map(lambda x: x[i], tree) for i in range(self.size)])

    @functools.cached_property
    def _stack(self):
        return jax.jit(lambda trees: jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *trees))

    @functools.cached_property
    def jit_train_chunk(self):
        """Jitted `train_chunk(state, images, labels, num_steps)`; donates the old state's buffers."""
        if self.backend == "loop":
            return self._loop_train_chunk
        if self.mesh is None:
            return jax.jit(self.train_chunk, static_argnums=3, donate_argnums=0)
        replicated = NamedSharding(self.mesh, PartitionSpec())
        return jax.jit(self.train_chunk, static_argnums=3, donate_argnums=0,
                       out_shardings=(self.state_sharding(), replicated))

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

    # ----------------------------------------------------------------------------------------- samples
    def generate(self, state: PopulationState, key, num: int, labels=None) -> jax.Array:
        """Evaluation-mode samples of every member `[P, num, H, W, C]` (the same noise for all members)."""
        if self.backend == "single":
            return self.gan.generate(state, key, num, labels)[None]
        gen = lambda hp, member: self.member_gan(hp).generate(member, key, num, labels)
        if self.backend in ("map", "loop"):
            return jax.lax.map(lambda a: gen(*a), (self.hparams(), state.members))
        return jax.vmap(gen)(self.hparams(), state.members)


def members_from(description: dict[str, Any]) -> tuple[Member, ...]:
    """The members recorded by `Population.describe()` (e.g. in a checkpoint's meta)."""
    return tuple(Member(i, m["seed"], dict(m["settings"])) for i, m in enumerate(description["members"]))


def fetch(tree: Any) -> Any:
    """Host numpy copies of (possibly sharded, multi-process) arrays: every process gets the whole value."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils
        return jax.tree_util.tree_map(np.asarray, multihost_utils.process_allgather(tree, tiled=True))
    return jax.device_get(tree)


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
    if mesh is not None and len(members) % mesh.shape["pop"]:
        raise ValueError(f"{len(members)} members cannot be split evenly over a pop axis of {mesh.shape['pop']}")
    # One member: its own Python settings, no tracing. Several: the un-swept config gives the structure.
    gan = build_gan(member_config(config, members[0].settings) if len(members) == 1 else config,
                           image_shape, num_classes, data_size)
    if mesh is not None and mesh.shape["data"] > 1:
        if config.batch_size % mesh.shape["data"]:
            raise ValueError(f"batch_size {config.batch_size} cannot be split over a data axis of "
                             f"{mesh.shape['data']}")
        batch_spec = NamedSharding(mesh, PartitionSpec("data"))
        gan = dataclasses.replace(gan, constrain_batch=functools.partial(jax.lax.with_sharding_constraint,
                                                                         shardings=batch_spec))
    backend = resolve_backend(backend or config.get("population_backend", "auto"), len(members), mesh)
    population = Population(config=config, gan=gan, members=members, backend=backend, mesh=mesh)
    if population.backend != "single" and population.swept:  # prove that every swept setting traces
        data = (jax.ShapeDtypeStruct((data_size, *image_shape), jnp.uint8),
                jax.ShapeDtypeStruct((data_size,), jnp.int32))
        try:
            jax.eval_shape(functools.partial(population.train_chunk, num_steps=1), population.abstract_state(),
                           *data)
        except jax.errors.ConcretizationTypeError:
            raise ValueError(f"cannot sweep {', '.join(population.swept)}: a part decides its structure from "
                             "one of these values (a Python branch), so it cannot be traced") from None
    return population
