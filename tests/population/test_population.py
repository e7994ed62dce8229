"""Populations: members equal their single runs (a population of one is a single run, bit for bit), backends
equal each other, a backend is one registered class, sweeps apply each member's value, bad sweeps are refused,
a NaN member is frozen while the others train, sharded populations equal unsharded ones."""

import functools
import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import tiny_config
from jaxgan.data import datasets as data
from jaxgan.core import build_gan
from jaxgan import population
from jaxgan.population import BACKENDS, Backend, PopulationState
from jaxgan.population.backends import member_chunk

STEPS = 4


@BACKENDS.register("test_reversed", mesh=False, pop_axis=False)
class Reversed(Backend):
    """A backend written for the tests: each member in its own compiled call, last member first. Registering
    this one class is all a new backend takes."""

    def train_chunk(self, state, images, labels, num_steps):
        chunk = jax.jit(functools.partial(member_chunk, self.population), static_argnums=6)
        hparams = self.population.hparams()
        outs = {i: chunk({k: v[i] for k, v in hparams.items()}, state.member(i), state.alive[i], state.failed_step[i],
                         images, labels, num_steps) for i in reversed(range(state.size))}
        members, alive, failed, metrics = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs),
                                                                 *[outs[i] for i in range(state.size)])
        return PopulationState(members=members, alive=alive, failed_step=failed), metrics


@pytest.fixture(scope="module")
def tiny(tiny_idx_dir):
    ds = data.load_idx(str(tiny_idx_dir), "train")
    return ds, data.to_device(ds)


_SINGLE = {}  # one GAN (and so one compile) per member config, shared by the seeds and tests that run it


def single_run(config, ds, images, labels, seed, settings=None):
    member_cfg = population.member_config(config, settings or {})
    key = (member_cfg.to_json_best_effort(sort_keys=True), ds.image_shape, ds.num_classes, ds.size)
    if key not in _SINGLE:
        gan = build_gan(member_cfg, ds.image_shape, ds.num_classes, ds.size)
        _SINGLE[key] = gan, jax.jit(gan.init)
    gan, init = _SINGLE[key]
    state, _ = gan.jit_train_chunk(init(jax.random.PRNGKey(seed)), images, labels, STEPS)
    return state


def train_population(config, ds, images, labels, **kwargs):
    pop = population.build(config, ds.image_shape, ds.num_classes, ds.size, **kwargs)
    state, metrics = pop.jit_train_chunk(pop.init(), images, labels, STEPS)
    return pop, state, metrics


def max_abs_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y))))
               for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)))


# loop (about a minute on 2 cores) with -m slow: it is the CPU's default backend, so every other population
# test here and in test_population_train.py runs it, and a single run is its population of one
# (test_a_population_of_one_is_the_single_run_bit_for_bit).
@pytest.mark.parametrize("backend", ["vmap", "map", pytest.param("loop", marks=pytest.mark.slow)])
def test_member_i_equals_the_single_run_with_seed_plus_i(tiny, tiny_idx_dir, backend):
    ds, (images, labels) = tiny
    config = tiny_config("gm_gan", tiny_idx_dir, seed=3)
    pop, state, _ = train_population(config, ds, images, labels, seeds=3, backend=backend)
    assert [m.seed for m in pop.members] == [3, 4, 5]
    for i in range(3):
        member = pop.member_state(state, i)
        single = single_run(config, ds, images, labels, seed=3 + i)
        assert max_abs_diff(member.params, single.params) < 1e-5
        np.testing.assert_array_equal(np.asarray(member.data_order), np.asarray(single.data_order))
    # and the members really differ from each other (different seeds)
    assert max_abs_diff(pop.member_state(state, 0).params, pop.member_state(state, 1).params) > 1e-3


def assert_trees_equal(a, b):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("settings", [{}, {"optim.generator.learning_rate": 3e-4}])
def test_a_population_of_one_is_the_single_run_bit_for_bit(tiny, tiny_idx_dir, settings):
    """No special case for one member: the population machinery (loop backend, NaN policy) around the plain
    engine's chunk changes no bit of the state or the metrics."""
    ds, (images, labels) = tiny
    config = tiny_config("vanilla", tiny_idx_dir, seed=5)
    pop = population.build(config, ds.image_shape, ds.num_classes, ds.size, members=[population.Member(0, 5, settings)])
    assert pop.backend == "loop" and pop.hparams() == {}  # nothing traced: the member's own Python settings
    state, metrics = pop.jit_train_chunk(pop.init(), images, labels, STEPS)
    gan = build_gan(population.member_config(config, settings), ds.image_shape, ds.num_classes, ds.size)
    single, single_metrics = gan.jit_train_chunk(gan.init(jax.random.PRNGKey(5)), images, labels, STEPS)
    assert_trees_equal(pop.member_state(state, 0), single)
    assert_trees_equal(jax.tree_util.tree_map(lambda x: x[0], metrics), single_metrics)
    assert np.asarray(state.alive).tolist() == [True] and np.asarray(state.failed_step).tolist() == [-1]


