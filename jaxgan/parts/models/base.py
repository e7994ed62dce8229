"""The network registries and builders.

Every generator maps `(z [B, d], labels [B] int32, train) -> images [B, H, W, C]` in [-1, 1] and accepts the
fields `image_shape` and `num_classes`. Every discriminator maps `(images, labels, train)` to
`(logits [B, num_outputs], features [B, F])` (features = penultimate layer, used by feature-space
regularisers) and accepts `num_outputs` and `num_classes` (see `jaxgan.parts.contracts`).

A network registers where it is defined and declares whether it reads the labels:

    @GENERATORS.register("cgan_mlp", conditional=True, label_codes=True)
    class ConditionalMLPGenerator(nn.Module): ...

`conditional`: the labels change its output (a discriminator may declare it as a function of its settings);
`label_codes` (generators): it has `label_codes(labels) -> [B, E]` and accepts float codes as labels.
"""

from __future__ import annotations

from typing import Any, Mapping

from jaxgan.parts import contracts
from jaxgan.registry import Registry

GENERATORS: Registry[type[contracts.Generator]] = Registry("generator")
DISCRIMINATORS: Registry[type[contracts.Discriminator]] = Registry("discriminator")


def build_generator(cfg: Mapping[str, Any], image_shape: tuple[int, int, int],
                    num_classes: int) -> contracts.Generator:
    """The generator `cfg` names (`{name, **fields}`) for images of `image_shape`."""
    return GENERATORS.build(cfg, image_shape=tuple(image_shape), num_classes=num_classes)


def build_discriminator(cfg: Mapping[str, Any], num_outputs: int, num_classes: int) -> contracts.Discriminator:
    """The discriminator `cfg` names, with `num_outputs` logits per input."""
    return DISCRIMINATORS.build(cfg, num_outputs=num_outputs, num_classes=num_classes)
