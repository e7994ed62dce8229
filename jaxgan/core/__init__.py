"""The engine: the train state, a GAN composed from its parts, the pure train step, scanned chunks, make_train.

    state.py     TrainState (one pytree, checkpointed whole) and Schedule
    gan.py       GAN: the parts of one variant; sampling, discriminating, init
    step.py      the training algorithm: D and G updates, train_step, train_chunk, make_train
    adaptive.py  seed 003's adaptive discriminator advantage
    build.py     build_gan(config, ...): composes the parts a config names
    optim.py     optimisers per parameter group (optax.multi_transform)
"""

from jaxgan.core.build import build_gan
from jaxgan.core.gan import GAN
from jaxgan.core.state import TrainState
from jaxgan.core.step import make_train

__all__ = ["GAN", "TrainState", "build_gan", "make_train"]