def test_a_backend_registered_in_a_test_is_picked_by_name(tiny, tiny_idx_dir):
    ds, (images, labels) = tiny
    config = tiny_config("vanilla", tiny_idx_dir, population_backend="test_reversed")
    sweeps = [("optim.generator.learning_rate", (1e-4, 3e-4))]
    pop, state, metrics = train_population(config, ds, images, labels, sweeps=sweeps)
    assert pop.backend == "test_reversed" and type(pop.runner) is Reversed
    _, loop_state, loop_metrics = train_population(config, ds, images, labels, sweeps=sweeps, backend="loop")
    assert_trees_equal(state, loop_state)  # the same member chunk, called in another order
    assert_trees_equal(metrics, loop_metrics)
    with pytest.raises(ValueError, match="test_reversed does not run as one program: a mesh needs map, vmap"):
        population.build(config, ds.image_shape, ds.num_classes, ds.size, mesh="data:1")


@pytest.mark.parametrize("backend, sizes, why", [
    ("nope", None, "population_backend must be one of auto, loop, map"),
    ("loop", {"pop": 1, "data": 2}, "loop does not run as one program: a mesh needs map, vmap"),
    ("map", {"pop": 2, "data": 1}, "map cannot spread members over devices: a mesh with pop > 1 needs vmap")])
def test_backends_that_cannot_run_a_population_are_refused_in_one_line(backend, sizes, why):
    """Refusals follow from the capabilities each backend registered with (no device needed to check)."""
    with pytest.raises(ValueError, match=why) as e:
        population.backends.check(backend, sizes)
    assert "\n" not in str(e.value)
    if sizes is not None:
        assert population.backends.resolve("auto", 3, sizes) == "vmap"  # auto: vmap with any mesh


def test_sweep_applies_each_members_value(tiny, tiny_idx_dir):
    ds, (images, labels) = tiny
    config = tiny_config("vanilla", tiny_idx_dir)
    sweeps = [("optim.generator.learning_rate", (0.0, 1e-3)), ("discriminator.dropout", (0.0, 0.5))]
    pop, state, _ = train_population(config, ds, images, labels, sweeps=sweeps)
    assert [tuple(m.settings.values()) for m in pop.members] == [(0.0, 0.0), (0.0, 0.5), (1e-3, 0.0), (1e-3, 0.5)]
    initial = pop.gan.init(jax.random.PRNGKey(config.seed))
    for i, m in enumerate(pop.members):
        g = pop.member_state(state, i).params["generator"]
        moved = max_abs_diff(g, initial.params["generator"])
        assert (moved == 0.0) == (m.settings["optim.generator.learning_rate"] == 0.0)
    # Members 1 and 2 each set one swept field to its non-zero value: each equals its own single run. Members 0
    # (both zero) and 3 (both set) are not run singly: a single run per member compiles anew.
    for i in (1, 2):
        single = single_run(config, ds, images, labels, config.seed, pop.members[i].settings)
        assert max_abs_diff(pop.member_state(state, i).params, single.params) < 1e-5


def test_members_differing_only_in_a_loss_weight_see_identical_noise_and_batches(tiny, tiny_idx_dir):
    ds, (images, labels) = tiny
    config = tiny_config("gm_gan_sep", tiny_idx_dir)
    pop, state, metrics = train_population(config, ds, images, labels, sweeps=[("loss.class_weight", (0.5, 3.0))])
    a, b = pop.member_state(state, 0), pop.member_state(state, 1)
    np.testing.assert_array_equal(np.asarray(a.data_order), np.asarray(b.data_order))
    # Step 0: same init, same real batch, same latents: D's scores agree although the losses weigh them
    # differently; the weight then changes the training (states differ afterwards).
    for key in ("d/real_logit", "d/fake_logit"):
        np.testing.assert_allclose(np.asarray(metrics[key])[0, 0], np.asarray(metrics[key])[1, 0], rtol=1e-6)
    assert not np.isclose(float(metrics["d/loss"][0, 0]), float(metrics["d/loss"][1, 0]))
    assert max_abs_diff(a.params, b.params) > 0


@pytest.mark.parametrize("spec, why", [
    ("generator.hidden=1,2", "structural"), ("n_d=1,2", "structural"), ("batch_size=8,16", "structural"),
    ("loss.name=1", "structural"), ("seed=1,2", "--seeds"), ("optim.nope.learning_rate=1", "unknown"),
    ("optim.generator.learning_rate", "FIELD=v1"), ("optim.generator.learning_rate=a", "numbers")])
