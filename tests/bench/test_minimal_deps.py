"""The engine and the benchmark suite need only jax, flax, optax, numpy and ml_collections (issue 17).

A lent GPU machine has no clu, tensorflow-datasets or ml_collections preinstalled (ml_collections travels as a
wheel), so the training step and `benchmarks` must import and train without the heavy extras. The test makes
a venv over this Python's packages (`--system-site-packages`, no pip) whose `.pth` file installs an import
hook that refuses clu, tensorflow_datasets, tensorflow, matplotlib, torch and orbax, then imports the
engine's path and trains `vanilla` a few steps on random data through `jaxgan.core` there.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BLOCKED = ("clu", "tensorflow_datasets", "tensorflow", "matplotlib", "torch", "orbax")

BLOCKER = f'''
import sys

BLOCKED = {BLOCKED!r}


class Blocker:
    """Refuses the heavy extras, as if they were not installed."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked by the minimal-dependency test)")
        return None


sys.meta_path.insert(0, Blocker())
'''

SCRIPT = textwrap.dedent('''
    import sys

    import jax
    import numpy as np

    # The suite's and the engine's modules, each imported for real.
    import benchmarks.run, benchmarks.steps_per_sec, benchmarks.torch_reference  # noqa: F401
    import jaxgan.configs, jaxgan.core, jaxgan.data.datasets, jaxgan.parts, jaxgan.population  # noqa: F401
    from jaxgan import configs
    from jaxgan.core import build_gan, make_train

    try:
        import clu  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("the blocker let clu through")

    config = configs.get_config("vanilla")
    config.batch_size = 8
    config.generator.hidden = (16, 16)
    config.discriminator.hidden = (16, 16)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 28, 28, 1), dtype=np.uint8)
    labels = rng.integers(0, 10, (64,), dtype=np.int32)
    gan = build_gan(config, images.shape[1:], 10, images.shape[0])
    train = jax.jit(make_train(gan, 3))
    state, metrics = train(jax.random.PRNGKey(0), images, labels)
    losses = np.asarray(jax.tree_util.tree_leaves(metrics)[0])
    assert int(state.step) == 3 and np.isfinite(losses).all(), (int(state.step), losses)
    blocked = sorted(m for m in sys.modules if m.split(".")[0] in {blocked!r})
    assert not blocked, blocked
    print("trained", int(state.step), "steps")
''').format(blocked=BLOCKED)


def _site_packages(env_dir: pathlib.Path) -> pathlib.Path:
    (found,) = env_dir.glob("lib/python*/site-packages")
    return found


@pytest.mark.skipif(sys.platform == "win32", reason="the venv layout and .pth hook are checked on POSIX")
def test_engine_and_suite_import_and_train_without_the_heavy_extras(tmp_path):
    """Why a venv: the blocker must act before anything imports, in a fresh interpreter (~20-40 s here)."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    site = _site_packages(env_dir)
    (site / "_minimal_deps_blocker.py").write_text(BLOCKER)
    # `.pth` lines: a path added to sys.path, and an `import` line run at start-up (before any user code).
    (site / "zz_minimal_deps.pth").write_text(f"{ROOT}\nimport _minimal_deps_blocker\n")
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["JAX_PLATFORMS"] = "cpu"
    proc = subprocess.run([str(python), "-c", SCRIPT], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "trained 3 steps" in proc.stdout
