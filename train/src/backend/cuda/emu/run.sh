#!/usr/bin/env bash
# Runs the CUDA kernels on the CPU emulator (emu.h: one std::thread per CUDA thread, a barrier
# for __syncthreads) and checks each against its formula in double and the formula's central
# differences (every check*.cpp here). No GPU or CUDA needed, only g++ >= 11. This checks the
# kernels' index math and reductions; not NVRTC, cuBLAS or the Rust launches.
#
#   run.sh              every check on the kernels as they are; exit 1 on any failure
#   run.sh --mutations  also each mutation of mutations.txt (one line per kernel: a small
#                       change to its source); exit 1 unless every mutation makes a check fail
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cuda="$here/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The .cu files in the order mod.rs concatenates them for NVRTC (its KERNELS list).
mapfile -t sources < <(sed -n 's/.*include_str!("\([^"]*\.cu\)").*/\1/p' "$cuda/mod.rs")
[[ ${#sources[@]} -gt 0 ]] || { echo "emu: no .cu file named in $cuda/mod.rs" >&2; exit 2; }

# Builds and runs every check against the .cu files in directory $1; prints their output to
# $2; returns non-zero if any check fails.
checks() {
    local dir="$1" log="$2" rc=0
    (cd "$dir" && cat "${sources[@]}" > all.cu)
    cp "$here"/emu.h "$here"/common.h "$here"/check*.cpp "$dir/"
    for c in "$here"/check*.cpp; do
        local name; name="$(basename "$c" .cpp)"
        g++ -std=c++20 -O1 -pthread -o "$dir/$name" "$dir/$name.cpp"
        "$dir/$name" >> "$log" 2>&1 || rc=1
    done
    return $rc
}

mkdir "$tmp/base"
cp "${sources[@]/#/$cuda/}" "$tmp/base/"
if checks "$tmp/base" "$tmp/base.log"; then cat "$tmp/base.log"; else
    cat "$tmp/base.log"; echo "emu: the kernels fail their checks" >&2; exit 1
fi
[[ "${1:-}" == "--mutations" ]] || exit 0

# mutations.txt: tab-separated `file  text  replacement  what`; '#' lines are comments. The
# text must occur exactly once in the file, so a mutation cannot silently stop applying.
missed=0; n=0
while IFS=$'\t' read -r file text repl what; do
    [[ -z "$file" || "$file" == \#* ]] && continue
    n=$((n + 1))
    d="$tmp/mut$n"; mkdir "$d"
    cp "${sources[@]/#/$cuda/}" "$d/"
    python3 - "$d/$file" "$text" "$repl" <<'PY'
import sys
path, text, repl = sys.argv[1:]
src = open(path).read()
if src.count(text) != 1:
    sys.exit(f"emu: mutation text occurs {src.count(text)} times in {path}: {text!r}")
open(path, "w").write(src.replace(text, repl))
PY
    if checks "$d" "$d.log"; then
        echo "mutation NOT caught: $what ($file)"; missed=$((missed + 1))
    else
        echo "mutation caught: $what ($(grep -c '^FAIL' "$d.log" || true) failures printed)"
    fi
done < "$here/mutations.txt"
echo "$n mutations, $missed not caught"
[[ $missed -eq 0 ]]
