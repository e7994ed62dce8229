"""`build_gan(config, ...)`: composes the parts a config names into a GAN."""

from __future__ import annotations

import ml_collections

from jaxgan.core import optim
from jaxgan.core.gan import GAN
from jaxgan.core.state import Schedule
from jaxgan.parts import augment as augment_lib
from jaxgan.parts import latents, losses, models, regularizers
from jaxgan.run import validate


def build_gan(config: ml_collections.ConfigDict, image_shape, num_classes: int, data_size: int) -> GAN:
    """Composes the parts named by `config` into a GAN (one-line ValueError on a bad part or setting, see
    jaxgan.run.validate)."""
    validate.check_engine(config, data_size)
    compute_dtype = config.get("compute_dtype", "float32")
    objective = losses.build_objective(config.loss)
    return GAN(
        generator=models.build_generator(config.generator, image_shape, num_classes),
        discriminator=models.build_discriminator(config.discriminator, objective.num_outputs(num_classes),
                                                 num_classes),
        prior=latents.build_prior(config.latent, num_classes),
        objective=objective,
        d_regularizers=regularizers.build_all(config.d_regularizers),
        g_regularizers=regularizers.build_all(config.g_regularizers),
        augment=augment_lib.build(config.augment),
        # One group table for both players: each player's tree holds only its own paths.
        g_optimizer=optim.build_optimizer(config.optim),
        d_optimizer=optim.build_optimizer(config.optim),
        schedule=Schedule(config.batch_size, config.n_d, config.n_g, config.g_every, config.ema_decay,
                          config.adaptive_n_d.max_n_d, config.adaptive_n_d.threshold),
        data_size=data_size, image_shape=tuple(image_shape), num_classes=num_classes, compute_dtype=compute_dtype,
    )
