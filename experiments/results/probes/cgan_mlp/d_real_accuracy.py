"""D's share of real digits called real, training digits vs never-seen test digits, and of fakes called fake, for
every member of a zoo workdir at the given checkpoints (the numbers in this folder's README).

    PYTHONPATH=. python experiments/results/probes/cgan_mlp/d_real_accuracy.py \
        runs/zoo/cgan_mlp/cpu-s3-3d4d183b89 60000 96000
"""

import sys

import jax
import numpy as np

from experiments import provenance
from jaxgan.analysis import explore
from jaxgan.data import datasets, heldout
from jaxgan.run.load import load_run


def main(workdir: str, steps: list[int]) -> None:
    test = datasets.load_dataset(provenance.TEST_DIGITS, "test")
    for step in steps:
        run = load_run(workdir, step)
        train = heldout.load_named(run.meta["dataset"]["name"], run.meta["dataset"]["split"])
        for i in range(run.size):
            gan, state = run.member_gan(i), run.member_state(i)
            line = [f"step {step} member {i}"]
            for name, real in (("training", train), ("test", test)):
                rows = explore.d_accuracy(gan, state, jax.random.key(0), real.images[:5000], real.labels[:5000], 200)
                line.append(f"{name} digits called real {np.mean([r['real_accuracy'] for r in rows]):.3f}")
            line.append(f"fakes called fake {np.mean([r['fake_accuracy'] for r in rows]):.4f}")
            print(", ".join(line), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], [int(s) for s in sys.argv[2:]])
