"""Spectral norms, the Lipschitz upper bound, spectral normalisation, the conv critic (the bound's monitor is
tested in tests/parts/test_monitors.py)."""

from __future__ import annotations

import json

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan.viz import plots
from jaxgan.parts import regularizers
from jaxgan.parts.regularizers import lipschitz, penalties
from jaxgan.parts.models import DISCRIMINATORS
from jaxgan.parts.models.conv import ConvDiscriminator, PatchConv
from jaxgan.parts.models.mlp import MLPDiscriminator


def _top_singular(matrix) -> float:
    return float(np.linalg.svd(np.asarray(matrix, np.float64), compute_uv=False)[0])


def test_power_iteration_and_svd_match_numpy():
    w = jax.random.normal(jax.random.PRNGKey(0), (48, 20))
    expected = _top_singular(w)
    np.testing.assert_allclose(lipschitz.spectral_norm(w), expected, rtol=1e-5)
    np.testing.assert_allclose(lipschitz.power_iteration(w, jax.random.PRNGKey(1), num_iters=200), expected,
                               rtol=1e-4)


def test_conv_kernel_is_read_as_out_by_in_kh_kw():
    kernel = jax.random.normal(jax.random.PRNGKey(2), (3, 3, 4, 6))  # flax layout [kh, kw, in, out]
    seed_layout = np.transpose(np.asarray(kernel), (3, 2, 0, 1)).reshape(6, 4 * 3 * 3)  # seed 001's (out, in*kh*kw)
    np.testing.assert_allclose(lipschitz.spectral_norm(kernel), _top_singular(seed_layout), rtol=1e-5)


def test_bound_of_one_linear_layer_is_its_exact_lipschitz_constant():
    """x -> Wx + b has Lipschitz constant sigma_max(W) exactly (attained along the top singular vector)."""
    w = jax.random.normal(jax.random.PRNGKey(3), (10, 7))
    params = {"Dense_0": {"kernel": w, "bias": jnp.ones((7,))}}
    bound = float(regularizers.lipschitz_upper_bound(params))
    np.testing.assert_allclose(bound, _top_singular(w), rtol=1e-5)
    _, _, vt = np.linalg.svd(np.asarray(w).T)  # top right-singular vector of the map x -> W^T x
    x, y = np.zeros(10), vt[0]
    f = lambda v: np.asarray(w).T @ v + 1.0
    np.testing.assert_allclose(np.linalg.norm(f(x) - f(y)) / np.linalg.norm(x - y), bound, rtol=1e-5)


def test_bound_dominates_observed_input_gradients_of_mlp_critic():
    critic = MLPDiscriminator(hidden=(32, 16), dropout=0.0)
    x = jax.random.normal(jax.random.PRNGKey(4), (256, 4, 4, 1)) * 3
    params = jax.jit(critic.init)(jax.random.PRNGKey(5), x[:1])["params"]
    norms = jax.jit(penalties.input_gradient_norms, static_argnums=0)(
        lambda x: critic.apply({"params": params}, x)[0], x)
    bound = float(regularizers.lipschitz_upper_bound(params))
    assert float(norms.max()) <= bound
    assert float(norms.max()) > 0.05 * bound  # a bound, but not a vacuous one for this small net


def test_spectral_normalized_init_gives_unit_norm_layers():
    for module in (MLPDiscriminator(hidden=(32, 16), dropout=0.0, normalize_init=True),
                   ConvDiscriminator(channels=(4, 8, 8, 8), normalize_init=True)):
        params = jax.jit(module.init)(jax.random.PRNGKey(6), jnp.zeros((1, 28, 28, 1)))["params"]
        for layer in params.values():
            np.testing.assert_allclose(lipschitz.spectral_norm(layer["kernel"]), 1.0, rtol=1e-5)
        np.testing.assert_allclose(regularizers.lipschitz_upper_bound(params), 1.0, rtol=1e-4)


def test_flax_spectral_norm_state_converges_to_svd_and_bound_to_one():
    critic = MLPDiscriminator(hidden=(32, 16), dropout=0.0, spectral_norm=True)
    x = jax.random.normal(jax.random.PRNGKey(7), (8, 4, 4, 1))
    variables = jax.jit(critic.init)(jax.random.PRNGKey(8), x)
    params, state = variables["params"], {"batch_stats": variables["batch_stats"]}
    step = jax.jit(lambda s: critic.apply({"params": params, **s}, x, train=True, mutable=["batch_stats"])[1])
    for _ in range(100):  # one power-iteration round per training call
        state = step(state)
    sigma = state["batch_stats"]["SpectralNorm_0"]["Dense_0/kernel/sigma"]
    np.testing.assert_allclose(sigma, _top_singular(params["Dense_0"]["kernel"]), rtol=1e-3)
    np.testing.assert_allclose(regularizers.lipschitz_upper_bound(params, state), 1.0, rtol=1e-2)
    # the raw kernels are not normalised: only the applied ones are
    assert float(regularizers.lipschitz_upper_bound(params)) != pytest.approx(1.0, rel=1e-2)
    # evaluation does not touch the state
    logits, _ = critic.apply({"params": params, **state}, x, train=False)
    assert logits.shape == (8, 1)


