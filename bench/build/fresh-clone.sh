#!/usr/bin/env bash
# A newcomer's first minutes: a fresh clone of this repository to `rlvr serve` answering a
# reward request, with an empty cargo home (every crate downloaded) and an empty target
# directory, as README's first command does it. Prints each phase's wall time; the cargo
# timing report (which crate took how long) is kept.
#   bench/build/fresh-clone.sh [WORKDIR]      (default: a new temporary directory)
#   REV=<commit> bench/build/fresh-clone.sh   (another commit than HEAD, for a before/after)
# Run it on a quiet machine: it measures the build, and others' load lengthens it.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${1:-$(mktemp -d)}"
mkdir -p "$WORK"
export CARGO_HOME="$WORK/cargo-home" CARGO_TARGET_DIR="$WORK/target"
now() { date +%s.%N; }
span() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):8.1f} s')" "$1" "$2"; }
LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
T0=$(now)
git clone -q "$REPO" "$WORK/rlvr"
cd "$WORK/rlvr"
git checkout -q "${REV:-HEAD}"
T1=$(now)
cargo fetch -q
T2=$(now)
cargo build --release -q --timings --bin rlvr
T3=$(now)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$CARGO_TARGET_DIR/release/rlvr" serve --addr "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
BODY='{"items": [{"domain": "math", "response": "The answer is \\boxed{\\frac{1}{2}}", "ground_truth": "0.5"}]}'
until OUT=$(curl -sf -X POST -H 'content-type: application/json' -d "$BODY" "http://127.0.0.1:$PORT/v1/rewards"); do
  kill -0 $PID 2>/dev/null || { cat "$WORK/serve.log"; exit 1; }
  sleep 0.2
done
T4=$(now)
echo "$OUT" | grep -q '"reward":1' || { echo "unexpected answer: $OUT"; exit 1; }
echo "commit $(git rev-parse --short HEAD), $(nproc) cores, load at start: $LOAD"
echo "clone                 $(span "$T0" "$T1")"
echo "cargo fetch           $(span "$T1" "$T2")   ($(ls "$CARGO_HOME/registry/cache"/*/ | wc -l) crates)"
echo "cargo build --release $(span "$T2" "$T3")"
echo "serve answering       $(span "$T3" "$T4")"
echo "total                 $(span "$T0" "$T4")"
echo "timings: $(ls "$CARGO_TARGET_DIR"/cargo-timings/cargo-timing-*.html | head -1)"