def test_bad_sweeps_are_refused_in_one_line(tiny_idx_dir, spec, why):
    config = tiny_config("vanilla", tiny_idx_dir)
    with pytest.raises(ValueError, match=why) as e:
        population.member_grid(config, 1, [population.parse_sweep(spec)])
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("backend", ["vmap", "loop"])
def test_nan_member_is_frozen_and_reported_while_the_others_train(tiny, tiny_idx_dir, backend):
    ds, (images, labels) = tiny
    config = tiny_config("vanilla", tiny_idx_dir)
    pop, state, metrics = train_population(config, ds, images, labels, backend=backend,
                                           sweeps=[("optim.discriminator.learning_rate", (1e38, 2e-4))])
    alive, failed = np.asarray(state.alive), np.asarray(state.failed_step)
    assert alive.tolist() == [False, True] and failed[1] == -1 and 1 <= failed[0] <= STEPS
    bad = pop.member_state(state, 0)
    assert all(np.isfinite(np.asarray(x)).all() for x in jax.tree_util.tree_leaves(bad.params))
    assert int(bad.step) == failed[0] - 1  # frozen at the last good step
    good = single_run(config, ds, images, labels, config.seed, pop.members[1].settings)
    assert max_abs_diff(pop.member_state(state, 1).params, good.params) < 1e-5


SHARDED = textwrap.dedent("""
    import os, sys, json
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
    import jax, jax.numpy as jnp, numpy as np
    sys.path[:0] = [sys.argv[2], os.path.dirname(sys.argv[2])]  # this checkout's jaxgan, not an installed one
    from conftest import tiny_config
    from jaxgan.data import datasets as data
    from jaxgan import population
    ds = data.load_idx(sys.argv[1], "train")
    config = tiny_config("vanilla", sys.argv[1])
    sweeps = [("optim.generator.learning_rate", (1e-4, 3e-4))]
    ref = population.build(config, ds.image_shape, 10, ds.size, seeds=2, sweeps=sweeps, backend="vmap")
    st, _ = ref.jit_train_chunk(ref.init(), *ref.put_data(ds.images, ds.labels), 3)
    out = {}
    for mesh in ("pop:4,data:2",):  # members and batches both split (pop:2,data:4 is the same code path)
        pop = population.build(config, ds.image_shape, 10, ds.size, seeds=2, sweeps=sweeps, mesh=mesh)
        s, m = pop.jit_train_chunk(pop.init(), *pop.put_data(ds.images, ds.labels), 3)
        leaf = s.members.params["generator"]["Dense_0"]["kernel"]
        out[mesh] = dict(diff=max(float(jnp.max(jnp.abs(a - b))) for a, b in zip(
            jax.tree_util.tree_leaves(st.members.params), jax.tree_util.tree_leaves(s.members.params))),
            devices_per_member=len(leaf.sharding.device_set) // 4 if mesh.startswith("pop:4") else None)
    # A one-member run on 8 data devices against the unsharded population's member 0 (the config's seed, lr 1e-4), which
    # equals its single run (test_member_i_equals_the_single_run_with_seed_plus_i).
    dp = population.build(config, ds.image_shape, 10, ds.size, sweeps=[sweeps[0][:1] + ((1e-4,),)], mesh="data:8")
    args = (dp.init(), *dp.put_data(ds.images, ds.labels))
    compiled = dp.jit_train_chunk.lower(*args, 3).compile()  # one compile: run it and read its HLO
    hlo = compiled.as_text()
    s, _ = compiled(*args)
    out["data:8"] = dict(diff=max(float(jnp.max(jnp.abs(a - b))) for a, b in zip(
        jax.tree_util.tree_leaves(ref.member_state(st, 0).params),
        jax.tree_util.tree_leaves(dp.member_state(s, 0).params))),
        all_reduce="all-reduce" in hlo)
    print(json.dumps(out))
""")


def test_sharded_population_and_data_parallel_equal_unsharded(tiny_idx_dir, tmp_path):
    script = tmp_path / "sharded.py"
    script.write_text(SHARDED)
    tests_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/, beside the checkout's jaxgan
    out = subprocess.run([sys.executable, str(script), str(tiny_idx_dir), tests_dir], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    import json
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for mesh, r in result.items():
        assert r["diff"] < 1e-5, (mesh, r)
    assert result["data:8"]["all_reduce"]  # the batch really is split: gradients are reduced across devices


def float_fields(config, prefix=""):
    for key, value in config.items():
        if hasattr(value, "keys"):
            yield from float_fields(value, prefix + key + ".")
        elif isinstance(value, float):
            yield prefix + key, value


def sweep_every_float(variant):
    """Two members that differ in EVERY float setting of the variant: the whole program must trace."""
    from jaxgan import configs

    config = configs.get_config(variant)
    fields = dict(float_fields(config))
    halved = {f: (v / 2 if v else 0.1) for f, v in fields.items()}
    members = [population.Member(0, 0, fields), population.Member(1, 1, halved)]
    pop = population.build(config, (28, 28, 1), 10, 512, members=members, backend="vmap")
    assert pop.swept == tuple(fields) and len(fields) >= 10


@pytest.mark.parametrize("variant", ["vanilla_diffaug", "gm_gan_sep", "wgan_clip", "wgan_gp", "mmd_dcgan", "cgan_mlp"])
def test_every_float_setting_of_a_family_is_sweepable(variant):
    sweep_every_float(variant)


@pytest.mark.slow
def test_every_float_setting_of_every_variant_is_sweepable():
    from jaxgan import configs

    for variant in configs.variants():
        sweep_every_float(variant)
