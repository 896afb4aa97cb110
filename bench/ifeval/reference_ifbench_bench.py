"""The reference's rate on the IFBench / IFEvalG fixture rows: IFBench's and open-instruct
IFEvalG's checker files (loaded by fixtures/ifeval/make_ifbench_labels.py's loader), strict +
loose per instruction, one process, one core. Prints one JSON line.

    python reference_ifbench_bench.py ROWS.jsonl SECONDS IFBENCH_CHECKOUT OPEN_INSTRUCT_CHECKOUT
"""
import json
import logging
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "ifeval"))
logging.disable(logging.CRITICAL)
import make_ifbench_labels as m  # noqa: E402

ifb, ifg = m.load(sys.argv[3], sys.argv[4])
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
# words:start_verb rows are left out of both sides: rlvr scores them with a verb list, not the
# reference's perceptron tagger (docs/ifeval.md #14), so their times would not compare like for like.
rows = [r for r in rows if "words:start_verb" not in r["instruction_id_list"]]
reg = ifg if "ifevalg" in os.path.basename(sys.argv[1]) else ifb
secs = float(sys.argv[2])
for r in rows[:50]:
    m.score(reg, r["instruction_id_list"], r["kwargs"], r["response"])
# Half the time with a timer around each row (latencies, timed rate), half timed per pass
# (the rate), as rlvr's ifeval_bench does.
lat = []
start = time.perf_counter()
while time.perf_counter() - start < secs / 2:
    for r in rows:
        t = time.perf_counter()
        m.score(reg, r["instruction_id_list"], r["kwargs"], r["response"])
        lat.append(time.perf_counter() - t)
timed_rate = len(lat) / (time.perf_counter() - start)
n = 0
start = time.perf_counter()
while time.perf_counter() - start < secs / 2:
    for r in rows:
        m.score(reg, r["instruction_id_list"], r["kwargs"], r["response"])
    n += len(rows)
rate = n / (time.perf_counter() - start)
lat.sort()
print(json.dumps({"rows": len(rows), "rows_per_s": round(rate, 1), "timed_rows_per_s": round(timed_rate, 1),
                  "p50_us": round(lat[len(lat) // 2] * 1e6, 2), "p99_us": round(lat[int((len(lat) - 1) * 0.99)] * 1e6, 2)}))