def test_conv_critic_shapes_and_parameter_count():
    # Shapes only: eval_shape traces the network without compiling or running it.
    critic = DISCRIMINATORS.get("conv")(num_outputs=1)
    x = jnp.zeros((2, 28, 28, 1))
    variables = jax.eval_shape(critic.init, jax.random.PRNGKey(9), x)
    (logits, features), inter = jax.eval_shape(
        lambda v, x: critic.apply(v, x, capture_intermediates=True), variables, x)
    assert logits.shape == (2, 1) and features.shape == (2, 2 * 2 * 128)  # 28 -> 14 -> 7 -> 4 -> 2
    spatial = [inter["intermediates"][f"Conv_{i}"]["__call__"][0].shape[1] for i in range(4)]
    assert spatial == [14, 7, 4, 2]
    counts = {name: sum(int(np.prod(p.shape)) for p in layer.values()) for name, layer in variables["params"].items()}
    assert counts == {"Conv_0": 9 * 16 + 16, "Conv_1": 9 * 16 * 32 + 32, "Conv_2": 9 * 32 * 64 + 64,
                      "Conv_3": 9 * 64 * 128 + 128, "Dense_0": 512 + 1}
    sn = jax.eval_shape(ConvDiscriminator(spectral_norm=True).init, jax.random.PRNGKey(9), x)
    assert len(sn["batch_stats"]) == 5  # every layer, head included


@pytest.mark.parametrize("size,kernel,stride", [(28, 3, 2), (7, 3, 2), (4, 3, 2), (9, 4, 2), (10, 5, 3),
                                                (6, 3, 1)])
def test_patch_conv_equals_flax_conv(size, kernel, stride):
    x = jax.random.normal(jax.random.PRNGKey(10), (2, size, size, 3))
    ref = nn.Conv(5, (kernel, kernel), strides=(stride, stride), padding="SAME")
    variables = ref.init(jax.random.PRNGKey(11), x)
    ours = PatchConv(5, kernel, stride)
    ours_variables = ours.init(jax.random.PRNGKey(11), x)
    assert jax.tree_util.tree_structure(ours_variables) == jax.tree_util.tree_structure(variables)
    np.testing.assert_allclose(ours.apply(variables, x), ref.apply(variables, x), atol=1e-5)
    # and the same input gradients (the gradient penalty differentiates through them)
    g_ours = jax.grad(lambda x: jnp.sum(ours.apply(variables, x) ** 2))(x)
    g_ref = jax.grad(lambda x: jnp.sum(ref.apply(variables, x) ** 2))(x)
    np.testing.assert_allclose(g_ours, g_ref, atol=1e-4)


def test_plot_monitor_history(tmp_path):
    path = tmp_path / "metrics.jsonl"
    rows = [{"step": 2, "d/loss": 1.0}, {"step": 4, "monitor/d_lipschitz_bound": 3.0},
            {"step": 8, "monitor/d_lipschitz_bound": 30.0}, {"step": 9, "monitor/d_lipschitz_bound": float("inf")}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert plots.read_history(str(path), "monitor/d_lipschitz_bound") == ([4, 8, 9], [3.0, 30.0, float("inf")])
    out = tmp_path / "plots" / "lipschitz.png"
    assert plots.plot_monitor_history(str(path), "monitor/d_lipschitz_bound", str(out)) == str(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plots.plot_monitor_history(str(path), "monitor/missing", str(tmp_path / "none.png")) is None


def test_plot_monitor_histories_draws_each_logged_monitor(tmp_path):
    """What the trainer writes into `plots/` (prefix "monitor_") and the zoo beside its member JSONs."""
    path = tmp_path / "metrics.jsonl"
    rows = [{"step": 1, "d/loss": 1.0, "monitor/b": 2.0}, {"step": 2, "monitor/a": 1.0, "monitor/b": 3.0}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert plots.plot_monitor_histories(str(path), str(tmp_path), prefix="member_000_") == [
        str(tmp_path / "member_000_a.png"), str(tmp_path / "member_000_b.png")]
    assert (tmp_path / "member_000_b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    path.write_text(json.dumps({"step": 1, "d/loss": 1.0}) + "\n")
    assert plots.plot_monitor_histories(str(path), str(tmp_path / "none")) == []
