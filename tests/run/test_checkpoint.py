"""Checkpoints (jaxgan.run.checkpoint): restored onto the devices present, mismatches reported in one line and
never taken for corruption, a corrupt checkpoint skipped for the previous one."""

from __future__ import annotations

import logging
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import Mesh, NamedSharding, PartitionSpec, SingleDeviceSharding

from jaxgan.run import checkpoint

META = dict(variant="v", param_shapes={"a": [3]}, data_size=8)


def saved(tmp_path, *values: float) -> checkpoint.Checkpoints:
    """Checkpoints at steps 1, 2, ... of `{"a": [v, v + 1, v + 2]}` for each value."""
    ckpts = checkpoint.Checkpoints(str(tmp_path / "checkpoints"))
    for step, v in enumerate(values, 1):
        ckpts.save({"a": v + jnp.arange(3, dtype=jnp.float32)}, META, step=step)
    return ckpts


def garble(directory) -> None:
    for root, _, files in os.walk(directory):
        for name in files:
            with open(os.path.join(root, name), "wb") as f:
                f.write(b"garbage")


def test_restore_target_uses_a_leafs_sharding_or_the_local_device():
    target = checkpoint.restore_target(jax.eval_shape(lambda: {"a": jnp.zeros((2, 3), jnp.bfloat16)}))
    assert (target["a"].shape, target["a"].dtype) == ((2, 3), jnp.bfloat16)
    assert target["a"].sharding == SingleDeviceSharding(jax.local_devices()[0])
    replicated = NamedSharding(Mesh(np.asarray(jax.devices()), ("data",)), PartitionSpec())
    assert checkpoint.restore_target({"a": jax.device_put(jnp.zeros(3), replicated)})["a"].sharding == replicated


def test_restore_gives_back_what_was_saved(tmp_path):
    ckpts = saved(tmp_path, 10.0, 20.0)
    step, state = ckpts.load(jax.eval_shape(lambda: {"a": jnp.zeros(3)}), META)
    assert step == 2
    np.testing.assert_array_equal(state["a"], [20.0, 21.0, 22.0])
    np.testing.assert_array_equal(ckpts.restore({"a": np.zeros(3, np.float32)}, META, step=1)["a"], [10, 11, 12])
    assert checkpoint.Checkpoints(str(tmp_path / "empty")).restore({"a": np.zeros(3)}, META) is None


@pytest.mark.parametrize("template, fragment", [
    ({"a": jnp.zeros(4)}, "1 of other shapes (e.g. a: [3] stored, [4] here)"),
    ({"a": jnp.zeros(3), "b": jnp.zeros(2)}, "1 of this run's arrays missing (e.g. b)"),
    ({"c": {"d": jnp.zeros(3)}}, "1 of this run's arrays missing (e.g. c.d); 1 arrays this run lacks (e.g. a)"),
])
def test_another_structure_is_a_one_line_mismatch_not_corruption(tmp_path, caplog, template, fragment):
    ckpts = saved(tmp_path, 0.0, 1.0)
    with caplog.at_level(logging.WARNING), pytest.raises(checkpoint.CheckpointMismatch) as error:
        ckpts.restore(template, META)
    message = str(error.value)
    assert fragment in message and "step 2 holds a state of another structure" in message, message
    assert "\n" not in message and "corrupt" not in message
    assert not caplog.records  # no fallback to step 1, no warning


def test_another_variant_is_a_mismatch(tmp_path):
    ckpts = saved(tmp_path, 0.0)
    with pytest.raises(checkpoint.CheckpointMismatch, match="variant 'v', not 'w'"):
        ckpts.restore({"a": jnp.zeros(3)}, {**META, "variant": "w"})
    assert issubclass(checkpoint.CheckpointMismatch, checkpoint.CheckpointError)


def test_corrupt_latest_falls_back_with_a_one_line_warning(tmp_path, caplog):
    ckpts = saved(tmp_path, 10.0, 20.0)
    garble(tmp_path / "checkpoints" / "2" / "state")
    with caplog.at_level(logging.WARNING):
        step, state = ckpts.load({"a": jnp.zeros(3)}, META)
    assert step == 1
    np.testing.assert_array_equal(state["a"], [10.0, 11.0, 12.0])
    messages = [r.getMessage() for r in caplog.records]
    assert any("checkpoint step 2" in m and "corrupt" in m for m in messages), messages
    assert all("\n" not in m and len(m) < 2 * checkpoint.SUMMARY_CHARS + 200 for m in messages), messages
    garble(tmp_path / "checkpoints" / "1" / "state")
    with pytest.raises(checkpoint.CheckpointError, match=r"no readable checkpoint in .* \(step 2: \w+; step 1: \w+\)"):
        ckpts.restore({"a": jnp.zeros(3)}, META)


def test_summarize_keeps_one_short_line():
    assert checkpoint.summarize(ValueError("first\nsecond")) == "first"
    assert checkpoint.summarize(KeyError()) == "KeyError"
    long = checkpoint.summarize(ValueError("x" * 5000))
    assert len(long) == checkpoint.SUMMARY_CHARS + 3 and long.endswith("...")
