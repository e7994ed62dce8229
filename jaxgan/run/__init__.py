"""The host side of a run: the training loop, checkpoints, the workdir."""
