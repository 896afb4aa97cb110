#!/usr/bin/env bash
# One training step of rlvr-train (CPU backend) vs PyTorch + transformers' Qwen2 on the CPU,
# same shapes and threads, tiny and ~56M-parameter configurations; prints a table.
# Usage: bench/train/run.sh [--threads N]   (VENV=dir to reuse a venv with torch + transformers)
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-${CARGO_TARGET_DIR:-target}/torchvenv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch transformers
fi
cargo build --release -q -p rlvr-train --example train_step
"$VENV/bin/python" bench/train/compare.py --bin "${CARGO_TARGET_DIR:-target}/release/examples/train_step" "$@"
