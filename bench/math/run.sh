#!/usr/bin/env bash
# Side-by-side math benchmark: rlvr vs math-verify 0.9.0 on the same 2,000-item mix.
#
#   bench/math/run.sh [N_ITEMS]        (default 2000)
#
# Builds the mix (make_mix.py, seed 2026: mostly integers, then fractions, radicals,
# polynomials, tuples/sets, decimals, letters/text, equations; 1-3 KB chains of thought ending
# in a box; half correct), installs math-verify 0.9.0 into bench/math/.venv (git-ignored) with
# pip, then runs both engines pinned to one core, rlvr again on two cores for scaling, and the
# adversarial inputs. Rates are given per wall-clock second and per on-CPU second (the latter
# is what a busy shared machine does not distort).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
N="${1:-2000}"
OUT="$HERE/out"
mkdir -p "$OUT"

python3 "$HERE/make_mix.py" "$N" "$OUT/mix.jsonl"

if [ ! -x "$HERE/.venv/bin/python" ] || ! "$HERE/.venv/bin/python" -c "import math_verify" 2>/dev/null; then
    python3 -m venv "$HERE/.venv"
    "$HERE/.venv/bin/pip" install --quiet "math-verify==0.9.0"
fi

(cd "$ROOT" && cargo build --quiet --release -p rlvr-verifiers --example math_bench)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/math_bench"

echo "running math-verify on $N items (one core; this takes a few minutes)..." >&2
taskset -c 0 "$HERE/.venv/bin/python" "$HERE/mv_bench.py" "$OUT/mix.jsonl" > "$OUT/mv.json"
echo "running rlvr..." >&2
taskset -c 0 "$BIN" --input "$OUT/mix.jsonl" --threads 1 --rounds 20 > "$OUT/rlvr1.json"
taskset -c 0,1 "$BIN" --input "$OUT/mix.jsonl" --threads 1 --rounds 20 > "$OUT/rlvr1b.json"
taskset -c 0,1 "$BIN" --input "$OUT/mix.jsonl" --threads 2 --rounds 20 > "$OUT/rlvr2.json"
"$BIN" --adversarial > "$OUT/adversarial.jsonl"

python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
mv = json.load(open(f"{out}/mv.json"))
r1 = json.load(open(f"{out}/rlvr1.json"))
r1b = json.load(open(f"{out}/rlvr1b.json"))
r2 = json.load(open(f"{out}/rlvr2.json"))
rows = [("math-verify 0.9.0, 1 core", mv), ("rlvr, 1 core", r1), ("rlvr, 2 threads on 2 cores", r2)]
print(f"{'engine':30} {'cmp/s wall':>12} {'cmp/s cpu':>12} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9} {'agree':>7} {'FP':>4} {'FN':>4}")
for name, r in rows:
    print(f"{name:30} {r['comparisons_per_s']:12.0f} {r['comparisons_per_cpu_s'] or 0:12.0f} {r['p50_ms']:9.4f} {r['p99_ms']:9.4f} {r['max_ms']:9.2f} {r['agree_with_labels']:7.2%} {r['false_positives']:4d} {r['false_negatives']:4d}")
print(f"\nspeedup rlvr/math-verify, 1 core: {r1['comparisons_per_s'] / mv['comparisons_per_s']:.0f}x wall, "
      f"{r1['comparisons_per_cpu_s'] / mv['comparisons_per_cpu_s']:.0f}x cpu")
print(f"2-core scaling (2 threads vs 1 thread, both allowed 2 cores): {r2['comparisons_per_s'] / r1b['comparisons_per_s']:.2f}x wall, "
      f"per-core cpu rate {r2['comparisons_per_cpu_s']:.0f} vs {r1b['comparisons_per_cpu_s']:.0f}")
print("\nadversarial inputs (release build, min / max of 5 calls):")
for line in open(f"{out}/adversarial.jsonl"):
    a = json.loads(line)
    print(f"  {a['input']:22} {a['verdict']:10} {a['reason']:20} {a['us'] / 1000:8.2f} ms  (max {a['max_us'] / 1000:.2f} ms)")
PY
