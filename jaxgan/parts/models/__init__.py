"""Generator and discriminator networks, looked up by the name a config gives them.

Each module defines its networks and registers them in `GENERATORS` / `DISCRIMINATORS` (see `base`, which
states the contract); every module of this package is imported here, so a new network is one new module.
"""

from jaxgan import registry
from jaxgan.parts.models.base import DISCRIMINATORS, GENERATORS, build_discriminator, build_generator

registry.import_submodules(__name__)

__all__ = ["DISCRIMINATORS", "GENERATORS", "build_discriminator", "build_generator"]
