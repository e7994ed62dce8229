"""The one `Registry`: decorator registration, lookup, declared capabilities, building, one-line errors; and
that every kind of part is registered and declares what code asks of it."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import configs, registry
from jaxgan import core
from jaxgan.eval import evaluation
from jaxgan.parts import augment, contracts, latents, losses, models, monitors, regularizers
from jaxgan.viz import grids


@dataclasses.dataclass(frozen=True)
class Widget:
    size: int = 1
    labelled: bool = False


def fresh() -> registry.Registry:
    table = registry.Registry("widget")
    table.register("plain", conditional=False)(Widget)

    @table.register("maker")
    def maker(size: int = 2, labelled: bool = True) -> Widget:
        return Widget(size, labelled)

    return table


def test_decorator_registers_and_returns_the_entry():
    table = registry.Registry("widget")
    assert table.register("plain")(Widget) is Widget
    assert table.get("plain") is Widget and "plain" in table and len(table) == 1
    assert list(table) == ["plain"] and table.names() == ("plain",)


def test_unknown_name_is_one_line_listing_the_known_names():
    with pytest.raises(ValueError) as e:
        fresh().get("nope")
    assert str(e.value) == "unknown widget 'nope'; known: maker, plain"
    with pytest.raises(ValueError, match="^unknown widget 'x'; known: none$"):
        registry.Registry("widget").get("x")


def test_registering_a_second_entry_under_a_name_is_refused():
    table = fresh()
    table.register("plain")(Widget)  # the same entry again (a re-imported module) is harmless
    with pytest.raises(ValueError, match="^widget 'plain' is registered twice$"):
        table.register("plain")(dict)


def test_build_passes_fixed_arguments_and_config_fields():
    assert fresh().build({"name": "plain", "labelled": True}, size=3) == Widget(3, True)
    assert fresh().create("maker", size=5) == Widget(5, True)


def test_build_with_a_bad_field_is_one_line():
    with pytest.raises(ValueError) as e:
        fresh().build({"name": "plain", "colour": "red"})
    assert str(e.value).startswith("bad widget config for 'plain': ") and "colour" in str(e.value)
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match="unknown widget None"):
        fresh().build({"size": 1})


def test_declared_capabilities_of_built_parts():
    table = fresh()
    assert table.capabilities("plain") == {"conditional": False}
    assert table.declared(Widget(), "conditional") is False
    assert table.declared(Widget(), "mixture", "default") == "default"
    # A capability declared as a function is read off the built part's settings.
    labelled = registry.Registry("widget")
    labelled.register("w", conditional=lambda w: w.labelled)(Widget)
    assert labelled.declared(Widget(labelled=True), "conditional") is True
    assert labelled.declared(Widget(labelled=False), "conditional") is False
    with pytest.raises(ValueError, match="^dict is not a registered widget; known: maker, plain$"):
        table.declared({}, "conditional")


def test_copy_is_independent():
    table = fresh()
    copy = table.copy()
    copy.register("extra")(dict)
    assert "extra" in copy and "extra" not in table


# ----------------------------------------------------------------------------------- the part registries
def test_every_part_kind_uses_the_registry():
    for table in (models.GENERATORS, models.DISCRIMINATORS, latents.PRIORS, losses.OBJECTIVES,
                  regularizers.REGULARIZERS, monitors.MONITORS, augment.AUGMENTATIONS):
        assert isinstance(table, registry.Registry) and len(table) > 0


def test_objectives_and_priors_meet_their_contracts():
    for name in losses.OBJECTIVES:
        objective = losses.build_objective({"name": name})
        assert isinstance(objective, contracts.Objective), name
        assert isinstance(losses.OBJECTIVES.declared(objective, "conditional"), bool), name
    for name in latents.PRIORS:
        prior = latents.build_prior({"name": name}, num_classes=10)
        assert isinstance(prior, contracts.Prior), name
        # A prior declaring mixture components provides them (and only then is read as a mixture).
        assert latents.has_mixture(prior) == isinstance(prior, contracts.MixturePrior), name


def test_networks_meet_their_contracts():
    for name in models.GENERATORS:
        g = models.build_generator({"name": name}, (28, 28, 1), 10)
        assert isinstance(g, contracts.Generator), name
        label_codes = models.GENERATORS.declared(g, "label_codes")
        assert label_codes == isinstance(g, contracts.LabelCodedGenerator), name
        assert isinstance(models.GENERATORS.declared(g, "conditional"), bool), name
    for name in models.DISCRIMINATORS:
        d = models.build_discriminator({"name": name}, 1, 10)
        assert isinstance(d, contracts.Discriminator), name
        assert isinstance(models.DISCRIMINATORS.declared(d, "conditional"), bool), name


def test_unknown_part_names_are_one_line_errors():
    cases = [(lambda: latents.build_prior({"name": "nope"}, 10), "unknown latent prior 'nope'; known: gaussian,"),
             (lambda: losses.build_objective({"name": "nope"}), "unknown loss 'nope'; known: bce,"),
             (lambda: regularizers.build_all({"nope": {}}), "unknown regularizer 'nope'; known: "),
             (lambda: monitors.build_all({"nope": {"every": 1}}, None), "unknown monitor 'nope'; known: "),
             (lambda: augment.build({"policy": "nope"}), "unknown augmentation 'nope'; known: ")]
    for build, message in cases:
        with pytest.raises(ValueError) as e:
            build()
        assert str(e.value).startswith(message) and "\n" not in str(e.value)
    with pytest.raises(ValueError, match="^bad regularizer config for 'mmd': "):
        regularizers.build_all({"mmd": {"wieght": 1.0}})


# ------------------------------------------------------- declared capabilities = what the old probes found
def probed_conditional(gan, state) -> bool:
    """The probe `evaluation.is_conditional` used before parts declared it (kept here as the independent
    reference): does G's loss, or the discriminator in `state`, change when the labels change?"""
    k = gan.num_classes
    if k < 2:
        return False
    a = jnp.arange(4, dtype=jnp.int32) % k
    b = (a + 1) % k
    logits = jax.random.normal(jax.random.PRNGKey(0), (4, gan.objective.num_outputs(k)))
    if not np.allclose(gan.objective.g_loss(logits, a), gan.objective.g_loss(logits, b)):
        return True
    x = jax.random.uniform(jax.random.PRNGKey(1), (4, *gan.image_shape), minval=-1.0, maxval=1.0)
    return not np.allclose(gan.discriminate(state, x, a), gan.discriminate(state, x, b))


