#!/usr/bin/env bash
# CPU-sized runs behind experiments/README.md's DCGAN / MMD-DCGAN section (seed 002): dcgan, mmd_dcgan (eta 10)
# and mmd_dcgan_eta0 on the 10,000 MNIST test digits, same seed (so the same noise and batches), then
# FID / precision / recall / density / coverage on 5,000 samples, sample grids and the g/mmd2 curves.
#   bash experiments/dcgan_runs.sh [OUT_DIR] [STEPS]      (defaults runs/dcgan, 1000 steps = 10 epochs)
set -euo pipefail
out=${1:-runs/dcgan}
steps=${2:-1000}
mnist=idx:../shared/data/mnist

for v in dcgan mmd_dcgan mmd_dcgan_eta0; do   # three processes side by side: they share the CPU alike
  python -m jaxgan.train --variant=$v --workdir="$out/$v" --config.data.name=$mnist --config.data.split=test \
    --config.steps=$steps --config.steps_per_call=50 --config.log_every=50 --config.sample_every=250 \
    --config.checkpoint_every=250 &
done
wait
for v in dcgan mmd_dcgan mmd_dcgan_eta0; do
  python -m jaxgan.evaluate --workdir="$out/$v" --num_samples=5000
done
python experiments/dcgan_plots.py "$out"
