"""The benchmark suite: FLOP counts against closed forms and XLA, the JSON records of the CLIs, the report.

Timings are never asserted; only that the tools run and say what they measured.
"""

from __future__ import annotations

import json
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from benchmarks import common, flops, run, steps_per_sec
from jaxgan.core import build_gan
TINY = ("generator.hidden=(16,16)", "discriminator.hidden=(16,16)")


# ------------------------------------------------------------------------------------------------ flops
def test_flops_of_dots_convs_loops_and_branches_match_closed_forms():
    a, w = jnp.ones((64, 256)), jnp.ones((256, 128))
    assert flops.count_flops(lambda a, w: a @ w, a, w) == 2 * 64 * 256 * 128
    # Batched dot: 8 independent [64, 256] x [256, 128] products.
    assert flops.count_flops(jnp.matmul, jnp.ones((8, 64, 256)), jnp.ones((8, 256, 128))) == 8 * 2 * 64 * 256 * 128
    # A scan's body counts once per iteration (XLA's own cost analysis counts it once in all).
    body = lambda c, _: (jnp.tanh(c @ jnp.ones((256, 256))), None)
    assert flops.count_flops(lambda a: jax.lax.scan(body, a, None, length=10)[0], a) == 10 * 2 * 64 * 256 * 256
    # A cond counts its costliest branch.
    cond = lambda a, w: jax.lax.cond(a[0, 0] > 0, lambda: (a @ w) @ w.T, lambda: a)
    assert flops.count_flops(cond, a, w) == 2 * (2 * 64 * 256 * 128)
    # A stride-2 SAME conv: every output pixel is a 3x3x1 window for each of 16 filters.
    x, k = jnp.ones((8, 28, 28, 1)), jnp.ones((3, 3, 1, 16))
    conv = lambda x, k: jax.lax.conv_general_dilated(x, k, (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    assert flops.count_flops(conv, x, k) == 2 * 8 * 14 * 14 * 16 * 9
    # Its input and kernel gradients are each as much work as the forward pass (which the gradient of a
    # sum, being linear, does not need).
    grads = jax.grad(lambda x, k: conv(x, k).sum(), argnums=(0, 1))
    assert flops.count_flops(grads, x, k) == 2 * 2 * 8 * 14 * 14 * 16 * 9
    # Work nothing reads is not counted (XLA removes it).
    assert flops.count_flops(lambda a, w: (a @ w, (a @ w @ w.T).sum())[0], a, w) == 2 * 64 * 256 * 128


def test_flops_agree_with_xla_cost_analysis_on_a_loop_free_mlp_gradient():
    x = jax.random.normal(jax.random.PRNGKey(0), (32, 784))
    params = [jnp.ones((784, 256)) / 30, jnp.ones((256, 1)) / 16]
    loss = lambda p, x: jnp.mean(jnp.tanh(x @ p[0]) @ p[1])
    grad = jax.grad(loss)
    xla = jax.jit(grad).lower(params, x).compile().cost_analysis()
    xla = xla[0] if isinstance(xla, list) else xla
    ours = flops.count_flops(grad, params, x)
    assert ours == pytest.approx(xla["flops"], rel=0.02)  # XLA adds the few elementwise FLOPs


# ----------------------------------------------------------------------------------------- steps_per_sec
def test_steps_per_sec_cli_prints_one_json_record_with_the_documented_keys():
    """A tiny population of 2 (the map backend) through the CLI: one JSON line, per-model and total rates."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.steps_per_sec", "--variant=vanilla", "--batch_size=8",
                           "--population=2", "--backend=map", "--steps=2", "--repeats=1", "--data=synthetic",
                           *(f"--set={s}" for s in TINY)],
                          capture_output=True, text=True, cwd=common.ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (line,) = proc.stdout.strip().splitlines()
    record = json.loads(line)
    assert tuple(record) == common.KEYS
    assert (record["variant"], record["batch_size"], record["population"], record["backend"]) == ("vanilla", 8, 2,
                                                                                                "jax-map")
    assert record["model_steps_per_sec"] == pytest.approx(2 * record["steps_per_sec"])
    assert record["data"].startswith("synthetic")
    # One train step of one tiny MLP GAN, counted by hand: 2 FLOPs per multiply-add, forward = 1 unit,
    # backward = 2 (input and weight gradients), except that G's first layer needs no input gradient
    # (z has no parameters before it), D's first layer none in D's update (real and fake are inputs), and
    # D's weight gradients are never formed in G's update.
    g = 100 * 16 + 16 * 16 + 16 * 784  # generator MACs per sample
    d = 784 * 16 + 16 * 16 + 16 * 1  # discriminator MACs per sample
    d_first = 784 * 16
    d_update = g + 2 * d + 2 * (2 * d - d_first)  # G forward; D forward on real and fake; D backward on both
    g_update = (3 * g - 100 * 16) + d + d  # G forward + backward; D forward; D input-gradient backward
    assert record["flops_per_step"] == 2 * 8 * (d_update + g_update)


@pytest.mark.parametrize("argv, message", [
    (["--variant=nope", "--batch_size=8"], "unknown variant"),
    (["--variant=vanilla", "--batch_size=0"], "--batch_size must be >= 1"),
    (["--variant=vanilla"], "required"),
])
def test_steps_per_sec_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        steps_per_sec.parse_args(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


# --------------------------------------------------------------------------------------- PyTorch peers
@pytest.mark.parametrize("variant", ["vanilla", "dcgan"])
def test_torch_peer_does_the_same_matmul_work_as_jaxgan(variant):
    """Two independent FLOP counters (torch's per-op formulas, ours over the jaxpr) over two implementations.

    (Not the WGAN-GP peers: PyTorch's double backward also forms gradients that XLA removes as unused.)
    """
    torch = pytest.importorskip("torch")
    from benchmarks import torch_reference

    torch.manual_seed(0)
    config = steps_per_sec.build_config(variant, 8, [])
    images = np.zeros((64, 28, 28, 1), np.uint8)
    peer_flops = torch_reference.step_flops(torch_reference.Peer(config, images, compile_=False))
    gan = build_gan(config, (28, 28, 1), 10, 64)
    ours = flops.count_flops(gan.train_step, gan.init(jax.random.PRNGKey(0)), jnp.asarray(images),
                             jnp.zeros((64,), jnp.int32))
    assert peer_flops == ours


def test_torch_reference_prints_the_same_json_record():
    pytest.importorskip("torch")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.torch_reference", "--variant=vanilla", "--batch_size=8",
                           "--steps=2", "--repeats=1", "--data=synthetic", "--threads=1"],
                          capture_output=True, text=True, cwd=common.ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    record = json.loads(proc.stdout.strip().splitlines()[-1])
    assert tuple(record) == common.KEYS and record["backend"] == "torch-eager-1thread"


# ---------------------------------------------------------------------------------------------- report
def test_suite_report_puts_runs_side_by_side(tmp_path, monkeypatch):
    """The suite with canned measurements: ratios, efficiencies and targets land in RESULTS.md."""
    def fake_measure(module, args, log):
        opts = dict(a[2:].split("=", 1) for a in args)
        population = int(opts.get("population", 1))
        if "steps_per_sec" in module:
            backend = "jax" if "backend" not in opts else "jax-single" if population == 1 else f"jax-{opts['backend']}"
        else:
            backend = f"torch-{opts['mode']}" + ("-1thread" if opts["threads"] == "1" else "")
        rate = {"jax": 30.0, "jax-single": 30.0, "jax-vmap": 6.0, "jax-map": 9.0, "jax-loop": 7.5, "torch-eager": 10.0,
                "torch-eager-1thread": 20.0}[backend]
        return dict(variant=opts["variant"], batch_size=int(opts["batch_size"]), population=population,
                    backend=backend, steps_per_sec=rate, model_steps_per_sec=rate * population,
                    compile_seconds=3.0, device="cpu: test", flops_per_step=1e9, roofline_fraction=0.5, data="synthetic")

    monkeypatch.setattr(run, "measure", fake_measure)
    monkeypatch.setattr(run, "_torch_available", lambda: True)
    run.main(["--quick", f"--out_dir={tmp_path}"])
    report = (tmp_path / "RESULTS.md").read_text()
    # vanilla: 30 steps/s vs the faster eager peer (1 thread, 20/s) = 1.50x; wgan_gp likewise.
    assert "| vanilla | 64 | 30.0 | 20.0 (1 thr) | - | 1.50 |" in report
    # Population of 4 with map: 4 * 9 model-steps/s over 30 single steps/s = 1.20.
    assert "| vanilla | 4 | map | 36.0 | 1.20 |" in report
    assert "| vanilla vs PyTorch eager, batch 64 | 1.50 | >= 1.5x | met |" in report
    assert "| vanilla roofline fraction, batch 64 | 0.50 | >= 0.55 | **not met** |" in report
    assert (tmp_path / "population_scaling.png").stat().st_size > 0
    # Re-running one measurement replaces its record and keeps the others.
    before = json.loads((tmp_path / "RESULTS.json").read_text())["records"]
    run.main(["--quick", "--sections=population", f"--out_dir={tmp_path}"])
    after = json.loads((tmp_path / "RESULTS.json").read_text())["records"]
    assert len(after) == len(before) and after[:3] == before[:3]
