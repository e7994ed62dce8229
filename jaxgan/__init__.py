"""jaxgan: fast, pure-functional JAX/Flax GANs for MNIST-like data."""
