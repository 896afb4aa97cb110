#!/usr/bin/env bash
# SmolLM2-135M on the CPU: rlvr-train vs PyTorch + transformers on the same GGUF file (update
# and greedy generation), one run, one table. Extra arguments go to bench/train/smollm2.py
# (e.g. --threads 1). Uses the transformers 5.25 environment fixtures/train/smollm2/
# make_reference.py builds (VENV=dir to use another with torch, transformers and gguf).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-${RLVR_CACHE_DIR:-$HOME/.cache/rlvr}/smollm2-ref-venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q torch==2.15.0 transformers==5.25.0 gguf==0.19.0 numpy accelerate
fi
GGUF="$(scripts/fetch-smollm2.sh)"
cargo build --release -q -p rlvr-train --example smollm2_bench
"$VENV/bin/python" bench/train/smollm2.py --bin "${CARGO_TARGET_DIR:-target}/release/examples/smollm2_bench" --gguf "$GGUF" "$@"
