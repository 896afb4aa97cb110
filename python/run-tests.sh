#!/usr/bin/env bash
# Builds the in-process package (python/, maturin) into a venv and runs its tests.
#   python/run-tests.sh [pytest args]
# The venv (~/.cache/rlvr/py-venv, or $RLVR_PY_VENV) is kept between runs; the wheel is
# rebuilt every time from the shared cargo target directory with the dev profile (the
# verifiers optimized, see Cargo.toml), so a run after `cargo test` compiles only this crate.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rlvr/target}"
VENV=${RLVR_PY_VENV:-$HOME/.cache/rlvr/py-venv}
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
# pytest, and Ray with Ray Data for the recipes in examples/ray (python/tests/test_ray.py).
"$VENV/bin/python" -m pip install -q --disable-pip-version-check pytest "ray[data]==2.60.0"
MATURIN_PEP517_ARGS="--profile dev" \
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps ./python
export RLVR_BIN="${RLVR_BIN:-$CARGO_TARGET_DIR/debug/rlvr}"
# Run from outside the source tree so `import rlvr` is the installed wheel.
cd /tmp && "$VENV/bin/python" -m pytest -q "$OLDPWD/python/tests" "$@"
