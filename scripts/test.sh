#!/usr/bin/env bash
# The project's test command (the README's second command; .ci/run calls it).
# Installs what the tests need, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rlvr/target}"
cargo test --workspace --all-targets
