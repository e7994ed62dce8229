"""The evaluator network: a LeNet-style classifier trained here, whose features and class probabilities feed
the sample-quality metrics (FID, IS, precision/recall, ...) in place of Inception, which knows no digits.

`python -m jaxgan.evaluator --dataset=NAME` (jaxgan.cli.evaluator) trains or loads one and reports its accuracy.

Network: conv3x3(32) - maxpool - conv3x3(64) - maxpool - dense(128) - dropout - dense(K), trained with
AdamW (cosine decay) on about 150k examples, with random translations when the training set is small.
The 128-d post-ReLU penultimate activations are the features; softmax of the last layer gives p(y|x).

Cache: `<root>/evaluators/<dataset slug>-<sha256 of the fit images>-<settings hash>/` with the orbax
params (`params/`), `evaluator.json` (dataset, settings, held-out accuracy) and cached reference features
of real sets (see jaxgan.evaluation). `<root>` is the `cache_dir` argument, else `$JAXGAN_CACHE`, else
`~/.cache/jaxgan`. A missing evaluator is trained on first use (a progress line per epoch on stderr) and
written atomically, so concurrent runs never read half a cache entry.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import os
import re
import shutil
import sys
import time
import uuid
from typing import Any, Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan.data import datasets as data
from jaxgan.data import heldout
from jaxgan.parts.models.conv import PatchConv

CACHE_ENV = "JAXGAN_CACHE"
DEFAULT_CACHE_ROOT = "~/.cache/jaxgan"
VERSION = 2  # part of the cache key: bump when training or architecture changes invalidate cached evaluators
AUTO_EXAMPLES = 150_000  # `epochs=0` trains on about this many examples (bounded by AUTO_EPOCHS)
AUTO_EPOCHS = (5, 40)
SMALL_DATASET = 20_000  # below this many training images, the default adds random translations
INFERENCE_BATCH = 500


@dataclasses.dataclass(frozen=True)
class Settings:
    """How an evaluator is built and trained; all fields enter the cache key."""

    channels: tuple[int, ...] = (32, 64)
    features: int = 128
    dropout: float = 0.3
    epochs: int = 0  # 0: auto, about AUTO_EXAMPLES examples (5 epochs of 60k, 34 of 4,500)
    batch_size: int = 64
    learning_rate: float = 2e-3  # peak of a cosine decay over the whole run (AdamW)
    weight_decay: float = 1e-4
    # Random translations of up to this many pixels; None: 2 below SMALL_DATASET training images, else 0.
    # Measured: the 4,500 fallback digits gain from them (MNIST test 98.1% -> 98.7%), Fashion-MNIST's 60,000
    # centred items lose (91.1% -> 90.4% with 1 pixel).
    max_shift: int | None = None
    heldout_fraction: float = 0.1  # used only when the dataset has a single split
    seed: int = 0

    def epochs_for(self, num_train: int) -> int:
        if self.epochs:
            return self.epochs
        return int(np.clip(math.ceil(AUTO_EXAMPLES / num_train), *AUTO_EPOCHS))

    def shift_for(self, num_train: int) -> int:
        if self.max_shift is not None:
            return self.max_shift
        return 2 if num_train < SMALL_DATASET else 0

    def key(self) -> str:
        blob = json.dumps({"version": VERSION, **dataclasses.asdict(self)}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:8]


class LeNet(nn.Module):
    """`(images [B, H, W, C] in [-1, 1], train) -> (logits [B, K], features [B, features])`."""

    num_classes: int
    channels: tuple[int, ...] = (32, 64)
    features: int = 128
    dropout: float = 0.3

    @nn.compact
    def __call__(self, x: jax.Array, train: bool = False) -> tuple[jax.Array, jax.Array]:
        for width in self.channels:
            # PatchConv, not nn.Conv: XLA:CPU runs a conv's gradient inside the scanned epoch ~20x slower
            # (jax-ml/jax#12868); see jaxgan.models.conv.PatchConv.
            x = nn.relu(PatchConv(width, kernel_size=3, stride=1)(x))
            x = nn.max_pool(x, (2, 2), (2, 2))
        feats = nn.relu(nn.Dense(self.features)(x.reshape(x.shape[0], -1)))
        logits = nn.Dense(self.num_classes)(nn.Dropout(self.dropout, deterministic=not train)(feats))
        return logits, feats


def build_module(settings: Settings, num_classes: int) -> LeNet:
    return LeNet(num_classes, tuple(settings.channels), settings.features, settings.dropout)


# ---------------------------------------------------------------------------------------------- inference
@functools.partial(jax.jit, static_argnums=0)
def forward(module: LeNet, params: Any, images: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Pure: `images [B, H, W, C]` in [-1, 1] -> (features [B, F], class probabilities [B, K])."""
    logits, feats = module.apply({"params": params}, images, train=False)
    return feats, jax.nn.softmax(logits)


