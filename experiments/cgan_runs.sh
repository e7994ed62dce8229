#!/usr/bin/env bash
# CPU-sized conditional-GAN runs behind experiments/README.md ("Conditional GANs"): train on the 10,000 MNIST
# test digits, then class grids and evaluation. The ResNets are shrunk (G 16-16, D 16-16-16 channels) and run
# 200 steps (1,800 D updates) with G's learning rate raised to D's 2e-4 (ours: at the seed's 2e-5, 200 G
# updates barely move G); cgan_resnet and cgan_proj differ only in D's conditioning, loss and normalisation,
# so they compare at equal steps. About 40 min for the two ResNets side by side on an idle 2-core CPU.
#   bash experiments/cgan_runs.sh [OUT_DIR]      (default runs/cgan)
set -euo pipefail
out=${1:-runs/cgan}
data=(--config.data.name=idx:../shared/data/mnist --config.data.split=test)
small=(--config.generator.channels="(16,16)" --config.discriminator.channels="(16,16,16)"
       --config.optim.generator.learning_rate=2e-4 --config.log_every=25 --config.sample_every=100
       --config.checkpoint_every=100 --config.steps_per_call=25)

python -m jaxgan.train --variant=cgan_mlp --workdir="$out/cgan_mlp" "${data[@]}" --config.steps=6000 \
  --config.log_every=250
python -m jaxgan.sample --workdir="$out/cgan_mlp" --per_class=8 --out="$out/cgan_mlp/class_grid.png"
python -m jaxgan.evaluate --workdir="$out/cgan_mlp" --num_samples=5000
for v in cgan_resnet cgan_proj; do
  python -m jaxgan.train --variant=$v --workdir="$out/$v" "${data[@]}" "${small[@]}" --config.steps=200
  python -m jaxgan.sample --workdir="$out/$v" --per_class=8 --out="$out/$v/class_grid.png"
  python -m jaxgan.evaluate --workdir="$out/$v" --num_samples=2000
done
