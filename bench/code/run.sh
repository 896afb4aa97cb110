#!/usr/bin/env bash
# The code-sandbox benchmark: rlvr's sandbox vs a native python3 subprocess, one table.
# Usage: bench/code/run.sh [runs=200] [sequential_rss_runs=10000]
# Builds with the release profile (the numbers in NOTES.md came from this script).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --quiet --release -p rlvr-sandbox --example bench -- "${1:-200}" "${2:-10000}"
