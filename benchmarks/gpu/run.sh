#!/usr/bin/env bash
# The one prepared command for a lent GPU machine: installs what is missing, checks that jax sees the GPU,
# runs the GPU suite (<= 8 min) and leaves RESULTS_GPU.md / RESULTS_GPU.json and the log in $OUT.
#
# Here, first: `bash benchmarks/gpu/fetch_wheels.sh` (wheels into the git-ignored benchmarks/gpu/wheels/).
# Then the device tool's `run`, from the repository root, with
#     command: bash benchmarks/gpu/run.sh          carry: ["benchmarks/gpu/wheels"]          timeout_s: 600
# and copy the returned RESULTS_GPU.md / .json into benchmarks/.
#
# The machine has jax (CUDA), flax, optax, numpy, absl-py and PyTorch but no ml_collections; the wheels
# install into a scratch folder on PYTHONPATH (--no-deps --no-index: nothing is fetched). SUITE_ARGS adds
# options (e.g. SUITE_ARGS="--no_torch"); SUITE_TIMEOUT_S (default 540) kills a suite that overruns its own
# 8-minute limit, and what finished is still copied.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/runs/gpu_out}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
WHEELS=benchmarks/gpu/wheels
SITE="${TMPDIR:-/tmp}/jaxgan_site"

fail() { echo "error: $*" | tee -a "$OUT/log.txt" >&2; exit 2; }

wheels=()
"$PY" -c "import ml_collections" 2>/dev/null || wheels+=("$WHEELS"/ml_collections-*.whl)
"$PY" -c "import absl" 2>/dev/null || wheels+=("$WHEELS"/absl_py-*.whl)
wheels+=("$WHEELS"/jaxgan-*.whl)
for w in "${wheels[@]}"; do
    [ -f "$w" ] || fail "missing wheel $w: run benchmarks/gpu/fetch_wheels.sh here and carry benchmarks/gpu/wheels"
done
"$PY" -m pip install --quiet --root-user-action=ignore --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" "${wheels[@]}" \
    || fail "pip could not install ${wheels[*]}"
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"

# The repository's own jaxgan (python -m from its root) is imported first; the wheel proves it installs.
"$PY" -c "import ml_collections, jaxgan.core, benchmarks.run" || fail "jaxgan does not import here"
"$PY" - <<'PY' 2>&1 | tee "$OUT/log.txt" || fail "jax sees no GPU (see $OUT/log.txt)"
import jax
devices = jax.devices()
print("jax", jax.__version__, "devices:", devices)
if jax.default_backend() != "gpu":
    raise SystemExit(f"jax's default backend is {jax.default_backend()!r}, not gpu")
PY
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$OUT/log.txt"

copy_results() {
    cp benchmarks/RESULTS_GPU.md benchmarks/RESULTS_GPU.json "$OUT"/ 2>/dev/null
    cp runs/benchmarks.log "$OUT"/benchmarks_log.txt 2>/dev/null
    return 0
}
trap copy_results EXIT
# shellcheck disable=SC2086
PYTHONUNBUFFERED=1 timeout "${SUITE_TIMEOUT_S:-540}" "$PY" -m benchmarks.run --suite=gpu ${SUITE_ARGS:-} 2>&1 \
    | tee -a "$OUT/log.txt"
status=${PIPESTATUS[0]}
[ "$status" = 124 ] && echo "the suite ran past ${SUITE_TIMEOUT_S:-540} s and was stopped; finished runs are kept" \
    | tee -a "$OUT/log.txt"
exit "$status"
