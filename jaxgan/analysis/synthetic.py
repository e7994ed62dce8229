"""Classifiers trained on generated digits (seed 004 section 4): the project's LeNet-style classifier
(jaxgan.evaluator) trained on N images of which a given fraction is generated, tested on real images.

`run_synthetic(gan, state, splits, fractions, num_train, seeds)` gives the results (`python -m jaxgan.synthetic`,
jaxgan.cli.synthetic, is its command, with the flags named below).

Real data (`--dataset`, default the run's) is cut three ways: the test images are the dataset's test split,
or for a single-split dataset the fixed `--test_fraction` cut of `jaxgan.heldout` (the same images
`jaxgan.explore`'s d_accuracy uses); the rest is cut again into a training part and a validation part
(`--val_fraction`). The test images never enter training, and the output records how many of them the
generator itself was trained on (train the GAN on the rest for a clean comparison).

For each fraction f and seed s the training set holds round(f * N) generated images, labelled with the
class each was drawn for (the GM-GAN component, or the conditional label), and N - round(f * N) real
images (the first ones of a seed-s permutation of the training part). A classifier is trained on it from
scratch; with `--finetune` (seed 004: "the mix of synthetic and real data was used to initialise the network
parameters, and parameters were fine-tuned with the real validation set") it is then trained further on the
validation part. Seeds train side by side under `jax.vmap` (one program for all of them; `--vmap=false`
trains them one after the other). The fine-tuning schedule (epochs, learning rate) is ours: seed 004 gives none.

The command writes OUT/synthetic.json, OUT/synthetic.md (test accuracy per fraction, mean and spread over
seeds) and OUT/synthetic.png; OUT defaults to WORKDIR/synthetic/step_S.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.data import datasets as data
from jaxgan.eval import evaluation, rejection
from jaxgan.data import heldout
from jaxgan.eval import evaluator as evaluator_lib

GENERATED_STREAM = 0x5E7  # fold_in constant: the generated images of seed s
PREDICT_BATCH = 500


def count_shared(images: np.ndarray, others: np.ndarray) -> int:
    """How many of `images [N, ...]` also occur, byte for byte, among `others [M, ...]`."""
    rows = lambda x: np.ascontiguousarray(x).reshape(len(x), int(np.prod(x.shape[1:])))
    seen = {row.tobytes() for row in rows(others)}
    return sum(row.tobytes() in seen for row in rows(images))


@dataclasses.dataclass(frozen=True)
class RealSplits:
    """The real images: `train` (mixed into training sets), `val` (fine-tuning), `test` (never trained on)."""

    train: data.Dataset
    val: data.Dataset
    test: data.Dataset


def real_splits(name: str, test_fraction: float = 0.2, val_fraction: float = 0.1) -> RealSplits:
    """Dataset `name` cut into train / val / test parts (fixed permutations; see the module docstring)."""
    pool, test = heldout.fit_and_heldout(name, test_fraction)
    train, val = heldout.split_off(pool, val_fraction)
    return RealSplits(train, val, test)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """float [-1, 1] -> uint8 [0, 255], the inverse of `data.scale_images` up to rounding."""
    return np.clip(np.round((np.asarray(images) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def generated(gan, state, key: jax.Array, num: int, samplers: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`num` generated images (uint8) and the class each was drawn for, labels from the GAN's own prior.

    `samplers` ({batch size: jitted sampler of this `gan`}, filled here) lets calls on one GAN share compilations.
    """
    if num == 0:
        return np.zeros((0, *gan.image_shape), np.uint8), np.zeros((0,), np.int32)
    sampler = None
    if samplers is not None:
        batch = min(evaluation.GENERATE_BATCH, num)
        if batch not in samplers:
            samplers[batch] = rejection.jitted_sampler(gan, batch)
        sampler = samplers[batch]
    images, labels, _ = evaluation.generate(gan, state, key, num, sampler=sampler)
    return to_uint8(images), labels.astype(np.int32)


@dataclasses.dataclass(frozen=True)
class TrainingSet:
    """One mixed training set: `images [N, ...]` uint8, `labels [N]`, and where each row came from."""

    images: np.ndarray
    labels: np.ndarray
    real_rows: np.ndarray  # rows of RealSplits.train used, [N - num_generated]
    num_generated: int  # the first num_generated rows are generated


