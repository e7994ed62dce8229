"""The benchmark suite: FLOP counts against closed forms and XLA, the JSON records of the CLIs, the report.

Timings are never asserted; only that the tools run and say what they measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from benchmarks import common, flops, machine, plans, run, stats, steps_per_sec
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
@pytest.mark.parametrize("variant", ["vanilla", pytest.param("dcgan", marks=pytest.mark.slow)])
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


# ------------------------------------------------------------------------------------- verdicts, machine
def test_verdict_needs_the_whole_range_on_one_side_of_the_goal():
    assert stats.verdict(stats.Range(1.6, 1.51, 1.7, 5), 1.5) == "met"
    assert stats.verdict(stats.Range(1.6, 1.49, 1.7, 5), 1.5) == "unclear"  # the median alone would say met
    assert stats.verdict(stats.Range(1.4, 1.3, 1.49, 5), 1.5) == "not met"
    assert stats.verdict(stats.Range(1.5, 1.5, 1.5, 1), 1.5) == "met"  # the goal itself counts as reached
    # An upper bound (a compile time <= 15 s).
    assert stats.verdict(stats.Range(14, 12, 14.9, 5), 15, at_least=False) == "met"
    assert stats.verdict(stats.Range(14, 12, 15.2, 5), 15, at_least=False) == "unclear"
    assert stats.verdict(stats.Range(16, 15.1, 17, 5), 15, at_least=False) == "not met"
    assert stats.verdict(None, 1.5) == "-"
    # A ratio's range pairs every run of one side with every run of the other: 30..33 over 18..20.
    ratio = stats.Range.of([30, 31, 33]).over(stats.Range.of([18, 20, 19]))
    assert (ratio.median, ratio.lo, ratio.hi) == pytest.approx((31 / 19, 30 / 20, 33 / 18))


class FakeProbe(machine.Probe):
    """A machine whose 1-minute load and other processes' CPU use are fixed."""

    def __init__(self, load: float = 0.0, others: float = 0.0, cores: int = 2):
        super().__init__()
        self.cores, self._load, self._others = cores, load, others

    def load(self) -> float:
        return self._load

    def others_cores(self, before, after) -> float:
        return self._others


def test_probe_counts_other_processes_cpu_not_its_own():
    """Busy-waiting in this process for 0.3 s must not count as other processes' CPU use."""
    probe = machine.Probe()
    before = probe.snapshot()
    end = time.perf_counter() + 0.3
    while time.perf_counter() < end:
        pass
    after = probe.snapshot()
    others = probe.others_cores(before, after)
    if others is None:
        pytest.skip("no /proc/stat here")
    # Our own ~1 core of busy-waiting is subtracted; what is left is the neighbours' (any number of cores).
    assert 0.0 <= others <= probe.cores
    assert machine.cpu_model() and probe.cores >= 1
    assert probe.busy(probe.threshold() + 0.01) and not probe.busy(probe.threshold())


# ---------------------------------------------------------------------------------------------- suites
def test_quick_suite_writes_results_with_load_and_cpu_fields(tmp_path):
    """A real (tiny) suite run: one jaxgan process, on a machine the probe reports idle."""
    run.main(["--suite=quick", "--repeats=1", "--sections=variants", "--batch_sizes=8", "--no_torch",
              "--data=synthetic", *(f"--set={s}" for s in TINY), f"--out_dir={tmp_path}"], probe=FakeProbe())
    data = json.loads((tmp_path / "RESULTS.json").read_text())
    (record,) = data["records"]
    assert (record["variant"], record["batch_size"], record["backend"], record["busy"]) == ("vanilla", 8, "jax", False)
    assert record["load_before"] == record["load_after"] == 0.0 and record["steps_per_sec"] > 0
    assert data["meta"]["cpu"] == machine.cpu_model() and data["meta"]["cores"] == 2
    report_md = (tmp_path / "RESULTS.md").read_text()
    assert f"{machine.cpu_model()}, 2 cores" in report_md and "The machine was idle: load 0.00" in report_md
    assert "| vanilla | 8 |" in report_md
    # The every-run table: load before and after, others' cores.
    assert "| 1 | vanilla | 8 | 1 | jax | 1 |" in report_md and "| 0.00 | 0.00 | 0.00 |" in report_md


