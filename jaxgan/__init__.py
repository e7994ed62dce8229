"""jaxgan: fast, pure-functional JAX/Flax GANs for MNIST-like data."""

import os

# TensorFlow is imported only for TFDS and clu's TensorBoard writer; keep its C++ start-up chatter quiet.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
