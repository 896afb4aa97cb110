#!/usr/bin/env bash
# Load-test `rlvr serve` on loopback: 256-item math batches (short synthetic responses, and
# bench/math's mix of 1-3 KB chains of thought), single math items, code items, SandboxFusion
# /run_code, at 64 concurrent clients; RSS of the server at the start and end of
# each run. Usage: bench/serve/run.sh [SECONDS_PER_SCENARIO=20] [LONG_RUN_SECONDS=0]
# LONG_RUN_SECONDS > 0 adds one long math256 run (RSS flatness; the issue asks for 300).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS="${1:-20}"
LONG="${2:-0}"
CLIENTS="${CLIENTS:-64}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rlvr/target}"
cargo build --release --bin rlvr --example serve_load >&2
BIN="$CARGO_TARGET_DIR/release/rlvr"
LOAD="$CARGO_TARGET_DIR/release/examples/serve_load"
PORT="${PORT:-18123}"
MIX="$(mktemp -d)/mix.jsonl"
python3 bench/math/make_mix.py 2048 "$MIX" >&2
ADDR="127.0.0.1:$PORT"

"$BIN" serve --addr "$ADDR" ${SERVE_FLAGS:-} >/dev/null 2>/tmp/rlvr-serve-bench.log &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
UP=0
for _ in $(seq 100); do
  curl -sf "http://$ADDR/healthz" >/dev/null 2>&1 && { UP=1; break; }
  sleep 0.1
done
if [ "$UP" != 1 ]; then
  echo "rlvr serve did not come up on $ADDR (port in use?); its log:" >&2
  cat /tmp/rlvr-serve-bench.log >&2
  exit 1
fi

echo "rlvr serve on $(nproc) cores, $CLIENTS clients, ${SECS}s per scenario ($(date -u +%FT%TZ))"
echo "| scenario  | clients |     req/s |    items/s |  p50 ms  |  p99 ms  | errors | RSS0 MiB  | RSS1 MiB  |"
echo "|-----------|---------|-----------|------------|----------|----------|--------|-----------|-----------|"
for sc in ${SCENARIOS:-math256 mix256 math1 code run_code}; do
  "$LOAD" --addr "$ADDR" --scenario "$sc" --clients "$CLIENTS" --seconds "$SECS" --pid "$PID" --items "$MIX"
done
if [ "$LONG" -gt 0 ]; then
  "$LOAD" --addr "$ADDR" --scenario mix256 --clients "$CLIENTS" --seconds "$LONG" --pid "$PID" --items "$MIX"
fi
echo
echo "server-side item verdicts:"
curl -s "http://$ADDR/metrics" | grep -E '^rlvr_items_total' | awk '$2 > 0'
kill -TERM $PID
wait $PID || true