def batched(fn: Callable[[jax.Array], Any], images: np.ndarray | jax.Array, batch_size: int = INFERENCE_BATCH):
    """`fn` over `images` in fixed-size batches (the last one padded, so `fn` compiles once); numpy outputs."""
    n = images.shape[0]
    outputs = []
    for start in range(0, n, batch_size):
        batch = images[start:start + batch_size]
        pad = batch_size - batch.shape[0]
        if pad:
            batch = jnp.concatenate([batch, jnp.zeros((pad, *batch.shape[1:]), batch.dtype)])
        outputs.append(jax.tree_util.tree_map(lambda y: np.asarray(y)[:batch_size - pad], fn(batch)))
    return jax.tree_util.tree_map(lambda *ys: np.concatenate(ys), *outputs)


@dataclasses.dataclass(frozen=True)
class Evaluator:
    """A trained evaluator; `meta` holds its dataset, settings and held-out accuracy."""

    module: LeNet
    params: Any
    meta: dict
    path: str
    from_cache: bool  # False when this call trained it

    @property
    def accuracy(self) -> float:
        """Accuracy on the held-out real images (never seen in training)."""
        return float(self.meta["heldout_accuracy"])

    def features_and_probs(self, images: np.ndarray | jax.Array,
                           batch_size: int = INFERENCE_BATCH) -> tuple[np.ndarray, np.ndarray]:
        """`images [N, H, W, C]` float in [-1, 1] (or uint8, scaled here) -> (features [N, F], probs [N, K])."""
        if images.dtype == np.uint8:
            images = data.scale_images(jnp.asarray(images))
        return batched(lambda x: forward(self.module, self.params, x), jnp.asarray(images, jnp.float32),
                       batch_size)

    def score(self, images: np.ndarray, labels: np.ndarray) -> float:
        """Accuracy on labelled `images [N, H, W, C]` (uint8 or [-1, 1]) with `labels [N]`."""
        return float(np.mean(np.argmax(self.features_and_probs(images)[1], axis=1) == labels))


# ----------------------------------------------------------------------------------------------- training
def random_shift(images: jax.Array, key: jax.Array, max_shift: int) -> jax.Array:
    """Translates each of `images [B, H, W, C]` by its own offset in [-max_shift, max_shift]^2, filling -1."""
    if max_shift == 0:
        return images
    b, h, w, c = images.shape
    s = max_shift
    padded = jnp.pad(images, ((0, 0), (s, s), (s, s), (0, 0)), constant_values=-1.0)
    offsets = jax.random.randint(key, (b, 2), 0, 2 * s + 1)
    return jax.vmap(lambda img, o: jax.lax.dynamic_slice(img, (o[0], o[1], 0), (h, w, c)))(padded, offsets)


