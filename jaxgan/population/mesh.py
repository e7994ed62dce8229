"""Device meshes for populations: members spread along `pop`, every batch split along `data`; and `fetch`,
which brings (possibly sharded, multi-process) arrays back to the host."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh

MESH_AXES = ("pop", "data")


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


def check_split(num_members: int, batch_size: int, sizes: dict[str, int]) -> None:
    """ValueError (one line) unless the members split evenly over `pop` and every batch over `data`."""
    if num_members % sizes["pop"]:
        raise ValueError(f"{num_members} members cannot be split evenly over a pop axis of {sizes['pop']}")
    if batch_size % sizes["data"]:
        raise ValueError(f"batch_size {batch_size} cannot be split over a data axis of {sizes['data']}")


def fetch(tree: Any) -> Any:
    """Host numpy copies of (possibly sharded, multi-process) arrays: every process gets the whole value."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils
        return jax.tree_util.tree_map(np.asarray, multihost_utils.process_allgather(tree, tiled=True))
    return jax.device_get(tree)
