#!/usr/bin/env bash
# IFEval scoring throughput: the reference (lm-eval 0.4.13's checkers in Python, the venv that
# fixtures/ifeval/venv.sh builds) and rlvr (ifeval::verify, release build) on the same fixture
# rows, each pinned to one core, in one run. Prints both rates, the ratio and the p99 per row
# (rates from passes timed as a whole, latencies from passes with a timer around each row).
# Each side runs REPS times (default 3), alternating, and its fastest run is reported.
#   bench/ifeval/run.sh [SECONDS_EACH]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS="${1:-5}"
REPS="${REPS:-3}"
# The run with the highest rate of each side (best of REPS): on a shared machine the load of
# others only ever slows a run down.
best() { python3 -c 'import json, sys; print(json.dumps(max((json.loads(l) for l in sys.stdin if l.strip()), key=lambda r: r["rows_per_s"])))'; }
ROWS=fixtures/ifeval/ifeval.jsonl
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"
{ read -r PY; read -r NLTK; } < <(fixtures/ifeval/venv.sh)
cargo build -q --release -p rlvr-verifiers --example ifeval_bench
BIN="${CARGO_TARGET_DIR:-target}/release/examples/ifeval_bench"
REFS=""; OURSS=""
for _ in $(seq "$REPS"); do  # alternated, so both sides see the same spells of load
  REFS+=$(NLTK_DATA="$NLTK" $PIN "$PY" bench/ifeval/reference_bench.py "$ROWS" "$SECS")$'\n'
  OURSS+=$($PIN "$BIN" "$ROWS" "$SECS")$'\n'
done
REF=$(printf '%s' "$REFS" | best); OURS=$(printf '%s' "$OURSS" | best)
python3 - "$REF" "$OURS" <<'PY'
import json, sys
ref, ours = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'':24}{'rows/s':>12}{'p50 us':>10}{'p99 us':>10}")
print(f"{'reference (lm-eval)':24}{ref['rows_per_s']:>12.1f}{ref['p50_us']:>10.1f}{ref['p99_us']:>10.1f}")
print(f"{'rlvr ifeval::verify':24}{ours['rows_per_s']:>12.1f}{ours['p50_us']:>10.1f}{ours['p99_us']:>10.1f}")
print(f"ratio: {ours['rows_per_s'] / ref['rows_per_s']:.1f}x on {ours['rows']} rows (strict + loose per instruction, one core each)")
print(f"(rates from passes timed as a whole; with a clock read around every row, as the p50/p99 are measured: "
      f"reference {ref['timed_rows_per_s']:.1f}, rlvr {ours['timed_rows_per_s']:.1f} rows/s, "
      f"{ours['timed_rows_per_s'] / ref['timed_rows_per_s']:.1f}x)")
PY