def make_epoch(module: LeNet, tx: optax.GradientTransformation, num_examples: int, settings: Settings):
    """A jitted `epoch(params, opt_state, images uint8 [N,...], labels [N], key) -> (params, opt_state, loss)`.

    One `lax.scan` over the epoch's batches; the permutation, augmentation and dropout keys all derive from
    `key`. The last `N % batch_size` examples of each permutation are skipped (a different few each epoch).
    """
    steps = num_examples // settings.batch_size

    def loss_fn(params, x, y, key):
        logits, _ = module.apply({"params": params}, x, train=True, rngs={"dropout": key})
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @jax.jit
    def epoch(params, opt_state, images, labels, key):
        def step(carry, inputs):
            params, opt_state = carry
            rows, step_key = inputs
            k_shift, k_drop = jax.random.split(step_key)
            x = random_shift(data.scale_images(images[rows]), k_shift, settings.shift_for(num_examples))
            loss, grads = jax.value_and_grad(loss_fn)(params, x, labels[rows], k_drop)
            updates, opt_state = tx.update(grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), loss

        k_perm, k_steps = jax.random.split(key)
        order = jax.random.permutation(k_perm, num_examples)[:steps * settings.batch_size]
        batches = order.reshape(steps, settings.batch_size)
        (params, opt_state), losses = jax.lax.scan(step, (params, opt_state),
                                                   (batches, jax.random.split(k_steps, steps)))
        return params, opt_state, losses.mean()

    return epoch


class ClassifierTraining(NamedTuple):
    """The pieces of one classifier training run on `num_examples` images, for callers that `vmap` them."""

    module: LeNet
    tx: optax.GradientTransformation
    epochs: int
    epoch: Callable  # make_epoch's jitted (params, opt_state, images, labels, key) -> (params, opt_state, loss)

    def init(self, key: jax.Array, image_shape: tuple[int, ...]) -> tuple[Any, Any]:
        """(params, opt_state) of a fresh network, from `key`."""
        params = self.module.init(key, jnp.zeros((1, *image_shape)))["params"]
        return params, self.tx.init(params)


