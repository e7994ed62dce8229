"""Config validation, in one place: everything that can be refused from the config and the flags alone, checked
before anything is created (no file written, no data loaded, no device touched).

    check_engine(config, data_size=None)   the train step's settings (build_gan runs it, with the data size)
    check_host(config)                     what the host loop does: cadences, EMA, evaluation
    check_population(config, ...)          seeds, sweeps, mesh spec and backend; every member's own settings
    validate(config, ...)                  all of the above and the workdir: what a training run calls first

Parts validate their own fields when built (registries answer unknown names and fields in one line); the one
check that needs the data is 1 <= batch_size <= dataset size (`check_engine` with `data_size`, from build_gan).
"""

from __future__ import annotations

from typing import Sequence

import ml_collections

# Integer host settings that count steps or items and must be positive.
POSITIVE_HOST_FIELDS = ("steps", "steps_per_call", "log_every", "sample_every", "checkpoint_every",
                        "keep_checkpoints", "num_samples")


def check_engine(config: ml_collections.ConfigDict, data_size: int | None = None) -> None:
    """One-line ValueErrors for impossible train-step settings; batch_size is checked once `data_size` is known."""
    from jaxgan.core.gan import COMPUTE_DTYPES  # the engine imports this module

    if data_size is not None and not 0 < config.batch_size <= data_size:  # one message for both bounds
        raise ValueError(f"batch_size must be in [1, {data_size}] (dataset size), got {config.batch_size}")
    for name in ("n_d", "n_g", "g_every"):
        if config[name] < 1:
            raise ValueError(f"{name} must be >= 1, got {config[name]}")
    if config.adaptive_n_d.max_n_d and config.adaptive_n_d.max_n_d < config.n_d:
        raise ValueError(f"adaptive_n_d.max_n_d must be 0 (fixed n_d) or >= n_d = {config.n_d}, "
                         f"got {config.adaptive_n_d.max_n_d}")
    compute_dtype = config.get("compute_dtype", "float32")
    if compute_dtype not in COMPUTE_DTYPES:
        raise ValueError(f"compute_dtype must be one of {', '.join(COMPUTE_DTYPES)}, got {compute_dtype!r}")


def check_host(config: ml_collections.ConfigDict) -> None:
    """One-line ValueErrors for impossible host-side settings."""
    for name in POSITIVE_HOST_FIELDS:
        if config[name] < 1:
            raise ValueError(f"{name} must be >= 1, got {config[name]}")
    if not 0 <= config.ema_decay < 1:
        raise ValueError(f"ema_decay must be in [0, 1) (0 = no EMA), got {config.ema_decay}")
    if config.eval_every < 0 or config.eval_num_samples < 1:
        raise ValueError("eval_every must be >= 0 (0 = off) and eval_num_samples >= 1")


def check_population(config: ml_collections.ConfigDict, seeds: int = 1,
                     sweeps: Sequence[tuple[str, Sequence[float]]] = (), mesh: str = "") -> None:
    """Seeds, sweeps, mesh spec and backend; then every member's config as a single run's would be checked.
    (Whether the mesh's device count exists is checked when the mesh is made, after multi-host start-up.)"""
    from jaxgan import population  # the population imports the engine, which imports this module

    members = population.member_grid(config, seeds, sweeps)
    sizes = population.parse_mesh(mesh) if mesh else None
    population.backends.check(config.get("population_backend", "auto"), sizes)
    if sizes is not None:
        population.mesh.check_split(len(members), config.batch_size, sizes)
    for member in members:
        if member.settings:
            member_cfg = population.member_config(config, member.settings)
            check_engine(member_cfg)
            check_host(member_cfg)


def validate(config: ml_collections.ConfigDict, *, seeds: int = 1,
             sweeps: Sequence[tuple[str, Sequence[float]]] = (), mesh: str = "", workdir: str | None = None,
             ) -> str | None:
    """Every check a training run can make before creating anything; returns the workdir's absolute path."""
    check_engine(config)
    check_host(config)
    check_population(config, seeds, sweeps, mesh)
    if workdir is None:
        return None
    from jaxgan.run import workdir as workdir_lib  # it imports the engine, which imports this module

    return workdir_lib.check_creatable(workdir)
