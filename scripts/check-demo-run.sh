#!/usr/bin/env bash
# Reruns the embedded demo (`rlvr train` with no settings) and checks that every metric of
# every step equals fixtures/train/demo-run/metrics.jsonl bit for bit (timings and rates
# aside): the trainer's numerics are unchanged by a refactor. About 70 s on 2 cores after a
# release build.
#   scripts/check-demo-run.sh [RLVR_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-}"
if [ -z "$BIN" ]; then
  cargo build --release -q --bin rlvr
  BIN="${CARGO_TARGET_DIR:-target}/release/rlvr"
fi
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
"$BIN" train --out "$OUT/run" > "$OUT/log" 2>&1 || { tail -20 "$OUT/log"; exit 1; }
python3 - fixtures/train/demo-run/metrics.jsonl "$OUT/run/metrics.jsonl" <<'PY'
import json, sys
TIMING = {"tokens_per_s", "time_gen_s", "time_reward_wait_s", "time_reward_cpu_s",
          "time_update_s", "time_step_s"}
def rows(path):
    with open(path) as f:
        return [{k: v for k, v in json.loads(l).items() if k not in TIMING} for l in f if l.strip()]
want, got = rows(sys.argv[1]), rows(sys.argv[2])
if len(want) != len(got):
    sys.exit(f"demo run: {len(got)} steps, the fixture has {len(want)}")
for w, g in zip(want, got):
    if w != g:
        diff = sorted(k for k in set(w) | set(g) if w.get(k) != g.get(k))
        sys.exit(f"demo run differs at step {w.get('step')}: {diff}")
print(f"demo run: {len(got)} steps, every metric identical to the fixture (timings aside)")
PY
