"""What each kind of part must provide: `typing.Protocol`s, with the shapes each method takes and returns.

B is the batch, d the latent width, K the number of classes (`num_classes`), [H, W, C] the image shape, F a
network's feature width. A part states what it can do beyond its protocol (conditional, mixture components,
label codes) when it registers (see `jaxgan.registry`), and code asks the registry, never the part:

    networks        GENERATORS, DISCRIMINATORS   jaxgan.parts.models     capabilities: conditional, label_codes
    priors          PRIORS                       jaxgan.parts.latents    capabilities: mixture
    objectives      OBJECTIVES                   jaxgan.parts.losses     capabilities: conditional
    regularisers    REGULARIZERS                 jaxgan.parts.regularizers
    monitors        MONITORS                     jaxgan.parts.monitors
    augmentations   AUGMENTATIONS                jaxgan.parts.augment

Networks and priors are flax linen modules: the engine calls them through `init` / `apply`, whose extra
arguments are those of `__call__` below (and `method="components"` / `method="label_codes"` where declared).
The checks are structural (`isinstance` against a `runtime_checkable` protocol looks only for the names).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Protocol, runtime_checkable

import jax

if TYPE_CHECKING:  # only for annotations: the regulariser inputs live with the regularisers
    from jaxgan.parts.regularizers.base import RegularizerInputs

Scalar = jax.Array  # a 0-d float array


@runtime_checkable
class Module(Protocol):
    """What the engine uses of a flax linen module."""

    def init(self, rngs: Any, *args: Any, **kwargs: Any) -> Mapping[str, Any]: ...

    def apply(self, variables: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any: ...


@runtime_checkable
class Generator(Module, Protocol):
    """`(z [B, d], labels [B] int32, train) -> images [B, H, W, C]` in [-1, 1].

    Built with `image_shape` and `num_classes` (and its own config fields). An unconditional generator
    ignores `labels`; a conditional one (declared `conditional=True`) reads them.
    """

    image_shape: tuple[int, int, int]
    num_classes: int

    def __call__(self, z: jax.Array, labels: jax.Array, train: bool = False) -> jax.Array: ...


@runtime_checkable
class LabelCodedGenerator(Generator, Protocol):
    """A conditional generator that declares `label_codes=True`: it reads each label as a code `[B, E]`
    (int labels `[B]` or float codes `[B, E]` are both accepted by `__call__`)."""

    def label_codes(self, labels: jax.Array) -> jax.Array: ...


@runtime_checkable
class Discriminator(Module, Protocol):
    """`(images [B, H, W, C], labels [B] int32, train) -> (logits [B, num_outputs], features [B, F])`.

    Built with `num_outputs` (the objective's) and `num_classes`. `features` is the penultimate layer, read
    by feature-space regularisers. One that declares `conditional` (possibly as a function of its
    settings) lets `labels` change its logits.
    """

    num_outputs: int
    num_classes: int

    def __call__(self, x: jax.Array, labels: jax.Array, train: bool = False) -> tuple[jax.Array, jax.Array]: ...


@runtime_checkable
class Prior(Module, Protocol):
    """`(key, batch_size, labels [B] or None, train) -> (z [B, dim], y [B] int32)`.

    `y` is the class each sample is meant to show: the given `labels`, else drawn by the prior. Built with
    `num_classes`; its parameters (if any) train with the generator.
    """

    dim: int
    num_classes: int

    def __call__(self, key: jax.Array, batch_size: int, labels: jax.Array | None = None,
                 train: bool = False) -> tuple[jax.Array, jax.Array]: ...


@runtime_checkable
class MixturePrior(Prior, Protocol):
    """A prior that declares `mixture=True`: `k` components, y picks one, z ~ N(mu[y], sigma[y]^2)."""

    @property
    def k(self) -> int: ...

    def components(self) -> tuple[jax.Array, jax.Array]:
        """(mu [k, dim], sigma [k, dim])."""
        ...


@runtime_checkable
class Objective(Protocol):
    """The adversarial game, given D's logits `[B, num_outputs(K)]` and class labels `[B]` int32.

    An objective whose generator loss reads the labels declares `conditional=True` (a function of its
    settings where a weight can switch that off).
    """

    def num_outputs(self, num_classes: int) -> int:
        """Width of D's logits."""
        ...

    def realness(self, logits: jax.Array) -> jax.Array:
        """How real D finds each input: a logit `[B]` (larger = more real)."""
        ...

    def d_loss(self, real_logits: jax.Array, fake_logits: jax.Array, real_labels: jax.Array,
               fake_labels: jax.Array) -> Scalar: ...

    def g_loss(self, fake_logits: jax.Array, fake_labels: jax.Array) -> Scalar: ...


@runtime_checkable
class Regularizer(Protocol):
    """`(RegularizerInputs) -> (weighted scalar term, {metric name: scalar})`, added to one player's loss."""

    def __call__(self, inputs: RegularizerInputs) -> tuple[Scalar, dict[str, Scalar]]: ...


@runtime_checkable
class RegularizerFactory(Protocol):
    """`(weight=..., **settings) -> Regularizer`: one entry of a `d_regularizers` / `g_regularizers` section.
    Float settings may arrive traced (population sweeps): jnp arithmetic only, no Python `if` on them."""

    def __call__(self, **settings: Any) -> Regularizer: ...


@runtime_checkable
class Monitor(Protocol):
    """`(train state) -> {"monitor/<name>": scalar}`: pure, jitted once, computed on the host's schedule."""

    def __call__(self, state: Any) -> dict[str, Scalar]: ...


@runtime_checkable
class MonitorFactory(Protocol):
    """`(gan, **settings) -> Monitor`."""

    def __call__(self, gan: Any, **settings: Any) -> Monitor: ...


@runtime_checkable
class Augmentation(Protocol):
    """`(x [B, H, W, C], key) -> x [B, H, W, C]`: differentiable, per-sample randomness from `key`."""

    def __call__(self, x: jax.Array, key: jax.Array) -> jax.Array: ...