def mixed_training_set(gan, state, real: data.Dataset, fraction: float, num_train: int, seed: int,
                       samplers: dict | None = None) -> TrainingSet:
    """round(fraction * num_train) generated images + the rest real (the first rows of a seed-`seed` permutation)."""
    num_generated = int(round(fraction * num_train))
    rows = np.random.default_rng(seed).permutation(real.size)[:num_train - num_generated]
    fake_images, fake_labels = generated(gan, state, jax.random.fold_in(jax.random.PRNGKey(seed), GENERATED_STREAM),
                                         num_generated, samplers)
    return TrainingSet(np.concatenate([fake_images, real.images[rows]]),
                       np.concatenate([fake_labels, real.labels[rows]]).astype(np.int32), rows, num_generated)


def train_classifiers(images: np.ndarray, labels: np.ndarray, seeds: Sequence[int], num_classes: int,
                      settings: evaluator_lib.Settings, init: Any = None, use_vmap: bool = True) -> Any:
    """One classifier per seed, params stacked along a leading seed axis.

    `images [S, N, ...]` uint8 and `labels [S, N]` give each seed its own set (or `[N, ...]` / `[N]`: one set
    for all); `init` (stacked params) starts from given weights. Seed s trains exactly as
    `evaluator.train_classifier(..., dataclasses.replace(settings, seed=s))` would, all seeds in one vmapped
    program, or (`use_vmap=False`) through that function one by one.
    """
    shared = images.ndim == 4
    if not use_vmap:
        runs = [evaluator_lib.train_classifier(
            images if shared else images[i], labels if shared else labels[i], num_classes,
            dataclasses.replace(settings, seed=int(s)),
            init_params=None if init is None else jax.tree_util.tree_map(lambda p: p[i], init))[1]
            for i, s in enumerate(seeds)]
        return jax.tree_util.tree_map(lambda *p: jnp.stack(p), *runs)
    run, epoch = vmapped_training(images.shape[-4], num_classes, settings, shared)
    keys = jax.vmap(lambda s: jax.random.split(jax.random.PRNGKey(s)))(jnp.asarray(seeds))
    k_init, k_train = keys[:, 0], keys[:, 1]
    params, opt_state = jax.vmap(lambda k: run.init(k, images.shape[-3:]))(k_init)
    if init is not None:
        params, opt_state = init, jax.vmap(run.tx.init)(init)
    images, labels = jax.device_put(images), jax.device_put(labels.astype(np.int32))
    for e in range(run.epochs):
        params, opt_state, _ = epoch(params, opt_state, images, labels,
                                     jax.vmap(jax.random.fold_in, (0, None))(k_train, e))
    return params


@functools.lru_cache(maxsize=8)
def vmapped_training(num_examples: int, num_classes: int, settings: evaluator_lib.Settings,
                     shared: bool) -> tuple[evaluator_lib.ClassifierTraining, Any]:
    """(the training run, its epoch vmapped over seeds and jitted): built once per recipe, so that every
    fraction (and every generator a caller compares) trains through one compilation. `shared`: one data set for
    every seed (else one per seed)."""
    run = evaluator_lib.classifier_training(num_examples, num_classes, settings)
    data_axis = None if shared else 0
    return run, jax.jit(jax.vmap(run.epoch, in_axes=(0, 0, data_axis, data_axis, 0)))


@functools.lru_cache(maxsize=8)
def predictor(module) -> Any:
    """Jitted `(stacked params, images [B, ...] in [-1, 1]) -> predicted classes [S, B]`, once per module."""
    return jax.jit(jax.vmap(lambda p, x: jnp.argmax(module.apply({"params": p}, x)[0], -1), (0, None)))


