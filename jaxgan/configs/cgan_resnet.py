"""ResNet CGAN (seed 003): residual G and D, one-hot label joined mid-D, BCE, 9 D updates per G update.

    python -m jaxgan.train --variant=cgan_resnet

Seed 003 (Table 1): batch 32, Adam with G learning rate 2e-5 and D learning rate 2e-4, beta1 0.5, beta2 0.999,
discriminator advantage 9, 30 epochs. Networks: `jaxgan.models.resnet` (resize-convolution G with batch norm
and a learned label embedding concatenated to z; pre-activation D with batch norm, the label's one-hot code
joined as channels after the first block). Ours, not the seed's: widths (G 64-64, D 32-64-64; the seed's
networks had 285k / 619k parameters), the one-hot code in D, the latent size 100 and the default steps.
"""

import ml_collections

from jaxgan.configs import default


def get_config():
    c = default.get_config()
    c.batch_size = 32
    c.n_d = 9
    c.generator = ml_collections.ConfigDict(dict(
        name="resnet", channels=(64, 64), label_code="embed", code_features=10, conditional_bn=False,
        conv_impl="patches"))
    c.discriminator = ml_collections.ConfigDict(dict(
        name="resnet", channels=(32, 64, 64), conditioning="concat", join_at=1, label_code="onehot",
        batch_norm=True, spectral_norm=False, conv_impl="patches"))
    c.loss = ml_collections.ConfigDict(dict(name="bce"))
    c.optim.generator = default.adam_group("^generator/", 2e-5)
    c.optim.discriminator = default.adam_group("^discriminator/", 2e-4)
    c.steps = 20_000
    c.sample_every = 500
    return c
