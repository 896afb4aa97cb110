#!/usr/bin/env bash
# The GPU check of the trainer's CUDA backend (issue 9; docs/cuda.md): parity of every
# operation and of one model step against the CPU reference, then training / prefill / decode
# speed and peak memory at the Qwen2-0.5B and -1.5B shapes, printed as a table.
#
# Runs the release build of the `gpu_check` example of rlvr-train. On a machine with cargo it
# builds it first; on a GPU host without a toolchain, pass the prebuilt binary:
#   GPU_CHECK_BIN=path/to/gpu_check scripts/gpu-check.sh [--parity-only] [--shapes 0.5b] [--steps N]
# Needs libcuda (driver >= 580), libnvrtc.so.13 and libcublas.so.13 on the loader path.
# Budget: under 8 minutes on one H200 (the command is killed at GPU_CHECK_TIMEOUT seconds).
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${GPU_CHECK_BIN:-}"
if [[ -z "$bin" ]]; then
    target="${CARGO_TARGET_DIR:-target}"
    bin="$target/release/examples/gpu_check"
    if command -v cargo >/dev/null 2>&1; then
        cargo build --release -p rlvr-train --example gpu_check >&2
    fi
fi
if [[ ! -x "$bin" ]]; then
    echo "gpu-check: no binary at $bin (build it with" \
        "'cargo build --release -p rlvr-train --example gpu_check' or set GPU_CHECK_BIN)" >&2
    exit 2
fi

# Where the CUDA 13 libraries usually live, after whatever the caller set.
for d in /usr/local/cuda/lib64 /usr/local/cuda-13.0/lib64 /usr/lib/x86_64-linux-gnu; do
    [[ -d "$d" ]] && LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
done
export LD_LIBRARY_PATH

command -v nvidia-smi >/dev/null 2>&1 &&
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
exec timeout "${GPU_CHECK_TIMEOUT:-480}" "$bin" "$@"
