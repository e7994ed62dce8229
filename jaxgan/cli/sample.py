"""Write samples of a trained run, without any training code path.

    python -m jaxgan.sample --workdir=DIR [--num=64] [--out=samples.png|samples.npz] [--step=S] [--seed=0]
                            [--labels=0,1,2] [--per_class=N] [--rejection [--percentile=80] [--gamma=G]]

`--labels` draws the given classes in turn (for conditional generators and GM-GAN components);
`--per_class=N` writes N samples of every class, one row per class. `--rejection` keeps only samples that
the trained discriminator accepts (discriminator rejection sampling, Azadi et al. 2019; see jaxgan.rejection).
"""

from __future__ import annotations

from absl import app, flags
import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.cli import common as cli
from jaxgan.viz import grids
from jaxgan.viz import images
from jaxgan.eval import rejection
from jaxgan.run import load

flags.DEFINE_string("workdir", None, "Workdir of a trained run.")
flags.DEFINE_integer("num", 64, "Number of samples (ignored with --per_class).")
flags.DEFINE_string("out", "samples.png", "Output file: .png (grid) or .npz (arrays images, labels: the class or "
                                          "mixture component each sample was drawn for).")
flags.DEFINE_integer("step", None, "Checkpoint step (default: the latest).")
flags.DEFINE_integer("seed", 0, "Seed of the sampling noise.")
flags.DEFINE_integer("member", 0, "Population runs (--seeds/--sweep): the member to sample (see WORKDIR/population.json).")
flags.DEFINE_string("labels", None, "Comma-separated class labels, cycled over the samples.")
flags.DEFINE_integer("per_class", None, "Samples per class, one grid row per class.")
flags.DEFINE_bool("rejection", False, "Discriminator rejection sampling (Azadi et al. 2019).")
flags.DEFINE_float("percentile", 80.0, "--rejection: per-batch percentile of F(x) used as the shift gamma.")
flags.DEFINE_float("gamma", None, "--rejection: a fixed gamma instead of the percentile (0: plain rejection).")
flags.DEFINE_integer("burn_in", 10_000, "--rejection: proposals used to estimate the max log density ratio.")
FLAGS = flags.FLAGS


def sample_labels(num: int, labels: str | None, per_class: int | None,
                  num_components: int) -> tuple[np.ndarray | None, int | None]:
    """(labels or None, grid rows) from the CLI's --labels (cycled over `num`) / --per_class (one row each)."""
    if per_class is not None:
        if per_class < 1:
            raise ValueError(f"--per_class must be >= 1, got {per_class}")
        return np.asarray(grids.grid_labels(range(num_components), per_class)), num_components
    if labels is None:
        return None, None
    try:
        chosen = np.array([int(x) for x in labels.split(",") if x.strip()], np.int32)
    except ValueError:
        raise ValueError(f"--labels must be comma-separated integers, got {labels!r}") from None
    if chosen.size == 0 or chosen.min() < 0 or chosen.max() >= num_components:
        raise ValueError(f"--labels must be in [0, {num_components - 1}], got {labels!r}")
    return np.resize(chosen, num), None


def main(argv):
    if len(argv) > 1:
        cli.fail(f"unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS.workdir:
        cli.fail("--workdir is required")
    if FLAGS.num < 1:
        cli.fail(f"--num must be >= 1, got {FLAGS.num}")
    if not FLAGS.out.endswith((".png", ".npz")):
        cli.fail(f"--out must end in .png or .npz, got {FLAGS.out!r}")
    if FLAGS.rejection and (FLAGS.labels is not None or FLAGS.per_class is not None):
        cli.fail("--rejection cannot be combined with --labels or --per_class (it changes the class mix)")
    if not 0.0 <= FLAGS.percentile <= 100.0:
        cli.fail(f"--percentile must be in [0, 100], got {FLAGS.percentile}")
    try:
        run = load.load_run(FLAGS.workdir, FLAGS.step)
        gan, state = run.member_gan(FLAGS.member), run.member_state(FLAGS.member)
        labels, rows = sample_labels(FLAGS.num, FLAGS.labels, FLAGS.per_class, grids.num_components(gan))
        num = len(labels) if labels is not None else FLAGS.num
        key = jax.random.PRNGKey(FLAGS.seed)
        if FLAGS.rejection:
            result = rejection.rejection_sample_result(gan, state, key, num, burn_in=FLAGS.burn_in,
                                                       percentile=FLAGS.percentile, gamma=FLAGS.gamma)
            samples, labels = result.images, result.labels
        else:  # labels: the class (GM-GAN: mixture component) each sample was drawn for, also when drawn by the prior
            samples, labels = jax.jit(gan.generate_labelled, static_argnums=2)(
                state, key, num, None if labels is None else jnp.asarray(labels))
        images.save_samples(np.asarray(samples), FLAGS.out, np.asarray(labels), rows)
    except (ValueError, OSError) as e:
        cli.fail(str(e))
    print(f"wrote {num} samples to {FLAGS.out}")


if __name__ == "__main__":
    app.run(main, flags_parser=cli.parse)
