"""jaxgan: fast, pure-functional JAX/Flax GANs for MNIST-like data."""

import os
import sys

# TensorFlow is imported only for TFDS and clu's TensorBoard writer and computes nothing of ours: keep its C++
# start-up chatter quiet, including oneDNN's notice, which ignores TF_CPP_MIN_LOG_LEVEL (a CLI's --verbosity
# brings both back).
if not any(arg.startswith(("--verbosity", "-v")) for arg in sys.argv[1:]):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
