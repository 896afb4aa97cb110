"""The reference's time per instruction id on an IFBench / IFEvalG fixture file (the id being
the part of a row's name before '/'), to set beside verifiers/examples/ifeval_per_id.rs.
Prints one JSON line per id: {"id", "rows", "mean_us", "max_us"}.

    python reference_per_id.py ROWS.jsonl SECONDS IFBENCH_CHECKOUT OPEN_INSTRUCT_CHECKOUT
"""
import collections
import json
import logging
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "ifeval"))
logging.disable(logging.CRITICAL)
import make_ifbench_labels as m  # noqa: E402

ifb, ifg = m.load(sys.argv[3], sys.argv[4])
reg = ifg if "ifevalg" in os.path.basename(sys.argv[1]) else ifb
groups = collections.OrderedDict()
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    if "words:start_verb" in r["instruction_id_list"]:
        continue
    groups.setdefault(r["name"].split("/")[0], []).append(r)
per = float(sys.argv[2]) / max(1, len(groups))
for gid, rows in sorted(groups.items()):
    for r in rows:
        m.score(reg, r["instruction_id_list"], r["kwargs"], r["response"])
    n, mx = 0, 0.0
    start = time.perf_counter()
    while time.perf_counter() - start < per:
        for r in rows:
            t = time.perf_counter()
            m.score(reg, r["instruction_id_list"], r["kwargs"], r["response"])
            mx = max(mx, time.perf_counter() - t)
            n += 1
    mean = (time.perf_counter() - start) * 1e6 / n
    print(json.dumps({"id": gid, "rows": len(rows), "mean_us": round(mean, 3), "max_us": round(mx * 1e6, 1)}))
