"""Every registered variant, end to end: it trains 2 steps, resumes exactly, samples and evaluates.

The variants come from `jaxgan.configs.variants()`, so a new variant is tested with no edit here. Each runs
its real config with the networks shrunk by `shrink` (every width field to at most `WIDTH`, a batch of 8,
the tiny IDX dataset of conftest.py): what is tested is that the parts a variant names compose and run
through the trainer, the checkpoints, the samplers and the evaluation, not what they learn.

The calls into the run, checkpoint and evaluation APIs are the helpers below, so that a change of those APIs
is one edit here.
"""

from __future__ import annotations

import importlib
import json
import os
import pathlib
import shutil

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest
from flax import traverse_util

from jaxgan import configs
from jaxgan.data import datasets as data
from jaxgan.eval import evaluation
from jaxgan.eval import evaluator as evaluator_lib
from jaxgan.eval import rejection
from jaxgan.run import trainer
from jaxgan.metrics import base as metrics_base
from jaxgan.run import load as load_lib
from jaxgan.viz import grids

# Config fields that set a network's width (jaxgan/configs/fields.py): layer widths, conv channels, the
# learned label code's width and the latent's dimension. Each int (or each entry of a tuple) is capped.
WIDTH_FIELDS = ("hidden", "channels", "code_features", "dim")
WIDTH = 8
BATCH = 8
NUM_SAMPLES = 32  # per evaluation: enough for every metric's neighbourhoods (k = 5) and IS's splits
TINY_EVALUATOR = evaluator_lib.Settings(epochs=1)  # what tests/eval/test_evaluation.py uses too
# Networks whose variants run only with `-m slow` (as their end-to-end tests did before): at width 8 the
# ResNet variants still take 1-2 times as long as the slowest other variant and 3-6 times the median, all in
# compiling their train steps (the trainer compiles two, fresh and resumed). Their parts: tests/parts/test_cgan.py.
SLOW_NETWORKS = ("resnet",)


# ------------------------------------------------------------------------------ calls into the run APIs
def train(config: ml_collections.ConfigDict, workdir: pathlib.Path) -> None:
    """Trains (or resumes) `config` in `workdir` through the trainer the CLI calls."""
    trainer.train_and_evaluate(config, str(workdir))


def load(workdir: pathlib.Path, step: int | None = None):
    """(config, gan, state) of a trained workdir's latest (or `step`) checkpoint (a run of one member)."""
    run = load_lib.load_run(str(workdir), step=step)
    return run.member_config(0), run.member_gan(0), run.member_state(0)


def copy_run_at(src: pathlib.Path, dst: pathlib.Path, step: int) -> None:
    """`src` as it was when interrupted right after its checkpoint `step`: later checkpoints removed (the logs,
    samples and TensorBoard events past `step` stay, as a killed run leaves them)."""
    later = {str(s) for s in range(step + 1, 10_000)}
    shutil.copytree(src, dst, ignore=lambda folder, names: [n for n in names if n in later
                                                            and os.path.basename(folder) == "checkpoints"])


def state_leaves(state) -> list[np.ndarray]:
    """Every array of a train state (params, network state, optimiser states, EMA, key, data order, ...)."""
    return [np.asarray(x) for x in jax.tree_util.tree_leaves(state)]


def label_aware(gan, conditional: bool) -> bool:
    """Whether samples depend on the label asked for: a conditional GAN (as the evaluation judged it), or a
    mixture prior whose label picks the component (GM-GAN, also unsupervised)."""
    return conditional or hasattr(gan.prior, "components")


def expected_metrics(conditional: bool) -> set[str]:
    """The scalar metrics the evaluation reports for a run (class accuracy only for conditional ones)."""
    return set(metrics_base.scalar_names()) - ({"class_accuracy"} if not conditional else set())


def evaluate(gan, state, config, context: evaluation.Context, sampler) -> dict:
    """What `python -m jaxgan.evaluate` reports for `state`, on `NUM_SAMPLES` samples."""
    return evaluation.evaluate_state(gan, state, "", None, NUM_SAMPLES, jax.random.PRNGKey(1), config=config,
                                     context=context, sampler=sampler)