def accuracies(module, params: Any, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Test accuracy `[S]` of the stacked classifiers `params` on `images [N, ...]` uint8 with `labels [N]`."""
    predict = predictor(module)
    correct = np.zeros(jax.tree_util.tree_leaves(params)[0].shape[0])
    for start in range(0, len(images), PREDICT_BATCH):
        x = data.scale_images(jnp.asarray(images[start:start + PREDICT_BATCH]))
        correct += (np.asarray(predict(params, x)) == labels[start:start + PREDICT_BATCH]).sum(1)
    return correct / len(images)


def run_synthetic(gan, state, splits: RealSplits, fractions: Sequence[float], num_train: int, seeds: Sequence[int],
                  settings: evaluator_lib.Settings = evaluator_lib.Settings(),
                  finetune: evaluator_lib.Settings | None = None, use_vmap: bool = True,
                  log=None) -> list[dict[str, Any]]:
    """One row per fraction: test accuracies per seed (and after fine-tuning on `splits.val` with `finetune`)."""
    num_classes = splits.train.num_classes
    module = evaluator_lib.build_module(settings, num_classes)
    samplers: dict = {}  # this GAN's jitted samplers, shared by every fraction and seed
    rows = []
    for fraction in fractions:
        sets = [mixed_training_set(gan, state, splits.train, fraction, num_train, s, samplers) for s in seeds]
        params = train_classifiers(np.stack([t.images for t in sets]), np.stack([t.labels for t in sets]), seeds,
                                   num_classes, settings, use_vmap=use_vmap)
        acc = accuracies(module, params, splits.test.images, splits.test.labels)
        row = dict(fraction=float(fraction), num_generated=sets[0].num_generated, num_real=num_train - sets[0].num_generated,
                   accuracy=acc.tolist(), accuracy_mean=float(acc.mean()), accuracy_std=float(acc.std()))
        if finetune is not None:
            tuned = train_classifiers(splits.val.images, splits.val.labels, seeds, num_classes, finetune,
                                      init=params, use_vmap=use_vmap)
            acc = accuracies(module, tuned, splits.test.images, splits.test.labels)
            row.update(finetuned_accuracy=acc.tolist(), finetuned_mean=float(acc.mean()),
                       finetuned_std=float(acc.std()))
        if log:
            log(f"synthetic: fraction {fraction:g}: " + progress_line(row))
        rows.append(row)
    return rows


def progress_line(row: dict[str, Any]) -> str:
    """A row as a person reads it: `accuracy 91.2% ± 0.3 (fine-tuned 93.1% ± 0.2)`."""
    line = f"accuracy {100 * row['accuracy_mean']:.1f}% ± {100 * row['accuracy_std']:.1f}"
    if "finetuned_mean" in row:
        line += f" (fine-tuned {100 * row['finetuned_mean']:.1f}% ± {100 * row['finetuned_std']:.1f})"
    return line


def markdown(rows: list[dict[str, Any]], num_seeds: int) -> str:
    """The results as a markdown table in seed 004's layout (% real, % generated, accuracy)."""
    tuned = "finetuned_mean" in rows[0]
    head = "| % real | % generated | test accuracy (mean ± std over seeds) |" + (" after fine-tuning |" if tuned else "")
    lines = [head, "|---|---|---|" + ("---|" if tuned else "")]
    for r in rows:
        line = (f"| {100 * (1 - r['fraction']):.0f} | {100 * r['fraction']:.0f} | "
                f"{100 * r['accuracy_mean']:.1f}% ± {100 * r['accuracy_std']:.1f} |")
        if tuned:
            line += f" {100 * r['finetuned_mean']:.1f}% ± {100 * r['finetuned_std']:.1f} |"
        lines.append(line)
    return "\n".join(lines) + f"\n\n({num_seeds} seeds)\n"


def plot(rows: list[dict[str, Any]], path: str) -> None:
    """Test accuracy against the generated share (mean, with the seeds' spread as error bars)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3.5))
    ax = fig.add_subplot()
    x = [100 * r["fraction"] for r in rows]
    ax.errorbar(x, [r["accuracy_mean"] for r in rows], [r["accuracy_std"] for r in rows], marker="o",
                capsize=3, label="trained on the mix")
    if "finetuned_mean" in rows[0]:
        ax.errorbar(x, [r["finetuned_mean"] for r in rows], [r["finetuned_std"] for r in rows], marker="s",
                    capsize=3, label="then fine-tuned on real validation")
    ax.set(xlabel="% generated images in training", ylabel="accuracy on real test images",
           title="classifier trained on generated digits")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
