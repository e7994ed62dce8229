"""Classifiers trained on generated digits (seed 004 section 4): the project's LeNet-style classifier
(jaxgan.evaluator) trained on N images of which a given fraction is generated, tested on real images.

    python -m jaxgan.synthetic --workdir=DIR [--fractions=0,0.25,0.5,0.75,1] [--num_train=N] [--seeds=3]
                               [--finetune=true] [--dataset=NAME] [--test_fraction=0.2] [--out=DIR]
    python -m jaxgan.synthetic --workdir=runs/gm_gan --dataset=idx:../shared/data/mnist --seeds=3

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

Writes OUT/synthetic.json, OUT/synthetic.md (test accuracy per fraction, mean and spread over seeds) and
OUT/synthetic.png; OUT defaults to WORKDIR/synthetic/step_S.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.data import datasets as data
from jaxgan.eval import evaluation
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


def generated(gan, state, key: jax.Array, num: int) -> tuple[np.ndarray, np.ndarray]:
    """`num` generated images (uint8) and the class each was drawn for, labels from the GAN's own prior."""
    if num == 0:
        return np.zeros((0, *gan.image_shape), np.uint8), np.zeros((0,), np.int32)
    images, labels, _ = evaluation.generate(gan, state, key, num)
    return to_uint8(images), labels.astype(np.int32)


@dataclasses.dataclass(frozen=True)
class TrainingSet:
    """One mixed training set: `images [N, ...]` uint8, `labels [N]`, and where each row came from."""

    images: np.ndarray
    labels: np.ndarray
    real_rows: np.ndarray  # rows of RealSplits.train used, [N - num_generated]
    num_generated: int  # the first num_generated rows are generated


def mixed_training_set(gan, state, real: data.Dataset, fraction: float, num_train: int, seed: int) -> TrainingSet:
    """round(fraction * num_train) generated images + the rest real (the first rows of a seed-`seed` permutation)."""
    num_generated = int(round(fraction * num_train))
    rows = np.random.default_rng(seed).permutation(real.size)[:num_train - num_generated]
    fake_images, fake_labels = generated(gan, state, jax.random.fold_in(jax.random.PRNGKey(seed), GENERATED_STREAM),
                                         num_generated)
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
    run = evaluator_lib.classifier_training(images.shape[-4], num_classes, settings)
    keys = jax.vmap(lambda s: jax.random.split(jax.random.PRNGKey(s)))(jnp.asarray(seeds))
    k_init, k_train = keys[:, 0], keys[:, 1]
    params, opt_state = jax.vmap(lambda k: run.init(k, images.shape[-3:]))(k_init)
    if init is not None:
        params, opt_state = init, jax.vmap(run.tx.init)(init)
    data_axis = None if shared else 0
    epoch = jax.jit(jax.vmap(run.epoch, in_axes=(0, 0, data_axis, data_axis, 0)))
    images, labels = jax.device_put(images), jax.device_put(labels.astype(np.int32))
    for e in range(run.epochs):
        params, opt_state, _ = epoch(params, opt_state, images, labels,
                                     jax.vmap(jax.random.fold_in, (0, None))(k_train, e))
    return params


