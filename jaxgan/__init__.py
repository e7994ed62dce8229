"""jaxgan: fast, pure-functional JAX/Flax GANs for MNIST-like data."""

import os

# TensorFlow is imported only for TFDS and clu's TensorBoard writer and computes nothing of ours: keep its C++
# start-up chatter quiet, including oneDNN's notice, which ignores TF_CPP_MIN_LOG_LEVEL. Defaults only: a value
# the user set wins (TF_CPP_MIN_LOG_LEVEL=0 brings the lines back). The command line is not read here.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
