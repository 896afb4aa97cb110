"""In-process scoring from Python vs `rlvr grade` vs math-verify, on bench/math's mix.

    bench/python/run.sh            # builds what it needs, prints the table

One core each (taskset by run.sh): rlvr.score(items, jobs=1) in rounds, `rlvr grade --jobs 1`
on the same items as JSONL (release binary), and math-verify 0.9.0 in-process on the first
200 items (it is ~1000x slower; its rate is per item either way).
"""
import json
import subprocess
import sys
import time

mix, rlvr_bin, mv_python = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(l) for l in open(mix)]
items = [{"id": i, "domain": "math", "response": r["response"], "ground_truth": r["gold"]}
         for i, r in enumerate(rows)]

import rlvr  # noqa: E402

rlvr.score(items[:50], jobs=1)  # warm
best = float("inf")
for _ in range(5):
    t = time.process_time()
    rlvr.score(items, jobs=1)
    best = min(best, time.process_time() - t)
py_rate = len(items) / best

path = "/tmp/rlvr-bench-python.jsonl"
with open(path, "w") as f:
    for _ in range(10):
        for it in items:
            f.write(json.dumps(it) + "\n")
grade_best = float("inf")
for _ in range(3):
    t = time.time()
    r = subprocess.run([rlvr_bin, "grade", path, "--jobs", "1", "-q", "-o", "/dev/null"],
                       capture_output=True)
    assert r.returncode == 0, r.stderr
    grade_best = min(grade_best, time.time() - t)
grade_rate = 10 * len(items) / grade_best

mv_code = (
    "import json, sys, time\n"
    "from math_verify import parse, verify\n"
    "rows = [json.loads(l) for l in open(sys.argv[1])][:200]\n"
    "t = time.process_time()\n"
    "for r in rows:\n"
    "    try:\n"
    "        verify(parse(r['gold']), parse(r['response']))\n"
    "    except Exception:\n"
    "        pass\n"
    "print(len(rows) / (time.process_time() - t))\n"
)
mv = subprocess.run([mv_python, "-c", mv_code, mix], capture_output=True, text=True)
mv_rate = float(mv.stdout.strip()) if mv.returncode == 0 else float("nan")

print(f"{'engine':45s} {'items/s':>10s}")
print(f"{'rlvr in-process from Python, 1 thread (cpu)':45s} {py_rate:10.0f}")
print(f"{'rlvr grade --jobs 1 (release, wall)':45s} {grade_rate:10.0f}")
print(f"{'math-verify 0.9.0 in-process (cpu, 200 items)':45s} {mv_rate:10.1f}")
print(f"python / grade: {py_rate / grade_rate:.2f}x   python / math-verify: {py_rate / mv_rate:.0f}x")
