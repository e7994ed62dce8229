"""What is done with a trained generator: latent exploration, classifiers trained on its digits."""
