"""`build_gan(config, ...)`: composes the parts a config names into a GAN."""

from __future__ import annotations

import ml_collections

from jaxgan.core import optim
from jaxgan.core.gan import COMPUTE_DTYPES, GAN
from jaxgan.core.state import Schedule
from jaxgan.parts import augment as augment_lib
from jaxgan.parts import latents, losses, models, regularizers


def build_gan(config: ml_collections.ConfigDict, image_shape, num_classes: int, data_size: int) -> GAN:
    """Composes the parts named by `config` into a GAN (raises ValueError on a bad part or size)."""
    if not 0 < config.batch_size <= data_size:
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
