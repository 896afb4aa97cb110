"""The reference's rate on the fixture rows: lm-eval 0.4.13's IFEval checkers, strict + loose
per instruction (what rlvr's verify computes), one process, one core. Prints one JSON line."""
import json
import logging
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "ifeval"))
logging.disable(logging.CRITICAL)
import reference  # noqa: E402

reg = reference.load(os.environ["NLTK_DATA"])
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
for r in rows[:50]:  # warm up (punkt load, regex caches)
    reference.score(reg, r["instruction_id_list"], r["kwargs"], r["prompt"], r["response"])
# Half the time with a timer around each row (latencies, timed rate), half timed per pass
# (the rate), as rlvr's ifeval_bench does.
lat = []
start = time.perf_counter()
while time.perf_counter() - start < secs / 2:
    for r in rows:
        t = time.perf_counter()
        reference.score(reg, r["instruction_id_list"], r["kwargs"], r["prompt"], r["response"])
        lat.append(time.perf_counter() - t)
timed_rate = len(lat) / (time.perf_counter() - start)
n = 0
start = time.perf_counter()
while time.perf_counter() - start < secs / 2:
    for r in rows:
        reference.score(reg, r["instruction_id_list"], r["kwargs"], r["prompt"], r["response"])
    n += len(rows)
rate = n / (time.perf_counter() - start)
lat.sort()
print(json.dumps({"rows": len(rows), "rows_per_s": round(rate, 1), "timed_rows_per_s": round(timed_rate, 1),
                  "p50_us": round(lat[len(lat) // 2] * 1e6, 2), "p99_us": round(lat[int((len(lat) - 1) * 0.99)] * 1e6, 2)}))
