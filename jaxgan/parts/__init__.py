"""The parts a variant's config names: networks, latent priors, objectives, augmentation, regularisers, monitors."""