def shrunk(variant: str):
    """`variant`'s config with narrow networks (the probes do not depend on widths)."""
    config = configs.get_config(variant)
    config.batch_size = 8
    for net in (config.generator, config.discriminator):
        for field in ("hidden", "channels"):
            if field in net:
                net[field] = (8,) * len(net[field])
    return config


def probe_params() -> list:
    """Every variant; those whose networks, prior and objective (all the probes read) repeat an earlier
    variant's run with `-m slow` (each builds and runs its networks: up to 45 s on 2 cores)."""
    seen, params = set(), []
    for variant in configs.variants():
        c = configs.get_config(variant)
        key = (c.generator.name, c.discriminator.name, c.latent.name, c.loss.name)
        params.append(pytest.param(variant, marks=[pytest.mark.slow] if key in seen else []))
        seen.add(key)
    return params


@pytest.mark.parametrize("variant", probe_params())
def test_declared_capabilities_agree_with_the_old_probes(variant):
    config = shrunk(variant)
    gan = core.build_gan(config, (28, 28, 1), 10, 64)
    state = gan.init(jax.random.PRNGKey(0))
    assert evaluation.is_conditional(gan) is probed_conditional(gan, state)
    assert latents.has_mixture(gan.prior) is hasattr(gan.prior, "components")
    assert models.GENERATORS.declared(gan.generator, "label_codes") is hasattr(gan.generator, "label_codes")
    assert grids.num_components(gan) == (getattr(gan.prior, "num_components", 0) or gan.num_classes)
