"""The engine: the train state, the GAN's parts composed into a pure step, scanned chunks, make_train."""
