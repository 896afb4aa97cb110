#!/usr/bin/env bash
# The project's test command (the README's second command; .ci/run calls it).
# Installs what the tests need, checks what we promise (formatting, clippy with warnings as
# errors, every path README.md and docs/ name exists), then runs every test of the workspace
# the upstream-client check and the Python package's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rlvr/target}"
echo "== cargo fmt --all --check"
cargo fmt --all --check
echo "== README and docs name only paths that exist"
python3 scripts/check_doc_paths.py
echo "== cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
# The real pretrained model train/tests/model_smollm2.rs reads (cached; without network that
# test says SKIPPED).
echo "== scripts/fetch-smollm2.sh"
if RLVR_SMOLLM2_GGUF="$(scripts/fetch-smollm2.sh)"; then
    export RLVR_SMOLLM2_GGUF
else
    echo "SmolLM2 could not be fetched: train/tests/model_smollm2.rs will say SKIPPED"
fi
# The CUDA kernels on a CPU emulator against their formulas, and one mutation per kernel that
# must make a check fail (docs/cuda.md). Needs only g++.
if command -v g++ >/dev/null 2>&1; then
    echo "== train/src/backend/cuda/emu/run.sh --mutations"
    train/src/backend/cuda/emu/run.sh --mutations
else
    echo "== g++ not found: the CUDA emulator checks are skipped"
fi
echo "== cargo test --workspace --all-targets"
cargo test --workspace --all-targets
# The real upstream clients (verl, OpenRLHF, TRL, sandbox-fusion, pinned) against the debug
# `rlvr serve` the line above built; docs/integrations.md.
echo "== tests/clients/run.sh"
tests/clients/run.sh
# The in-process Python package (python/, PyO3 + maturin): built into a venv and tested.
echo "== python/run-tests.sh"
python/run-tests.sh
