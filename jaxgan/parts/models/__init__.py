"""Generator and discriminator networks, looked up by the name a config gives them.

Every generator maps `(z [B, d], labels [B] int32, train) -> images [B, H, W, C]` in [-1, 1] and accepts the
fields `image_shape` and `num_classes`. Every discriminator maps `(images, labels, train)` to
`(logits [B, num_outputs], features [B, F])` (features = penultimate layer, used by feature-space
regularisers) and accepts `num_outputs` and `num_classes`. Unconditional networks ignore `labels`.
"""

from __future__ import annotations

from typing import Any, Mapping

import flax.linen as nn

from jaxgan import registry
from jaxgan.parts.models.cgan_mlp import ConditionalMLPDiscriminator, ConditionalMLPGenerator
from jaxgan.parts.models.conv import ConvDiscriminator
from jaxgan.parts.models.dcgan import DCGANDiscriminator, DCGANGenerator
from jaxgan.parts.models.mlp import MLPDiscriminator, MLPGenerator
from jaxgan.parts.models.resnet import ResNetDiscriminator, ResNetGenerator

GENERATORS: dict[str, type[nn.Module]] = {"mlp": MLPGenerator}
DISCRIMINATORS: dict[str, type[nn.Module]] = {"mlp": MLPDiscriminator}
DISCRIMINATORS["conv"] = ConvDiscriminator
GENERATORS["dcgan"], DISCRIMINATORS["dcgan"] = DCGANGenerator, DCGANDiscriminator
# Conditional networks (labels as int labels or float codes: see jaxgan.models.conditioning).
GENERATORS.update({"cgan_mlp": ConditionalMLPGenerator, "resnet": ResNetGenerator})
DISCRIMINATORS.update({"cgan_mlp": ConditionalMLPDiscriminator, "resnet": ResNetDiscriminator})


def build_generator(cfg: Mapping[str, Any], image_shape: tuple[int, int, int], num_classes: int) -> nn.Module:
    return registry.build(GENERATORS, "generator", cfg, image_shape=tuple(image_shape), num_classes=num_classes)


def build_discriminator(cfg: Mapping[str, Any], num_outputs: int, num_classes: int) -> nn.Module:
    return registry.build(DISCRIMINATORS, "discriminator", cfg, num_outputs=num_outputs, num_classes=num_classes)