def classifier_training(num_examples: int, num_classes: int, settings: Settings = Settings()) -> ClassifierTraining:
    """The network, optimiser (AdamW, cosine decay over the whole run), epoch count and jitted epoch for
    training on `num_examples` images with `settings` (batch size capped at `num_examples`)."""
    if num_examples < settings.batch_size:
        settings = dataclasses.replace(settings, batch_size=int(num_examples))
    module = build_module(settings, num_classes)
    epochs = settings.epochs_for(num_examples)
    steps = epochs * (num_examples // settings.batch_size)
    tx = optax.adamw(optax.cosine_decay_schedule(settings.learning_rate, steps), weight_decay=settings.weight_decay)
    return ClassifierTraining(module, tx, epochs, make_epoch(module, tx, num_examples, settings))


def train_classifier(images: np.ndarray, labels: np.ndarray, num_classes: int, settings: Settings = Settings(),
                     log: Callable[[str], None] | None = None, name: str = "",
                     init_params: Any = None) -> tuple[LeNet, Any]:
    """Trains a LeNet on `images [N, H, W, C]` uint8 and `labels [N]`; returns (module, params).

    The whole set sits on the device; each epoch is one jitted scan; all randomness from `settings.seed`.
    `init_params` starts from given weights (fine-tuning) instead of a fresh initialisation.
    """
    run = classifier_training(images.shape[0], num_classes, settings)
    k_init, k_train = jax.random.split(jax.random.PRNGKey(settings.seed))
    params, opt_state = run.init(k_init, images.shape[1:])
    if init_params is not None:
        params, opt_state = init_params, run.tx.init(init_params)
    images_dev, labels_dev = jax.device_put(images), jax.device_put(labels.astype(np.int32))
    start = time.time()
    for e in range(run.epochs):
        params, opt_state, loss = run.epoch(params, opt_state, images_dev, labels_dev, jax.random.fold_in(k_train, e))
        if log:
            log(f"evaluator {name}: epoch {e + 1}/{run.epochs} train loss {float(loss):.4f} "
                f"({time.time() - start:.0f} s, {images.shape[0]} images)")
    return run.module, params


# ------------------------------------------------------------------------------------------------- cache
def cache_root(cache_dir: str | None = None) -> str:
    """The cache root: `cache_dir`, else `$JAXGAN_CACHE`, else `~/.cache/jaxgan`."""
    return os.path.abspath(os.path.expanduser(cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE_ROOT))


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")[-60:] or "dataset"


def stderr_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _checkpointer():
    import orbax.checkpoint as ocp  # heavy import, only when a cache entry is read or written

    return ocp.StandardCheckpointer()


def _load(path: str) -> Evaluator:
    with open(os.path.join(path, "evaluator.json")) as f:
        meta = json.load(f)
    settings = Settings(**{**meta["settings"], "channels": tuple(meta["settings"]["channels"])})
    module = build_module(settings, meta["num_classes"])
    abstract = jax.eval_shape(lambda: module.init(jax.random.PRNGKey(0),
                                                  jnp.zeros((1, *meta["image_shape"])))["params"])
    ckpt = _checkpointer()
    params = ckpt.restore(os.path.join(path, "params"), abstract)
    ckpt.close()
    return Evaluator(module, params, meta, path, from_cache=True)


def load_or_train(name: str, *, cache_dir: str | None = None, settings: Settings = Settings(),
                  retrain: bool = False, log: Callable[[str], None] | None = stderr_log) -> Evaluator:
    """The evaluator of dataset `name` (as `config.data.name`), trained and cached on first use.

    It is fitted on the dataset's train split (or on the fit part of its single split, see jaxgan.heldout)
    and scored on the held-out images. Raises `data.DataError` when the dataset cannot be loaded.
    """
    fit, held = heldout.fit_and_heldout(name, settings.heldout_fraction)
    path = os.path.join(cache_root(cache_dir), "evaluators", f"{slug(fit.name)}-{fit.checksum[:16]}-{settings.key()}")
    if os.path.exists(os.path.join(path, "evaluator.json")) and not retrain:
        return _load(path)
    if log:
        log(f"evaluator {fit.name}: training on {fit.size} images of {fit.split} (first use; cached in {path})")
    start = time.time()
    module, params = train_classifier(fit.images, fit.labels, fit.num_classes, settings, log, fit.name)
    meta = dict(version=VERSION, settings=dataclasses.asdict(settings), fit=fit.describe(), heldout=held.describe(),
                num_classes=fit.num_classes, image_shape=list(fit.image_shape),
                epochs=settings.epochs_for(fit.size), max_shift=settings.shift_for(fit.size),
                train_seconds=round(time.time() - start, 1))
    evaluator = Evaluator(module, params, meta, path, from_cache=False)
    meta["heldout_accuracy"] = evaluator.score(held.images, held.labels)
    if log:
        log(f"evaluator {fit.name}: held-out accuracy {meta['heldout_accuracy']:.4f} on {held.size} images")
    _save(evaluator, path, replace=retrain)
    return evaluator


def _save(evaluator: Evaluator, path: str, replace: bool) -> None:
    """Writes into a temporary folder, then renames it into place (a concurrent writer's entry wins)."""
    tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
    os.makedirs(tmp)
    ckpt = _checkpointer()
    ckpt.save(os.path.join(tmp, "params"), evaluator.params)
    ckpt.wait_until_finished()
    ckpt.close()
    with open(os.path.join(tmp, "evaluator.json"), "w") as f:
        json.dump(evaluator.meta, f, indent=2, sort_keys=True)
    if replace and os.path.exists(path):
        shutil.rmtree(path)
    try:
        os.rename(tmp, path)
    except OSError:  # another process finished first; its entry is as good as ours
        shutil.rmtree(tmp, ignore_errors=True)