def accuracies(module, params: Any, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Test accuracy `[S]` of the stacked classifiers `params` on `images [N, ...]` uint8 with `labels [N]`."""
    predict = jax.jit(jax.vmap(lambda p, x: jnp.argmax(module.apply({"params": p}, x)[0], -1), (0, None)))
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
    rows = []
    for fraction in fractions:
        sets = [mixed_training_set(gan, state, splits.train, fraction, num_train, s) for s in seeds]
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
            log(f"synthetic: fraction {fraction}: {row}")
        rows.append(row)
    return rows


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


# ------------------------------------------------------------------------------------------------ CLI
def parse_fractions(text: str) -> list[float]:
    """"0,0.25,1" -> [0.0, 0.25, 1.0]; ValueError unless each is a number in [0, 1]."""
    try:
        fractions = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--fractions must be comma-separated numbers in [0, 1], got {text!r}") from None
    if not fractions or any(not 0.0 <= f <= 1.0 for f in fractions):
        raise ValueError(f"--fractions must be comma-separated numbers in [0, 1], got {text!r}")
    return fractions


def main(argv: list[str]) -> None:
    from absl import flags, logging

    from jaxgan.run import checkpoint
    from jaxgan.cli import common as cli
    from jaxgan.run import workdir as workdir_lib

    FLAGS = flags.FLAGS
    cli.quiet(own_info=False)  # stdout: what was written; stderr: warnings, progress and errors
    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS.workdir:
        cli.fail("--workdir is required")
    for flag in ("seeds", "finetune_epochs"):
        if FLAGS[flag].value < 1:
            cli.fail(f"--{flag} must be >= 1, got {FLAGS[flag].value}")
    for flag in ("num_train", "epochs"):
        if FLAGS[flag].value < 0:
            cli.fail(f"--{flag} must be >= 0, got {FLAGS[flag].value}")
    for flag in ("test_fraction", "val_fraction"):
        if not 0.0 < FLAGS[flag].value < 1.0:
            cli.fail(f"--{flag} must be in (0, 1), got {FLAGS[flag].value}")
    try:
        fractions = parse_fractions(FLAGS.fractions)
        config, gan, state, meta = workdir_lib.load_run(FLAGS.workdir, FLAGS.step)
        if not evaluation.is_conditional(gan, config):
            raise ValueError("this GAN is not trained to draw a requested class, so its samples have no labels "
                             "(see jaxgan.evaluation.is_conditional)")
        splits = real_splits(FLAGS.dataset or meta["dataset"]["name"], FLAGS.test_fraction, FLAGS.val_fraction)
        if splits.train.num_classes != gan.num_classes:
            raise ValueError(f"the real data has {splits.train.num_classes} classes, the GAN {gan.num_classes}")
        num_train = FLAGS.num_train or splits.train.size
        if num_train > splits.train.size:
            raise ValueError(f"--num_train must be <= {splits.train.size} (real training images), got {num_train}")
        trained_on = heldout.load_named(meta["dataset"]["name"], meta["dataset"]["split"])
        seen = count_shared(splits.test.images, trained_on.images)
        if seen:
            logging.warning("the generator was trained on %d of the %d test images", seen, splits.test.size)
        settings = evaluator_lib.Settings(epochs=FLAGS.epochs)
        finetune = (evaluator_lib.Settings(epochs=FLAGS.finetune_epochs, learning_rate=FLAGS.finetune_lr)
                    if FLAGS.finetune else None)
        seeds = list(range(FLAGS.seeds))
        rows = run_synthetic(gan, state, splits, fractions, num_train, seeds, settings, finetune, FLAGS.vmap,
                             log=evaluator_lib.stderr_log)
    except (ValueError, OSError, data.DataError, checkpoint.CheckpointError) as e:
        cli.fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    out = FLAGS.out or os.path.join(FLAGS.workdir, "synthetic", f"step_{int(state.step)}")
    os.makedirs(out, exist_ok=True)
    result = dict(step=int(state.step), seeds=seeds, num_train=num_train, rows=rows,
                  train=splits.train.describe(), val=splits.val.describe(), test=splits.test.describe(),
                  test_images_seen_by_generator=seen, classifier_epochs=settings.epochs_for(num_train),
                  finetune=None if finetune is None else dict(epochs=finetune.epochs, learning_rate=finetune.learning_rate))
    with open(os.path.join(out, "synthetic.json"), "w") as f:
        json.dump(result, f, indent=2)
    with open(os.path.join(out, "synthetic.md"), "w") as f:
        f.write(markdown(rows, len(seeds)))
    plot(rows, os.path.join(out, "synthetic.png"))
    print(markdown(rows, len(seeds)) + f"wrote {out}/synthetic.json, .md, .png")


def _define_flags() -> None:
    from absl import flags

    flags.DEFINE_string("workdir", None, "Workdir of a trained label-aware run (GM-GAN or a conditional GAN).")
    flags.DEFINE_string("fractions", "0,0.25,0.5,0.75,1", "Generated shares of the training set (seed 004's).")
    flags.DEFINE_integer("num_train", 0, "Training-set size N (0: every real training image).")
    flags.DEFINE_integer("seeds", 3, "Seeds per fraction (trained side by side).")
    flags.DEFINE_bool("finetune", True, "Fine-tune each classifier on the real validation part (seed 004).")
    flags.DEFINE_integer("finetune_epochs", 5, "Fine-tuning epochs over the validation part (ours).")
    flags.DEFINE_float("finetune_lr", 2e-4, "Peak fine-tuning learning rate, cosine-decayed (ours).")
    flags.DEFINE_integer("epochs", 0, "Classifier epochs on the mixed set (0: auto, about 150k examples).")
    flags.DEFINE_string("dataset", None, "Real data (config.data.name; default: the run's).")
    flags.DEFINE_float("test_fraction", 0.2, "Test share of a single-split dataset.")
    flags.DEFINE_float("val_fraction", 0.1, "Validation share of the remaining real images.")
    flags.DEFINE_string("out", None, "Output folder (default WORKDIR/synthetic/step_S).")
    flags.DEFINE_integer("step", None, "Checkpoint step (default: the latest).")
    flags.DEFINE_bool("vmap", True, "Train the seeds side by side under jax.vmap.")


if __name__ == "__main__":
    from absl import app

    from jaxgan.cli import common as cli

    _define_flags()
    app.run(main, flags_parser=cli.parse)