# ---------------------------------------------------------------------------------------------- setup
def shrink(config: ml_collections.ConfigDict, data_dir: pathlib.Path) -> ml_collections.ConfigDict:
    """`config` with every network width capped at `WIDTH`, a batch of `BATCH` on the tiny dataset, 2 steps
    with a checkpoint, a log row and a monitor value after each, and no periodic evaluation."""
    config = ml_collections.ConfigDict(config.to_dict())
    small = {}
    for path, value in traverse_util.flatten_dict(config.to_dict()).items():
        key = ".".join(path)
        if path[-1] in WIDTH_FIELDS:
            small[key] = tuple(min(v, WIDTH) for v in value) if isinstance(value, tuple) else min(value, WIDTH)
        elif path[-1] == "reference_size":  # virtual batch norm's reference rows come from one batch
            small[key] = min(value, BATCH)
    config.update_from_flattened_dict(small)
    config.data.name, config.data.offline_fallback = f"idx:{data_dir}", False
    config.batch_size, config.steps = BATCH, 2
    config.steps_per_call = config.log_every = config.checkpoint_every = 1
    config.sample_every, config.num_samples, config.eval_every = 2, 4, 0
    for name in config.monitors:
        config.monitors[name].every = 1
    return config


@pytest.fixture(scope="module")
def context(tiny_idx_dir, tmp_path_factory) -> evaluation.Context:
    """A 1-epoch evaluator of the tiny dataset and its reference features (trained once per worker)."""
    return evaluation.Context.create(f"idx:{tiny_idx_dir}", "train",
                                     cache_dir=str(tmp_path_factory.mktemp("variants_cache")),
                                     settings=TINY_EVALUATOR, reference_set=data.load_idx(str(tiny_idx_dir), "train"))


def test_shrink_caps_every_width_and_keeps_the_rest(tiny_idx_dir):
    """The shrinker walks the whole config: no width field of any variant escapes it, nothing else changes
    but the run settings it names."""
    run_settings = {"data", "batch_size", "steps", "steps_per_call", "log_every", "checkpoint_every",
                    "sample_every", "num_samples", "eval_every", "monitors"}
    widths_seen = set()
    for variant in configs.variants():
        full = traverse_util.flatten_dict(configs.get_config(variant).to_dict())
        small = traverse_util.flatten_dict(shrink(configs.get_config(variant), tiny_idx_dir).to_dict())
        assert set(full) == set(small), variant
        for path, value in small.items():
            if path[-1] in WIDTH_FIELDS:
                widths_seen.add(path[-1])
                assert max(np.atleast_1d(value)) <= WIDTH and np.shape(value) == np.shape(full[path]), path
            elif path[-1] == "reference_size":
                assert value <= BATCH
            elif path[0] not in run_settings:
                assert value == full[path], (variant, path)
    assert widths_seen == set(WIDTH_FIELDS)  # each width field is used by some variant


def test_every_variant_documents_its_command():
    """Each variant's docstring holds the command that runs it, and README's variant list runs it too."""
    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
    for variant in configs.variants():
        command = f"python -m jaxgan.train --variant={variant}"
        assert command + "\n" in importlib.import_module(f"jaxgan.configs.{variant}").__doc__, variant
        assert command + "\n" in readme or command + " " in readme, variant


# ------------------------------------------------------------------------------------------- the test
def family(config: ml_collections.ConfigDict) -> tuple[str, str, str]:
    """The networks and the prior: what a variant's compiled program is mostly made of."""
    return config.generator.name, config.discriminator.name, config.latent.name


