"""Every convolution implementation against XLA's own convolutions: forward and gradients, and a short run."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import configs
from jaxgan import core
from jaxgan.parts.models.conv import CONV_IMPLS, conv_layer
from jaxgan.parts.models.conv_transpose import CONV_TRANSPOSE_IMPLS, conv_transpose

INIT = jax.nn.initializers.lecun_normal()  # unused: the tests pass their own params
DN = ("NHWC", "HWIO", "NHWC")
# (kernel, stride, batch, height, width, in, out): the configs' layers (dcgan 4/2, dcgan_small 5/2, conv
# critic 3/2, ResNet 3/1 and 1/1), at odd sizes and odd channel counts.
CONV_SHAPES = [(4, 2, 2, 28, 28, 1, 5), (4, 2, 3, 7, 7, 3, 4), (5, 2, 2, 9, 6, 3, 2), (3, 2, 2, 7, 5, 5, 3),
               (3, 1, 2, 7, 6, 3, 5), (1, 1, 2, 5, 4, 3, 2), (3, 3, 1, 8, 7, 2, 3)]
TRANSPOSE_SHAPES = [(4, 2, 2, 7, 7, 5, 3), (4, 2, 2, 3, 5, 3, 1), (5, 2, 3, 4, 3, 3, 2), (3, 2, 2, 5, 6, 1, 3),
                    (4, 1, 2, 5, 5, 2, 3), (3, 3, 1, 4, 3, 3, 2)]


def reference_conv(x, kernel, bias, stride):
    return jax.lax.conv_general_dilated(x, kernel, (stride, stride), "SAME", dimension_numbers=DN) + bias


def reference_conv_transpose(x, kernel, bias, stride):
    return jax.lax.conv_transpose(x, kernel, (stride, stride), "SAME", dimension_numbers=DN) + bias


def check_layer(layer, reference, k, s, b, h, w, cin, cout):
    """The layer's output and its gradients (w.r.t. input, kernel, bias, under a random cotangent) equal the
    reference's within float32 rounding."""
    rng = np.random.default_rng(k * 100 + s * 10 + cin)
    normal = lambda *shape: rng.standard_normal(shape, dtype=np.float32)
    x, kernel, bias = normal(b, h, w, cin), normal(k, k, cin, cout) / np.float32(k * k * cin) ** 0.5, normal(cout)
    apply = lambda x, kernel, bias: layer.apply({"params": {"kernel": kernel, "bias": bias}}, x)
    ref = functools.partial(reference, stride=s)
    cotangent = normal(*jax.eval_shape(ref, x, kernel, bias).shape)

    @jax.jit  # both sides in one compiled program, as in training (op by op, the test would compile each op)
    def outputs_and_gradients(x, kernel, bias):
        loss = lambda f: lambda *args: jnp.sum(f(*args) * cotangent)
        return [(f(x, kernel, bias), jax.grad(loss(f), argnums=(0, 1, 2))(x, kernel, bias)) for f in (apply, ref)]

    (out, grads), (expected, expected_grads) = outputs_and_gradients(x, kernel, bias)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, atol=2e-6, rtol=1e-5)
    for name, got, want in zip(("input", "kernel", "bias"), grads, expected_grads):
        np.testing.assert_allclose(got, want, atol=2e-5, rtol=1e-5, err_msg=f"gradient w.r.t. {name}")


@pytest.mark.parametrize("impl", CONV_IMPLS)
@pytest.mark.parametrize("shape", CONV_SHAPES, ids=lambda s: "k{}s{}_{}x{}x{}x{}to{}".format(*s))
def test_conv_equals_lax_forward_and_gradients(impl, shape):
    k, s, *_, cout = shape
    check_layer(conv_layer(impl, cout, k, s, INIT, None), reference_conv, *shape)


@pytest.mark.parametrize("impl", CONV_TRANSPOSE_IMPLS)
@pytest.mark.parametrize("shape", TRANSPOSE_SHAPES, ids=lambda s: "k{}s{}_{}x{}x{}x{}to{}".format(*s))
def test_conv_transpose_equals_lax_forward_and_gradients(impl, shape):
    k, s, *_, cout = shape
    check_layer(conv_transpose(impl, cout, k, s, INIT, None), reference_conv_transpose, *shape)


def test_unknown_impl_is_a_one_line_error():
    with pytest.raises(ValueError, match="conv_impl must be one of patches, s2d, rows, lax, got 'subpixel'"):
        conv_layer("subpixel", 4, 3, 2, None, None)
    with pytest.raises(ValueError, match="conv_impl must be one of patches, subpixel, subpixel_rows, lax"):
        conv_transpose("s2d", 4, 3, 2, None, None)


# Slow (a minute on 2 cores): the implementations are shown equal to lax, forward and gradients, above; this
# shows the same of a whole train step.
@pytest.mark.parametrize("g_impl,d_impl", [pytest.param("subpixel", "s2d", marks=pytest.mark.slow),
                                            pytest.param("subpixel_rows", "rows", marks=pytest.mark.slow)])
def test_dcgan_trains_to_the_same_losses_with_each_conv_impl(g_impl, d_impl):
    """Three train steps of a small `dcgan` from one seed: same losses as the default implementations."""
    images = jax.random.uniform(jax.random.PRNGKey(0), (64, 28, 28, 1), minval=-1.0, maxval=1.0)
    labels = jnp.zeros((64,), jnp.int32)

    def losses(g, d):
        config = configs.get_config("dcgan")
        config.batch_size = 8
        config.generator.channels, config.discriminator.channels = (16, 8), (8, 16, 8)
        config.generator.conv_impl, config.discriminator.conv_impl = g, d
        gan = core.build_gan(config, (28, 28, 1), 10, 64)
        _, metrics = gan.jit_train_chunk(gan.init(jax.random.PRNGKey(config.seed)), images, labels, 3)
        return {name: np.asarray(value) for name, value in metrics.items()}

    default, other = losses("patches", "patches"), losses(g_impl, d_impl)
    assert set(default) == set(other) and "d/loss" in default
    for name in default:
        np.testing.assert_allclose(other[name], default[name], rtol=1e-4, atol=1e-5, err_msg=name)
