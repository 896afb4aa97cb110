#!/usr/bin/env bash
# IFBench / IFEvalG scoring throughput: the reference checkers (IFBench's and open-instruct's
# Python files, in the venv fixtures/ifeval/ifbench_venv.sh builds) and rlvr (ifeval::verify,
# release build) on the same fixture rows, each pinned to one core, in one run (rates from
# passes timed as a whole, latencies from passes with a timer around each row).
# Each side runs REPS times (default 3), alternating, and its fastest run is reported. rlvr
# runs twice per rep: with the verdict's `detail` (per-instruction results, what `rlvr grade
# --detail` and `/v1/rewards` with `"detail": true` return) and without it (the reward path of
# `/v1/rewards` by default and of `rlvr train`), and a third time with the detail also written
# out as JSON (what `rlvr grade --detail` and the server then do with it).
#   bench/ifeval/run_ifbench.sh IFBENCH_CHECKOUT OPEN_INSTRUCT_CHECKOUT [SECONDS_EACH]
set -euo pipefail
IFB="$(cd "$1" && pwd)"; OI="$(cd "$2" && pwd)"
cd "$(dirname "$0")/../.."
SECS="${3:-5}"
REPS="${REPS:-3}"
# The run with the highest rate of each side (best of REPS): on a shared machine the load of
# others only ever slows a run down.
best() { python3 -c 'import json, sys; print(json.dumps(max((json.loads(l) for l in sys.stdin if l.strip()), key=lambda r: r["rows_per_s"])))'; }
PIN=""
command -v taskset >/dev/null && PIN="taskset -c 0"
{ read -r PY; read -r NLTK; } < <(fixtures/ifeval/ifbench_venv.sh)
cargo build -q --release -p rlvr-verifiers --example ifeval_bench
BIN="${CARGO_TARGET_DIR:-target}/release/examples/ifeval_bench"
for ROWS in fixtures/ifeval/ifbench.jsonl fixtures/ifeval/ifevalg.jsonl; do
  TMP=$(mktemp); grep -v '"words:start_verb"' "$ROWS" > "$TMP"
  REFS=""; OURSS=""; BARES=""; JSONS=""
  for _ in $(seq "$REPS"); do  # alternated, so both sides see the same spells of load
    REFS+=$(NLTK_DATA="$NLTK" $PIN "$PY" bench/ifeval/reference_ifbench_bench.py "$ROWS" "$SECS" "$IFB" "$OI")$'\n'
    OURSS+=$($PIN "$BIN" "$TMP" "$SECS")$'\n'
    BARES+=$(IFEVAL_BENCH_OMIT_DETAIL=1 $PIN "$BIN" "$TMP" "$SECS")$'\n'
    JSONS+=$(IFEVAL_BENCH_JSON=1 $PIN "$BIN" "$TMP" "$SECS")$'\n'
  done
  REF=$(printf '%s' "$REFS" | best); OURS=$(printf '%s' "$OURSS" | best)
  BARE=$(printf '%s' "$BARES" | best); JSON=$(printf '%s' "$JSONS" | best)
  rm -f "$TMP"
  python3 - "$ROWS" "$REF" "$OURS" "$BARE" "$JSON" <<'PY'
import json, sys
name, ref, ours, bare, enc = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), json.loads(sys.argv[5])
print(f"{name}")
print(f"{'':24}{'rows/s':>12}{'p50 us':>10}{'p99 us':>10}")
print(f"{'reference (Python)':24}{ref['rows_per_s']:>12.1f}{ref['p50_us']:>10.1f}{ref['p99_us']:>10.1f}")
print(f"{'rlvr, with detail':24}{ours['rows_per_s']:>12.1f}{ours['p50_us']:>10.1f}{ours['p99_us']:>10.1f}")
print(f"{'rlvr, reward only':24}{bare['rows_per_s']:>12.1f}{bare['p50_us']:>10.1f}{bare['p99_us']:>10.1f}")
print(f"{'rlvr, detail as JSON':24}{enc['rows_per_s']:>12.1f}{enc['p50_us']:>10.1f}{enc['p99_us']:>10.1f}")
print(f"ratio: {ours['rows_per_s'] / ref['rows_per_s']:.1f}x with detail, {bare['rows_per_s'] / ref['rows_per_s']:.1f}x reward only, "
      f"{enc['rows_per_s'] / ref['rows_per_s']:.1f}x with the detail written as JSON, "
      f"on {ours['rows']} rows (strict + loose per instruction, one core each)")
print(f"(rates from passes timed as a whole; with a clock read around every row, as the p50/p99 are measured: "
      f"reference {ref['timed_rows_per_s']:.1f}, rlvr {ours['timed_rows_per_s']:.1f} rows/s, "
      f"{ours['timed_rows_per_s'] / ref['timed_rows_per_s']:.1f}x)")
PY
done