def variant_params() -> list:
    """Every registered variant. The default suite runs the first variant of each `family` (so a variant
    with new networks or a new prior is in it with no edit here); the others (another objective,
    regulariser, augmentation or setting on the same networks, each also tested on its own in its part's
    tests) and those with a network in `SLOW_NETWORKS` run with `-m slow`: each variant here costs 30-75 s
    on 2 idle cores, and the default suite must stay within 20 minutes."""
    seen, params = set(), []
    for variant in configs.variants():
        config = configs.get_config(variant)
        slow = family(config) in seen or {config.generator.name, config.discriminator.name} & set(SLOW_NETWORKS)
        seen.add(family(config))
        params.append(pytest.param(variant, marks=[pytest.mark.slow] if slow else []))
    return params


@pytest.mark.parametrize("variant", variant_params())
def test_variant_trains_resumes_samples_and_evaluates(variant, tiny_idx_dir, context, tmp_path):
    config = shrink(configs.get_config(variant), tiny_idx_dir)

    # Trains 2 steps: finite losses logged after each step, monitors logged, D moved.
    train(config, tmp_path / "straight")
    rows = [json.loads(line) for line in (tmp_path / "straight" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    assert all(np.isfinite(r["d/loss"]) for r in rows) and any("g/loss" in r for r in rows)
    assert all(np.isfinite(v) for r in rows for k, v in r.items() if k.startswith(("g/", "monitor/")))
    if config.monitors:
        assert any(k.startswith("monitor/") for k in rows[-1])
    _, gan, state = load(tmp_path / "straight")
    _, _, first = load(tmp_path / "straight", step=1)
    assert int(state.step) == 2
    assert any(not np.array_equal(a, b) for a, b in zip(state_leaves(first.params["discriminator"]),
                                                         state_leaves(state.params["discriminator"])))

    # Resumes exactly: 1 step, interrupted, resumed to 2 equals 2 uninterrupted steps, logs included.
    copy_run_at(tmp_path / "straight", tmp_path / "resumed", step=1)
    train(config, tmp_path / "resumed")
    _, _, resumed = load(tmp_path / "resumed")
    for a, b in zip(state_leaves(state), state_leaves(resumed), strict=True):
        np.testing.assert_array_equal(a, b)
    logs = [(tmp_path / run / "metrics.jsonl").read_text() for run in ("straight", "resumed")]
    assert logs[0] == logs[1]

    # Samples with the evaluation's sampler (labels drawn by the prior) ...
    sampler = rejection.jitted_sampler(gan, NUM_SAMPLES)
    images, labels = (np.asarray(x) for x in sampler(state, jax.random.PRNGKey(0)))
    assert images.shape == (NUM_SAMPLES, *gan.image_shape) and labels.shape == (NUM_SAMPLES,)
    assert np.isfinite(images).all() and images.min() >= -1.0 and images.max() <= 1.0
    assert 0 <= labels.min() and labels.max() < grids.num_components(gan)

    # ... and evaluates them: every metric the evaluation computes, finite and in its range.
    result = evaluate(gan, state, config, context, sampler)
    names = expected_metrics(result["conditional"])
    assert names <= set(result) and result["num_samples"] == NUM_SAMPLES and result["step"] == 2
    assert all(np.isfinite(result[k]) for k in names), result
    assert result["fid"] >= 0 and result["is"] >= 1 - 1e-6
    assert all(0 <= result[k] <= 1 for k in names & {"precision", "recall", "coverage", "class_accuracy",
                                                     "label_purity"})

    # Samples per class: with the same noise, another label gives another image where labels are read.
    k = grids.num_components(gan)
    per_class = jnp.repeat(jnp.arange(k, dtype=jnp.int32), 2)  # 2 of each class (or mixture component)
    generate = jax.jit(lambda s, y: gan.generate(s, jax.random.PRNGKey(2), per_class.shape[0], y))
    asked, other = np.asarray(generate(state, per_class)), np.asarray(generate(state, (per_class + 1) % k))
    assert np.isfinite(asked).all() and asked.min() >= -1.0 and asked.max() <= 1.0
    changed = np.abs(asked - other).reshape(len(asked), -1).max(axis=1)
    if label_aware(gan, result["conditional"]):
        assert (changed > 0).all(), changed
    else:
        assert (changed == 0).all(), changed
