#!/usr/bin/env bash
# `rlvr grade` throughput and memory on large files, next to the math verifier's own rate.
#
#   bench/grade/run.sh [N_LARGE]     (default 1000000; REPEAT=5 runs of each set)
#
# Builds N math items with 1-3 KB responses (bench/math/make_mix.py's 2,000-item mix, repeated
# with fresh ids), then grades a tenth of them and all of them with the release binary on all
# cores, recording wall time and peak RSS (GNU time). The reference is math_bench's rate on the
# same mix with the verifier called directly (no JSON, no I/O) on 1 thread and on all cores:
# the grader's target is >= 80% of the verifier's rate times cores, with peak RSS independent
# of the number of rows. When `python3` has pyarrow (or PYTHON names one that does), the small
# set is also graded from verl-layout Parquet (bench/grade/to_parquet.py).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
N="${1:-1000000}"
SMALL=$((N / 10))
OUT="$HERE/out"
mkdir -p "$OUT"
CORES="$(nproc)"

python3 "$ROOT/bench/math/make_mix.py" 2000 "$OUT/mix.jsonl" >/dev/null
python3 "$HERE/expand.py" "$OUT/mix.jsonl" "$N" "$OUT/items_large.jsonl"
head -n "$SMALL" "$OUT/items_large.jsonl" > "$OUT/items_small.jsonl"
# The files were just written: have the kernel write them back now, not while a run is timed
# (flushing 2 GB of dirty pages takes CPU and disk from the grader on a 2-core machine).
sync "$OUT/items_large.jsonl" "$OUT/items_small.jsonl"

(cd "$ROOT" && cargo build --quiet --release --bin rlvr -p rlvr \
    && cargo build --quiet --release -p rlvr-verifiers --example math_bench)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}/release"

# This machine's speed drifts by 10-25% between runs: the verifier and the grade runs take
# turns, REPEAT times, and the table uses the median of each. Each grade run reads its input
# from the page cache (the file is read once just before), so that the disk is not what is
# timed: this VM drops parts of a 2 GB file from the cache between runs. And each writes a new
# file: overwriting the last run's 120 MB of verdicts makes the kernel finish writing them
# back first, a tenth of a second of waiting that is not the grader's.
REPEAT="${REPEAT:-5}"
# timed INPUT VERDICTS TIMEFILE: grade INPUT into a new VERDICTS file, its input in the page cache,
# recording wall time, peak RSS, user and system CPU.
timed() {
    rm -f "$2"
    sync
    cat "$1" > /dev/null
    /usr/bin/time -f '%e %M %U %S' -o "$3" "$TARGET/rlvr" grade "$1" --quiet --out "$2"
}
rm -f "$OUT"/verifier1_*.json "$OUT"/verifier1after_*.json "$OUT"/verifierN_*.json \
    "$OUT"/time_large_*.txt "$OUT"/time_small_*.txt
verifier1() {
    "$TARGET/examples/math_bench" --input "$OUT/mix.jsonl" --threads 1 --rounds 100 > "$1"
}
# Each round times the 1-thread verifier just before and just after the large set, which it
# is compared with.
for r in $(seq "$REPEAT"); do
    verifier1 "$OUT/verifier1_$r.json"
    "$TARGET/examples/math_bench" --input "$OUT/mix.jsonl" --threads "$CORES" --rounds 100 > "$OUT/verifierN_$r.json"
    timed "$OUT/items_large.jsonl" "$OUT/verdicts_large.jsonl" "$OUT/time_large_$r.txt"
    verifier1 "$OUT/verifier1after_$r.json"
    timed "$OUT/items_small.jsonl" "$OUT/verdicts_small.jsonl" "$OUT/time_small_$r.txt"
done

PYTHON="${PYTHON:-python3}"
if "$PYTHON" -c "import pyarrow" 2>/dev/null; then
    "$PYTHON" "$HERE/to_parquet.py" "$OUT/items_small.jsonl" "$OUT/items_small.parquet"
    timed "$OUT/items_small.parquet" "$OUT/verdicts_parquet.jsonl" "$OUT/time_parquet.txt"
