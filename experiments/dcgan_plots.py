"""Curves of the DCGAN / MMD-DCGAN runs side by side: MMD^2 of D's features, G's adversarial loss, D's loss.

    python experiments/dcgan_plots.py runs/dcgan      # -> runs/dcgan/dcgan_curves.png

Reads each run's metrics.jsonl (`g/mmd2` is logged by the `mmd` regulariser, also at eta 0; the plain
`dcgan` run has none) and draws one panel per metric, one line per run.
"""

from __future__ import annotations

import os
import sys

from matplotlib.figure import Figure

from jaxgan.viz.plots import read_history

RUNS = ("dcgan", "mmd_dcgan", "mmd_dcgan_eta0")
KEYS = (("g/mmd2", "MMD^2(D-features fake, real)"), ("g/adv_loss", "G adversarial loss"), ("d/loss", "D loss"))


def main(out_dir: str) -> str:
    fig = Figure(figsize=(13, 3.6))
    for i, (key, title) in enumerate(KEYS):
        ax = fig.add_subplot(1, len(KEYS), i + 1)
        for run in RUNS:
            path = os.path.join(out_dir, run, "metrics.jsonl")
            if os.path.exists(path):
                steps, values = read_history(path, key)
                if steps:
                    ax.plot(steps, values, label=run)
        ax.set(title=title, xlabel="train step")
        ax.legend(fontsize=8)
    fig.tight_layout()
    out = os.path.join(out_dir, "dcgan_curves.png")
    fig.savefig(out, dpi=90)
    print(out)
    return out


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/dcgan")
