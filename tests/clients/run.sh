#!/usr/bin/env bash
# The upstream-client check: installs the real verl, OpenRLHF, TRL and sandbox-fusion releases
# pinned in tests/clients/requirements.txt into a venv, starts `rlvr serve` on a free port and
# runs tests/clients (pytest) against it, calling those packages' own functions.
#
#   tests/clients/run.sh                   # the check (pytest -q; extra arguments go to pytest)
#   tests/clients/run.sh --load [ARGS]     # instead: tests/clients/load_verl.py (verl load test)
#
# Environment: RLVR_BIN (default ${CARGO_TARGET_DIR:-~/.cache/rlvr/target}/debug/rlvr, built
# with `cargo build` when missing), RLVR_CLIENTS_VENV (default ~/.cache/rlvr/clients-venv;
# rebuilt when requirements.txt or the Python changes), PYTHON (default python3; must be 3.11:
# openrlhf 0.11.2 ships only a cp311 wheel). Extra RLVR_* variables reach the server.
set -euo pipefail
cd "$(dirname "$0")/../.."

HERE=tests/clients
REQ=$HERE/requirements.txt
PY=${PYTHON:-python3}
VENV=${RLVR_CLIENTS_VENV:-$HOME/.cache/rlvr/clients-venv}
TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/rlvr/target}
BIN=${RLVR_BIN:-$TARGET/debug/rlvr}

mode=pytest
if [ "${1:-}" = "--load" ]; then
    mode=load
    shift
fi

# --- the venv, keyed by the requirements and the interpreter ---------------------------------
pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$pyver" != "3.11" ]; then
    echo "tests/clients: needs Python 3.11 (openrlhf 0.11.2 is a cp311-only wheel); $PY is $pyver." >&2
    echo "tests/clients: set PYTHON to a python3.11." >&2
    exit 2
fi
key=$({ cat "$REQ"; "$PY" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$VENV/.requirements-sha256" 2>/dev/null || true)" != "$key" ]; then
    echo "tests/clients: building $VENV from $REQ"
    t0=$(date +%s)
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    "$PY" -m venv "$VENV"
    # --no-deps: requirements.txt pins every package; no torch/ray/vllm from their metadata.
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$REQ"
    echo "$key" >"$VENV/.requirements-sha256"
    echo "tests/clients: venv ready in $(($(date +%s) - t0)) s"
fi

# --- the server -----------------------------------------------------------------------------
if [ ! -x "$BIN" ]; then
    if [ -n "${RLVR_BIN:-}" ]; then
        echo "tests/clients: RLVR_BIN=$RLVR_BIN is not an executable" >&2
        exit 2
    fi
    echo "tests/clients: $BIN not found; building it"
    CARGO_TARGET_DIR=$TARGET cargo build --bin rlvr
fi

# Build (first time on a machine) and check the sandbox runtime before the clock of any
# client's request timeout starts.
"$BIN" runtime fetch

work=$(mktemp -d)
log=$(dirname "$VENV")/clients-serve.log # the server's log, kept after the run
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RLVR_ADDR=127.0.0.1:0 "$BIN" serve >"$work/serve.out" 2>"$log" &
server_pid=$!

addr=
for _ in $(seq 1 600); do # up to 60 s
    line=$(head -n 1 "$work/serve.out" 2>/dev/null || true)
    case "$line" in
    "rlvr serve: listening on http://"*)
        addr=${line#rlvr serve: listening on http://}
        break
        ;;
    esac
    if ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [ -z "$addr" ]; then
    echo "tests/clients: rlvr serve did not start; its output:" >&2
    cat "$work/serve.out" "$log" >&2
    exit 1
fi
export RLVR_URL="http://$addr"
echo "tests/clients: rlvr serve ($BIN) at $RLVR_URL, log in $log"

# pytest's summary line is the last line printed; the exit status is pytest's.
status=0
if [ "$mode" = load ]; then
    "$VENV/bin/python" "$HERE/load_verl.py" "$@" || status=$?
else
    "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$HERE" "$@" || status=$?
fi
exit "$status"
