#!/usr/bin/env bash
# CPU-sized runs behind experiments/README.md: train, then evaluate, each variant (about 45 min on 2 cores).
#   bash experiments/cpu_runs.sh [OUT_DIR]      (default runs/cpu)
set -euo pipefail
out=${1:-runs/cpu}
fashion=idx:../shared/data/fashion_mnist
mnist=idx:../shared/data/mnist

python -m jaxgan.train --variant=vanilla --workdir="$out/vanilla" --config.data.name=$fashion \
  --config.steps=3000 --config.log_every=250
for v in wgan wgan_clip wgan_gp wgan_gp_conv; do
  python -m jaxgan.train --variant=$v --workdir="$out/$v" --config.data.name=$fashion \
    --config.steps=1500 --config.log_every=100 --config.sample_every=500
done
python -m jaxgan.train --variant=gm_gan_seed --workdir="$out/gm_gan" --config.data.name=$mnist \
  --config.data.split=test --config.steps=3000

for v in vanilla wgan wgan_clip wgan_gp wgan_gp_conv; do
  python -m jaxgan.evaluate --workdir="$out/$v" --num_samples=10000
done
python -m jaxgan.evaluate --workdir="$out/gm_gan" --num_samples=5000
python -m jaxgan.sample --workdir="$out/gm_gan" --per_class=10 --out="$out/gm_gan/class_grid.png"
for d in fashion_mnist:10000 mnist:5000; do   # the floor and the PCA baseline
  python -m jaxgan.evaluate --baseline=real --dataset=idx:../shared/data/${d%%:*} --num_samples=${d##*:}
  python -m jaxgan.evaluate --baseline=pca --dataset=idx:../shared/data/${d%%:*} --num_samples=${d##*:} --pca_components=50
done
