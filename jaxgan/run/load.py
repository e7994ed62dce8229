"""A trained workdir loaded once: `load_run(workdir, step) -> Run` (config, meta, members, state).

The checkpoint is restored once, onto the devices present (whatever mesh it was trained on, see
`checkpoint.restore_target`); each member's config, GAN and state are then taken from the `Run`:

    run = load_run("runs/sigma0")
    for i in range(run.size):
        gan, state = run.member_gan(i), run.member_state(i)   # member i's own GAN and TrainState

No dataset is loaded: shapes come from the checkpoint's meta.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from typing import Any

import jax
import ml_collections

from jaxgan.core import GAN, TrainState, build_gan
from jaxgan.run import checkpoint
from jaxgan.run.workdir import WorkdirError


@dataclasses.dataclass(frozen=True)
class Run:
    """A trained workdir's checkpoint at one step.

    `state` is the population's state, every leaf `[P, ...]` with P = `size` members (a single run is a
    population of one), except for a workdir trained before that (meta without "population"), whose state is
    the plain TrainState of its one member.
    """

    workdir: str
    step: int  # the checkpoint's step
    config: ml_collections.ConfigDict  # the run's config as trained (un-swept settings, base seed)
    meta: dict[str, Any]  # the checkpoint's meta (variant, config, dataset, shapes, population)
    members: tuple[Any, ...]  # population.Member: index, seed, swept settings
    state: Any
    population: Any = dataclasses.field(repr=False)  # population.Population; None for a pre-population workdir

    @property
    def size(self) -> int:
        return len(self.members)

    def check_member(self, i: int) -> None:
        """WorkdirError (a ValueError, one line) unless `i` is a member of this run."""
        if not 0 <= i < self.size:
            raise WorkdirError(f"--member must be in [0, {self.size - 1}] for {self.workdir}, got {i}")

    def member_config(self, i: int) -> ml_collections.ConfigDict:
        """Member i's own config: the run's, with its swept settings and its seed."""
        from jaxgan.population import population  # population imports the run package's neighbours: keep it lazy

        self.check_member(i)
        member = self.members[i]
        config = population.member_config(self.config, member.settings)
        config.seed = member.seed
        return config

    def member_gan(self, i: int) -> GAN:
        """Member i's GAN (its swept settings as Python values); every member's is built once, on first use."""
        self.check_member(i)
        return self._gans[i]

    def member_state(self, i: int) -> TrainState:
        """Member i's own TrainState (unstacked), e.g. to sample or evaluate it."""
        self.check_member(i)
        if self.population is None:  # single-run adapter (see the class docstring)
            return self.state
        return self.population.member_state(self.state, i)

    def member_dir(self, i: int) -> str:
        """Where member i's outputs go: the workdir itself for a run of one member, else WORKDIR/members/NNN."""
        self.check_member(i)
        return self.workdir if self.size == 1 else os.path.join(self.workdir, "members", f"{i:03d}")

    @functools.cached_property
    def _gans(self) -> list[GAN]:
        if self.population is None:  # single-run adapter
            return [build_gan(self.config, *shapes(self.meta))]
        return list(self.population.member_gans())


def shapes(meta: dict[str, Any]) -> tuple[tuple[int, ...], int, int]:
    """(image_shape, num_classes, data_size): what `build_gan` needs besides the config, from a checkpoint's meta."""
    return tuple(meta["image_shape"]), meta["num_classes"], meta["data_size"]


def _open(workdir: str, step: int | None) -> tuple[checkpoint.Checkpoints, int]:
    """The workdir's checkpoints and the step to read (the latest unless `step`); WorkdirError if none."""
    ckpt_dir = os.path.join(workdir, "checkpoints")
    if not os.path.isdir(ckpt_dir):
        raise WorkdirError(f"no checkpoints in {workdir} (train first: python -m jaxgan.train --workdir=...)")
    ckpts = checkpoint.Checkpoints(ckpt_dir)
    steps = ckpts.steps()
    if not steps:
        ckpts.close()
        raise WorkdirError(f"no checkpoints in {ckpt_dir}")
    if step is not None and step not in steps:
        ckpts.close()
        raise WorkdirError(f"no checkpoint for step {step} in {ckpt_dir} (have {steps})")
    return ckpts, steps[-1] if step is None else step


def _read_meta(ckpts: checkpoint.Checkpoints, step: int) -> dict[str, Any]:
    try:
        return ckpts.read_meta(step)
    except Exception as e:  # orbax raises many kinds for unreadable files
        raise checkpoint.CheckpointError(f"unreadable checkpoint meta in {ckpts.directory}: "
                                         f"{type(e).__name__}") from None


def read_meta(workdir: str, step: int | None = None) -> dict[str, Any]:
    """The meta of a workdir's latest (or `step`) checkpoint, without restoring its state."""
    ckpts, step = _open(workdir, step)
    try:
        return _read_meta(ckpts, step)
    finally:
        ckpts.close()


def load_run(workdir: str, step: int | None = None) -> Run:
    """Restores a trained workdir's latest (or `step`) checkpoint, once, onto the devices present.

    Without `step` a corrupt latest checkpoint falls back to the previous one (with a warning). Raises
    WorkdirError without checkpoints, CheckpointMismatch for a checkpoint that does not match its own meta,
    CheckpointError when none can be read.
    """
    from jaxgan.population import population  # population imports the run package's neighbours: keep it lazy

    workdir = os.path.abspath(workdir)
    ckpts, latest = _open(workdir, step)
    try:
        meta = _read_meta(ckpts, latest)
        config = ml_collections.ConfigDict(meta["config"])
        if "population" in meta:
            pop = population.build(config, *shapes(meta), backend="vmap",
                                   members=population.members_from(meta["population"]))
            members, template = tuple(pop.members), pop.abstract_state()
        else:  # single-run adapter: a workdir trained before every run was a population holds one TrainState
            pop, members = None, population.members_from({"members": [{"seed": config.seed, "settings": {}}]})
            template = jax.eval_shape(build_gan(config, *shapes(meta)).init, jax.random.PRNGKey(0))
        loaded = ckpts.load(template, meta, step)
    finally:
        ckpts.close()
    if loaded is None:
        raise WorkdirError(f"no checkpoints in {ckpts.directory}")
    restored_step, state = loaded
    if restored_step != latest:  # fell back past a corrupt checkpoint: keep that step's own meta
        meta = read_meta(workdir, restored_step)
    return Run(workdir=workdir, step=restored_step, config=config, meta=meta, members=members, state=state,
               population=pop)
