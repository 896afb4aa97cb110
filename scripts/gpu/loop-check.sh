#!/usr/bin/env bash
# The GRPO loop on a GPU with the real `rlvr` binary (issue 24, point 5; docs/cuda.md):
#   (a) parity: one GRPO step of the demo's tiny model on the CPU and on CUDA (f32 products)
#       from the same seed: step metrics, sampled responses, updated weights compared;
#   (b) three GRPO steps with Qwen2-0.5B's body and random weights (bf16 products), rewards
#       from the engine: step time, generation and update tokens/s, MFU, peak GPU memory;
#   (c) the same with Qwen2-1.5B's body, if LOOP_1_5B=1 (default) and time allows.
#   RLVR_BIN=path/to/rlvr scripts/gpu/loop-check.sh [OUT_DIR]
# No Rust needed: the release binary built elsewhere is enough. Exit 1 if (a) fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${RLVR_BIN:-$here/../../target/release/rlvr}"
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
[[ -x "$bin" ]] || { echo "loop-check: no rlvr binary at $bin (set RLVR_BIN)" >&2; exit 2; }

# Peak GPU memory of a command: nvidia-smi polled every 0.2 s beside it (MiB).
peak_run() {
    local log="$1"; shift
    local poll="$log.mem"
    ( while true; do nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits 2>/dev/null | head -1; sleep 0.2; done ) > "$poll" &
    local pid=$!
    local rc=0
    "$@" > "$log" 2>&1 || rc=$?
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    sort -n "$poll" | tail -1 > "$log.peak" || true
    return $rc
}

echo "== (a) one GRPO step, CPU vs CUDA (f32 products), tiny demo model"
"$bin" train -q --config "$here/tiny-step.toml" --device cpu --out "$out/tiny-cpu" > "$out/tiny-cpu.log" 2>&1
"$bin" train -q --config "$here/tiny-step.toml" --device cuda --precision f32 --out "$out/tiny-cuda" > "$out/tiny-cuda.log" 2>&1 || {
    tail -20 "$out/tiny-cuda.log"; exit 1; }
python3 "$here/loop_report.py" parity "$out/tiny-cpu" "$out/tiny-cuda"

for shape in 0.5b 1.5b; do
    [[ "$shape" == 1.5b && "${LOOP_1_5B:-1}" != 1 ]] && continue
    echo "== ($([[ $shape == 0.5b ]] && echo b || echo c)) three GRPO steps, Qwen2-$shape body, bf16 products"
    if peak_run "$out/$shape.log" "$bin" train --config "$here/qwen2-$shape-shape.toml" --device cuda --out "$out/$shape"; then
        grep -E "device memory|parameters on" "$out/$shape.log" || true
        python3 "$here/loop_report.py" speed "$out/$shape" "$(cat "$out/$shape.log.peak" 2>/dev/null || echo 0)"
    else
        echo "Qwen2-$shape shape: the run failed:"; tail -20 "$out/$shape.log"
    fi
done
