"""Populations: many GANs of one config trained together; a single run is a population of one.

    grid.py        Member, the grid of seeds x sweeps, member_config, members_from
    mesh.py        device meshes (pop x data) and fetch (sharded arrays to the host)
    state.py       PopulationState: member states stacked on a leading axis, alive, failed_step
    backends/      how members run: one class per backend (vmap, map, loop), registered in BACKENDS
    population.py  Population and build(config, ...)
"""

from jaxgan.population.backends import BACKENDS, Backend
from jaxgan.population.grid import Member, member_config, member_grid, members_from, parse_sweep
from jaxgan.population.mesh import fetch, parse_mesh
from jaxgan.population.population import Population, build
from jaxgan.population.state import PopulationState

__all__ = ["BACKENDS", "Backend", "Member", "Population", "PopulationState", "build", "fetch", "member_config",
           "member_grid", "members_from", "parse_mesh", "parse_sweep"]
