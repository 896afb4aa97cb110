#!/usr/bin/env bash
# Side-by-side benchmark of rlvr's logic verifiers against Reasoning Gym 0.1.25 on Reasoning
# Gym's own instances, for all 27 families, in one run:
#   1. generate N instances per family with reasoning-gym (and time its generators);
#   2. rlvr (release build): verify each gold answer, time each verification, time generation;
#   3. time reasoning-gym's score_answer on the same answers and print one table.
# Usage: bench/logic/run.sh            (N=200 instances per family)
#        N=500 GEN_SECS=1 bench/logic/run.sh
# Env: RG_VENV=path reuses an existing venv that has reasoning-gym==0.1.25 installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
N="${N:-200}"
SEED="${SEED:-1}"
GEN_SECS="${GEN_SECS:-0.5}"
venv="${RG_VENV:-$here/.venv}"
out="$here/out"
mkdir -p "$out"

if ! "$venv/bin/python" -c "import reasoning_gym" 2>/dev/null; then
  echo "installing reasoning-gym==0.1.25 into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "reasoning-gym==0.1.25"
fi

echo "[1/3] reasoning-gym: generating $N instances per family (seed $SEED)" >&2
"$venv/bin/python" "$here/bench.py" generate --n "$N" --seed "$SEED" --out "$out/instances.jsonl" --gen-times "$out/rg_gen.json"

echo "[2/3] rlvr: verifying and timing (release build)" >&2
(cd "$root" && cargo run --release -q -p rlvr-verifiers --example logic_bench -- \
  "$out/instances.jsonl" "$out/answers.jsonl" "$GEN_SECS") > "$out/rlvr.jsonl"

echo "[3/3] reasoning-gym: timing score_answer on the same answers" >&2
"$venv/bin/python" "$here/bench.py" report --instances "$out/instances.jsonl" \
  --answers "$out/answers.jsonl" --rlvr "$out/rlvr.jsonl" --gen-times "$out/rg_gen.json" | tee "$out/table.md"