def _fake_records(rates: dict, calls: list | None = None):
    """A stand-in for `run.measure`: records with the rates of `rates[backend]` (a list: one per call)."""
    def fake_measure(module, args, log, timeout=None):
        opts = dict(a[2:].split("=", 1) for a in args if "=" in a)
        population = int(opts.get("population", 1))
        if module == plans.JAX:
            backend = "jax" if "backend" not in opts else f"jax-{opts['backend']}"
        else:
            backend = f"torch-{opts['mode']}"
        if calls is not None:
            calls.append(backend)
        out = []
        for dtype in opts.get("compute_dtype", "float32").split(","):
            rate = rates[(backend, dtype) if (backend, dtype) in rates else backend]
            rate = rate.pop(0) if isinstance(rate, list) else rate
            device = "gpu: Test GPU" if "--min_seconds=1" in args else "cpu: test"
            out.append(dict(variant=opts["variant"], batch_size=int(opts["batch_size"]), population=population,
                            backend=backend, compute_dtype=dtype, steps_per_sec=rate, steps_per_sec_min=rate * 0.99,
                            steps_per_sec_max=rate * 1.01, model_steps_per_sec=rate * population,
                            compile_seconds=3.0, device=device, flops_per_step=1e9, roofline_fraction=0.5,
                            peak_memory_bytes=2 ** 30 * population if device.startswith("gpu") else None,
                            data="synthetic"))
        return out
    return fake_measure


