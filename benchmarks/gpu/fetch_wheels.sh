#!/usr/bin/env bash
# Downloads, here on the CPU machine, the wheels that benchmarks/gpu/run.sh installs on a lent GPU machine
# (which reaches no package index): ml_collections and absl-py (pure Python, the versions installed here,
# so the ones the tests ran with), and a wheel of this package built from the working tree.
#
#     bash benchmarks/gpu/fetch_wheels.sh      # -> benchmarks/gpu/wheels/ (git-ignored; < 1 MiB)
#
# The device tool carries ignored folders only when a call names them: run.sh's header says how.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEST=benchmarks/gpu/wheels
PY="${PYTHON:-python}"
rm -rf "$DEST"
mkdir -p "$DEST"

version() { "$PY" -c "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))" "$1"; }
# The GPU machine runs CPython 3.12 on x86-64 (pure-Python wheels fit any platform; the flags keep pip from
# choosing by this machine's Python).
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_17_x86_64 -d "$DEST" \
    "ml_collections==$(version ml_collections)" "absl-py==$(version absl-py)"

# This package, from the working tree, without its dependencies (the GPU machine has the JAX stack).
build_dir="$(mktemp -d)"
trap 'rm -rf "$build_dir"' EXIT
git ls-files -z --cached --others --exclude-standard pyproject.toml README.md 'jaxgan/**' \
    | xargs -0 -I{} cp --parents {} "$build_dir"
"$PY" -m pip wheel --quiet --no-deps --no-build-isolation -w "$DEST" "$build_dir"

ls -l "$DEST"
du -sh "$DEST"
