#!/usr/bin/env bash
# The project's test command (the README's second command; .ci/run calls it).
# Installs what the tests need, then runs every test of the workspace and the upstream-client
# check.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rlvr/target}"
cargo test --workspace --all-targets
# The real upstream clients (verl, OpenRLHF, TRL, sandbox-fusion, pinned) against the debug
# `rlvr serve` the line above built; docs/integrations.md.
tests/clients/run.sh
