#!/usr/bin/env bash
# CPU-sized conditional-GAN runs behind experiments/README.md ("Conditional GANs"): train on the 10,000 MNIST
# test digits, then class grids and evaluation of each variant. The ResNets are shrunk (G 16-16, D 16-16-16
# channels) and run 300 steps (2,700 D updates) with G's learning rate raised to D's 2e-4 (ours: at the
# seed's 2e-5, 300 G updates barely move G); cgan_resnet and cgan_proj differ only in D's conditioning,
# loss and normalisation, so they compare at equal steps.
#   bash experiments/cgan_runs.sh [OUT_DIR]      (default runs/cgan)
set -euo pipefail
out=${1:-runs/cgan}
data=(--config.data.name=idx:../shared/data/mnist --config.data.split=test)
small=(--config.generator.channels="(16,16)" --config.discriminator.channels="(16,16,16)"
       --config.optim.generator.learning_rate=2e-4 --config.log_every=25 --config.sample_every=100
       --config.checkpoint_every=100 --config.steps_per_call=25)

python -m jaxgan.train --variant=cgan_mlp --workdir="$out/cgan_mlp" "${data[@]}" --config.steps=6000 \
  --config.log_every=250
for v in cgan_resnet cgan_proj; do
  python -m jaxgan.train --variant=$v --workdir="$out/$v" "${data[@]}" "${small[@]}" --config.steps=300
done
python -m jaxgan.train --variant=cgan_resnet_adaptive --workdir="$out/cgan_resnet_adaptive" "${data[@]}" \
  "${small[@]}" --config.steps=150

for v in cgan_mlp cgan_resnet cgan_proj cgan_resnet_adaptive; do
  python -m jaxgan.sample --workdir="$out/$v" --per_class=8 --out="$out/$v/class_grid.png"
  python -m jaxgan.evaluate --workdir="$out/$v" --num_samples=5000
done
