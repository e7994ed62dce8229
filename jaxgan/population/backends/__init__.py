"""Population backends: one class per module, registered in `BACKENDS` (see `base` for the interface).
Every module of this package is imported here, so a new backend is one new module and no edit elsewhere."""

from jaxgan.population.backends.base import AUTO, AUTO_BACKEND, BACKENDS, Backend, backend_names, check, member_chunk, resolve
from jaxgan.registry import import_submodules

import_submodules(__name__)

__all__ = ["AUTO", "AUTO_BACKEND", "BACKENDS", "Backend", "backend_names", "check", "member_chunk", "resolve"]
