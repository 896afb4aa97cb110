#!/usr/bin/env bash
# The GPU check of the trainer's CUDA backend (docs/cuda.md), in two parts:
#  1. the `gpu_check` example of rlvr-train: parity of every operation and of one model step
#     against the CPU reference, then training / prefill / decode speed and peak memory at the
#     Qwen2-0.5B and -1.5B shapes, printed as a table;
#  2. scripts/gpu/loop-check.sh with the `rlvr` binary: one whole GRPO step CPU vs CUDA on the
#     demo's tiny model, then three GRPO steps at the Qwen2-0.5B and -1.5B body shapes with
#     rewards from the engine (step time, generation and update tokens/s, MFU, peak memory).
#     Skipped with --parity-only or GPU_CHECK_LOOP=0.
#
# On a machine with cargo it builds both first; on a GPU host without a toolchain, pass the
# prebuilt binaries:
#   GPU_CHECK_BIN=path/to/gpu_check RLVR_BIN=path/to/rlvr scripts/gpu-check.sh [--parity-only] [--shapes 0.5b] [--steps N]
# Needs libcuda (driver >= 580), libnvrtc.so.13 and libcublas.so.13 on the loader path.
# Budget: under 8 minutes on one H200 (part 1 is killed at GPU_CHECK_TIMEOUT seconds, 200 by
# default, part 2 at GPU_LOOP_TIMEOUT, 260; LOOP_1_5B=0 leaves out the 1.5B loop).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
bin="${GPU_CHECK_BIN:-}"
rlvr="${RLVR_BIN:-}"
if [[ -z "$bin" ]]; then
    bin="$target/release/examples/gpu_check"
    if command -v cargo >/dev/null 2>&1; then
        cargo build --release -p rlvr-train --example gpu_check >&2
    fi
fi
loop=1
[[ " $* " == *" --parity-only "* || "${GPU_CHECK_LOOP:-1}" != 1 ]] && loop=0
if [[ $loop == 1 && -z "$rlvr" ]]; then
    rlvr="$target/release/rlvr"
    if command -v cargo >/dev/null 2>&1; then
        cargo build --release --bin rlvr >&2
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
rc=0
timeout "${GPU_CHECK_TIMEOUT:-200}" "$bin" "$@" || rc=$?
[[ $rc == 2 ]] && exit 2  # CUDA unavailable: the binary said why
if [[ $loop == 1 ]]; then
    RLVR_BIN="$rlvr" timeout "${GPU_LOOP_TIMEOUT:-260}" scripts/gpu/loop-check.sh \
        "${GPU_CHECK_OUT:-$(mktemp -d)}" || rc=1
fi
exit $rc
