#!/usr/bin/env bash
# In-process scoring from Python vs `rlvr grade` vs math-verify on bench/math's mix, one core.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rlvr/target}"
OUT="$ROOT/bench/math/out"
mkdir -p "$OUT"
[ -f "$OUT/mix.jsonl" ] || python3 "$ROOT/bench/math/make_mix.py" 2000 "$OUT/mix.jsonl"
MV="$ROOT/bench/math/.venv"
if [ ! -x "$MV/bin/python" ] || ! "$MV/bin/python" -c "import math_verify" 2>/dev/null; then
    python3 -m venv "$MV" && "$MV/bin/pip" install --quiet "math-verify==0.9.0"
fi
(cd "$ROOT" && cargo build --quiet --release --bin rlvr)
VENV=${RLVR_PY_VENV:-$HOME/.cache/rlvr/py-venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$ROOT/python"
cd /tmp && taskset -c 0 "$VENV/bin/python" "$ROOT/bench/python/bench.py" "$OUT/mix.jsonl" \
    "$CARGO_TARGET_DIR/release/rlvr" "$MV/bin/python"
