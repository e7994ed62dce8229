"""config.compute_dtype: G and D compute in bfloat16 while params, optimiser state and losses stay float32."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import configs
from jaxgan.core import GAN, build_gan
def _gan(dtype: str) -> GAN:
    c = configs.get_config("vanilla")
    c.batch_size, c.generator.hidden, c.discriminator.hidden = 8, (32, 32), (32, 32)
    c.compute_dtype = dtype
    return build_gan(c, (28, 28, 1), 10, 64)


def _dot_dtypes(fn, *args) -> set[str]:
    """The input dtypes of every dot in `fn`'s jaxpr (nested jaxprs included)."""
    found = set()

    def walk(jaxpr):
        for eqn in jaxpr.eqns:
            if eqn.primitive.name == "dot_general":
                found.update(str(v.aval.dtype) for v in eqn.invars)
            for value in eqn.params.values():
                for sub in value if isinstance(value, (tuple, list)) else (value,):
                    if hasattr(sub, "eqns") or hasattr(sub, "jaxpr"):
                        walk(getattr(sub, "jaxpr", sub))
    walk(jax.make_jaxpr(fn)(*args).jaxpr)
    return found


def test_bfloat16_computes_in_bfloat16_and_keeps_float32_state():
    images = jnp.asarray(np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1), np.uint8))
    labels = jnp.zeros((64,), jnp.int32)
    f32, bf16 = _gan("float32"), _gan("bfloat16")
    state = f32.init(jax.random.PRNGKey(0))
    assert _dot_dtypes(bf16.train_step, state, images, labels) == {"bfloat16"}
    new_state, metrics = jax.eval_shape(bf16.train_step, state, images, labels)
    assert {x.dtype for x in jax.tree_util.tree_leaves(new_state)} <= {jnp.dtype("float32"), jnp.dtype("int32"),
                                                                       jnp.dtype("uint32")}
    assert {m.dtype for m in metrics.values()} == {jnp.dtype("float32")}
    # The same networks on the same input agree to bfloat16 precision (8 bits of mantissa), not exactly.
    x = jax.random.uniform(jax.random.PRNGKey(1), (8, 28, 28, 1), minval=-1.0)
    key, d_params, d_state = jax.random.PRNGKey(2), state.params["discriminator"], state.model_state["discriminator"]
    (l32, _), _ = f32.critic(d_params, d_state, x, labels[:8], key, train=False)
    (l16, _), _ = bf16.critic(d_params, d_state, x, labels[:8], key, train=False)
    assert l16.dtype == jnp.float32
    np.testing.assert_allclose(l16, l32, rtol=0.05, atol=0.02)
    assert not np.array_equal(l16, l32)


def test_unknown_compute_dtype_is_refused():
    with pytest.raises(ValueError, match="compute_dtype must be one of"):
        _gan("int8")
