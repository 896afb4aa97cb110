#!/usr/bin/env bash
# Runs the CUDA kernels on the CPU emulator (emu.h: one std::thread per CUDA thread, a barrier
# for __syncthreads) and checks attention forward/backward and the lm-head rows against the
# formula in double and its central differences. No GPU or CUDA needed, only g++ >= 11.
# This checks the kernels' index math and reductions; not NVRTC, cuBLAS or the Rust launches.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cat "$here/../kernels.cu" "$here/../attention_lmhead.cu" > "$tmp/all.cu"
cp "$here/emu.h" "$here/check.cpp" "$tmp/"
g++ -std=c++20 -O1 -pthread -o "$tmp/check" "$tmp/check.cpp"
"$tmp/check"