else
    rm -f "$OUT/time_parquet.txt"
    echo "(no pyarrow for $PYTHON: the Parquet row is skipped)"
fi

python3 - "$OUT" "$SMALL" "$N" "$CORES" "$REPEAT" <<'PY'
import json, statistics, sys
out, small, large, cores, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def results(*names, key="comparisons_per_s"):
    return [json.load(open(f"{out}/{name}_{r}.json"))[key]
            for name in names for r in range(1, repeat + 1)]
v1 = statistics.median(results("verifier1", "verifier1after"))
vn = statistics.median(results("verifierN"))
runs = {}
for size in ("small", "large"):
    runs[size] = [open(f"{out}/time_{size}_{r}.txt").read().split() for r in range(1, repeat + 1)]
    with open(f"{out}/time_{size}.txt", "w") as f:
        f.write(f"{statistics.median(float(r[0]) for r in runs[size])} {max(int(r[1]) for r in runs[size])}\n")
    print(f"{size}-set grade runs (s): {', '.join(r[0] for r in runs[size])}; medians below")
print(f"math verifier alone: {v1:,.0f}/s on 1 thread, {vn:,.0f}/s on {cores} threads")
print(f"target: 80% of 1-thread rate x {cores} cores = {0.8 * v1 * cores:,.0f} items/s")
# The same comparison in CPU time, which a busy host moves less than wall time: the grader's
# CPU (user + sys, every thread) per item against the verifier's per verification.
v1_cpu = statistics.median(results("verifier1", "verifier1after", key="comparisons_per_cpu_s"))
grade_cpu = statistics.median((float(r[2]) + float(r[3])) / large for r in runs["large"])
print(f"CPU per item: grade {grade_cpu * 1e6:.2f} us, verifier alone {1e6 / v1_cpu:.2f} us "
      f"(the target in these terms: grade <= {1.25e6 / v1_cpu:.2f} us; "
      f"{1 / v1_cpu / grade_cpu / 0.8:.0%} of it)")
# Each round's large-set rate against the target from the verifier runs just before and just
# after it: the machine's speed drifts between rounds, less within one.
before, after = results("verifier1"), results("verifier1after")
paired = [large / float(runs["large"][r][0]) / (0.8 * cores * (before[r] + after[r]) / 2)
          for r in range(repeat)]
print(f"each round vs its own target: {', '.join(f'{p:.0%}' for p in paired)}; "
      f"median {statistics.median(paired):.0%}\n")
print(f"{'rows':>10} {'file MB':>9} {'seconds':>9} {'items/s':>10} {'vs target':>10} {'vs verifier on all cores':>25} {'peak RSS MB':>12}")
import os
for size, n in (("small", small), ("large", large)):
    secs, rss_kb = open(f"{out}/time_{size}.txt").read().split()
    secs = float(secs)
    rate = n / secs
    mb = os.path.getsize(f"{out}/items_{size}.jsonl") / 1e6
    lines = sum(1 for _ in open(f"{out}/verdicts_{size}.jsonl"))
    assert lines == n, f"{size}: {lines} verdict lines for {n} items"
    print(f"{n:>10,} {mb:>9.0f} {secs:>9.2f} {rate:>10,.0f} {rate / (0.8 * v1 * cores):>9.0%} {rate / vn:>24.0%} {int(rss_kb) / 1024:>12.1f}")
if os.path.exists(f"{out}/time_parquet.txt"):
    secs, rss_kb = open(f"{out}/time_parquet.txt").read().split()[:2]
    secs = float(secs)
    mb = os.path.getsize(f"{out}/items_small.parquet") / 1e6
    lines = sum(1 for _ in open(f"{out}/verdicts_parquet.jsonl"))
    assert lines == small, f"parquet: {lines} verdict lines for {small} items"
    print(f"{small:>10,} {mb:>9.0f} {secs:>9.2f} {small / secs:>10,.0f} {'':>9} {'':>24} {int(rss_kb) / 1024:>12.1f}  (Parquet, verl layout)")
PY