def test_busy_machine_is_refused_without_allow_busy(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(run, "measure", _fake_records({"jax": 30.0}))
    with pytest.raises(SystemExit) as exit_info:
        run.main(["--suite=quick", "--no_torch", f"--out_dir={tmp_path}"], probe=FakeProbe(load=1.2))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: the machine is busy: 1-minute load average 1.20 > 1.00") and "\n" not in err
    assert not (tmp_path / "RESULTS.md").exists()
    # A machine that turns busy during a run (others use 1.5 of 2 cores): that run is dropped, the suite stops.
    with pytest.raises(SystemExit):
        run.main(["--suite=quick", "--no_torch", f"--out_dir={tmp_path}"], probe=FakeProbe(others=1.5))
    assert "became busy during `jaxgan vanilla b64`" in capsys.readouterr().err
    assert not (tmp_path / "RESULTS.md").exists()


def test_allow_busy_marks_every_row_busy(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "measure", _fake_records({"jax": 30.0, "jax-loop": 7.5, "jax-map": 9.0,
                                                       "jax-vmap": 6.0}))
    run.main(["--suite=quick", "--no_torch", "--allow-busy", "--repeats=2", f"--out_dir={tmp_path}"],
             probe=FakeProbe(load=3.0))
    records = json.loads((tmp_path / "RESULTS.json").read_text())["records"]
    assert len(records) == 2 + 3 * 2 and all(r["busy"] and r["load_before"] == 3.0 for r in records)
    report_md = (tmp_path / "RESULTS.md").read_text()
    assert "**The machine was busy** (load 3.00 at the start" in report_md
    table_rows = [line for line in report_md.splitlines() if line.startswith("| vanilla |")]
    assert table_rows and all(line.endswith("| **busy** |") for line in table_rows)


def test_suite_alternates_repeats_and_reports_ranges(tmp_path, monkeypatch):
    """Canned rates: the order of runs, medians and ranges, ratios of ranges and their verdicts."""
    calls = []
    monkeypatch.setattr(run, "measure", _fake_records({
        "jax": [30.0, 33.0, 31.0], "torch-eager": [20.0, 18.0, 19.0], "torch-compile": [25.0, 26.0, 24.0],
        "jax-loop": 7.5, "jax-map": 9.0, "jax-vmap": 6.0}, calls))
    monkeypatch.setattr(run, "_torch_available", lambda: True)
    monkeypatch.setattr(plans, "cpu_plan", lambda suite: dict(
        variants=["vanilla"], batch_sizes={64: ["vanilla"]}, populations=[4], pop_variants=["vanilla"],
        torch_compile_batches=[64], steps=10, chunks=3))
    run.main(["--suite=quick", "--repeats=3", f"--out_dir={tmp_path}"], probe=FakeProbe())
    assert calls == ["jax", "torch-eager", "torch-compile"] * 3 + ["jax-loop", "jax-map", "jax-vmap"] * 3
    report_md = (tmp_path / "RESULTS.md").read_text()
    # jaxgan 31 [30-33] over eager 19 [18-20]: 1.63 [1.50-1.83]: met, the whole range is >= 1.5.
    assert "| vanilla | 64 | 31.0 [30.0-33.0] | 19.0 [18.0-20.0] (all thr) | 25.0 [24.0-26.0] | 1.63 [1.50-1.83] |" \
        in report_md
    assert "| vanilla / PyTorch eager, batch 64 | 1.63 [1.50-1.83] | >= 1.5 | met |" in report_md
    # Over torch.compile: 1.24 [1.15-1.38]: not met, the whole range is below 1.5.
    assert "| vanilla / torch.compile, batch 64 | 1.24 [1.15-1.38] | >= 1.5 | **not met** |" in report_md
    assert "| vanilla roofline fraction, batch 64 | 0.50 | >= 0.55 | **not met** |" in report_md
    assert "compile <= 15 s, every variant (1 met; slowest vanilla at batch 64) | 3.0 | <= 15 s | met |" in report_md
    # Every population backend; P = 4 with map: 4 * 9 model-steps/s over 31 [30-33] single steps/s.
    for backend, rate in (("loop", 7.5), ("map", 9.0), ("vmap", 6.0)):
        eff = stats.Range(4 * rate / 31, 4 * rate / 33, 4 * rate / 30, 3).fmt(".2f")
        assert f"| vanilla | 4 | {backend} | {4 * rate:.1f} | {eff} |" in report_md
    assert (tmp_path / "population_scaling.png").stat().st_size > 0
    # Re-running one section replaces its records and keeps the others.
    before = json.loads((tmp_path / "RESULTS.json").read_text())["records"]
    monkeypatch.setattr(run, "measure", _fake_records({"jax-loop": 8.0, "jax-map": 9.0, "jax-vmap": 6.0}))
    run.main(["--suite=quick", "--repeats=3", "--sections=population", f"--out_dir={tmp_path}"], probe=FakeProbe())
    after = json.loads((tmp_path / "RESULTS.json").read_text())["records"]
    assert len(after) == len(before) and after[:9] == before[:9]
    assert [r["steps_per_sec"] for r in after if r["backend"] == "jax-loop"] == [8.0] * 3


# ------------------------------------------------------------------------------------------- GPU suite
def test_gpu_dry_run_prints_a_plan_within_eight_minutes():
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--suite=gpu", "--dry-run"],
                          capture_output=True, text=True, cwd=common.ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    # The targets' runs come first.
    assert "[targets] jaxgan vanilla b64 float32+bfloat16" in lines[1]
    assert "[targets] jaxgan vanilla P=256 vmap" in proc.stdout and "[targets] jaxgan dcgan b64" in proc.stdout
    estimate = float(lines[-1].split("estimated total: ")[1].split(" s")[0])
    assert 0 < estimate <= 8 * 60
    for population in plans.GPU_POPULATIONS[1:]:
        assert f"jaxgan gm_gan P={population} vmap" in proc.stdout
    for batch in plans.GPU_MLP_BATCHES:
        assert f"jaxgan vanilla b{batch}" in proc.stdout


def test_gpu_suite_report_and_time_budget(tmp_path, monkeypatch):
    """Canned GPU records: the three targets' verdicts, and runs past the budget listed as not run."""
    rates = {("jax", "float32"): 1000.0, ("jax", "bfloat16"): 1600.0, "torch-eager": 150.0, "torch-compile": 300.0,
             "jax-vmap": 100.0}
    clock = [0.0]  # every run takes 30 s of this clock
    fake = _fake_records(rates)

    def measure(module, args, log, timeout=None):
        clock[0] += 30.0
        return fake(module, args, log, timeout)

    monkeypatch.setattr(run, "measure", measure)
    monkeypatch.setattr(run, "CLOCK", lambda: clock[0])
    monkeypatch.setattr(run, "_torch_available", lambda: True)
    monkeypatch.setattr(run, "_driver", lambda: "580.0")
    run.main(["--suite=gpu", "--budget_s=150", f"--out_dir={tmp_path}"], probe=FakeProbe())
    report_md = (tmp_path / "RESULTS_GPU.md").read_text()
    assert "gpu: Test GPU (driver 580.0)" in report_md
    # 1000 [990-1010] over 150 [148.5-151.5]: 6.67 [6.53-6.80] >= 5.
    assert "| MLP GAN (vanilla) / PyTorch eager, batch 64 | 6.67 [6.53-6.80] | >= 5 | met |" in report_md
    # 256 seeds at 100 steps/s each = 25600 model-steps/s over 1000: 25.6, not 50.
    assert "| vanilla P=256 (vmap), model-steps/s over one model's | 25.60 [25.09-26.12] | >= 50 | **not met** |" \
        in report_md
    assert "| dcgan bfloat16 / float32, batch 64 | 1.60 [1.57-1.63] | >= 1.5 | met |" in report_md
    assert "| vanilla | 256 | 25600 [25344-25856] | 25.6 [25.1-26.1] | 256.00 | 3.0 |" in report_md
    assert "## Not run (time budget)" in report_md and "- jaxgan gm_gan P=1024 vmap" in report_md
    assert json.loads((tmp_path / "RESULTS_GPU.json").read_text())["meta"]["finished"] is True


def test_gpu_suite_refuses_to_run_on_cpu(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(run, "measure", lambda module, args, log, timeout=None: [
        {**_fake_records({"jax": 1.0, "torch-eager": 1.0})(module, args, log)[0], "device": "cpu: test"}])
    with pytest.raises(SystemExit):
        run.main(["--suite=gpu", f"--out_dir={tmp_path}"], probe=FakeProbe())
    assert "jax runs on the CPU here" in capsys.readouterr().err
