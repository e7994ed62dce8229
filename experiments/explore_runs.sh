#!/usr/bin/env bash
# Issue 11's evidence: a CPU-sized GM-GAN trained on 8,000 of the 10,000 shared MNIST test digits, explored,
# its D scored per class, and classifiers trained on its samples, all tested on the other 2,000 digits
# (never seen by the GAN or by any classifier). Results: experiments/README.md, "Using a trained generator".
#   bash experiments/explore_runs.sh [OUT_DIR]      (default runs/explore)
set -euo pipefail
out=${1:-runs/explore}
mnist=../shared/data/mnist
pool=${TMPDIR:-/tmp}/jaxgan_mnist_pool   # the 8,000 training digits, outside the project

# The GAN's training digits: jaxgan.heldout's fixed cut of MNIST test that jaxgan.synthetic and
# jaxgan.explore's d_accuracy also use (--test_fraction=0.2 keeps the other 2,000 out), as an IDX folder.
python - "$mnist" "$pool" <<'PY'
import gzip, os, sys
from jaxgan import heldout
pool, _ = heldout.fit_and_heldout(f"idx:{sys.argv[1]}", 0.2)
os.makedirs(sys.argv[2], exist_ok=True)
n, h, w, _ = pool.images.shape
for kind, magic, dims, raw in (("images", 2051, (n, h, w), pool.images), ("labels", 2049, (n,), pool.labels.astype("uint8"))):
    with gzip.open(f"{sys.argv[2]}/train-{kind}-idx{len(dims)}-ubyte.gz", "wb") as f:
        f.write(b"".join(int(d).to_bytes(4, "big") for d in (magic, *dims)) + raw.tobytes())
PY

python -m jaxgan.train --variant=gm_gan --workdir="$out/gm_gan" --config.data.name=idx:$pool \
  --config.steps=5000 --config.log_every=500
python -m jaxgan.explore --workdir="$out/gm_gan" --what=all --real=idx:$mnist --out="$out/gm_gan/explore"
python -m jaxgan.synthetic --workdir="$out/gm_gan" --dataset=idx:$mnist --seeds=3 --num_train=2000 --epochs=15 \
  --out="$out/gm_gan/synthetic"

# Seed 004's own model, the MLP cGAN (fraction 0 needs no GAN: it is gm_gan's row, same real rows per seed).
python -m jaxgan.train --variant=cgan_mlp --workdir="$out/cgan_mlp" --config.data.name=idx:$pool \
  --config.steps=10000 --config.log_every=1000
python -m jaxgan.explore --workdir="$out/cgan_mlp" --what=all --real=idx:$mnist --out="$out/cgan_mlp/explore"
python -m jaxgan.synthetic --workdir="$out/cgan_mlp" --dataset=idx:$mnist --fractions=0.25,1 --seeds=1 \
  --num_train=2000 --epochs=15 --out="$out/cgan_mlp/synthetic"

# Seeds side by side under vmap vs one after the other (same classifiers), one process, interleaved.
python experiments/explore_vmap_bench.py --seeds=3 --num=1000 --epochs=1 --repeats=2
