"""The rest of bench/python: the same math mix through `rlvr serve` over HTTP, code items in the
in-process sandbox, and Ray Data over a local two-node cluster vs `rlvr grade`.

    python bench/python/scale.py MIX.jsonl RLVR_BIN [N_RAY_ITEMS]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

mix, rlvr_bin = sys.argv[1], sys.argv[2]
n_ray = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))
sys.path.insert(0, os.path.join(ROOT, "examples", "ray"))

import rlvr  # noqa: E402
from rlvr_client import Client  # noqa: E402

rows = [json.loads(l) for l in open(mix)]
items = [{"id": i, "domain": "math", "response": r["response"], "ground_truth": r["gold"]}
         for i, r in enumerate(rows)]


def best(f, rounds=5):
    b = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t)
    return b


inproc2 = len(items) / best(lambda: rlvr.score(items, jobs=2))
serve = subprocess.Popen([rlvr_bin, "serve"], env=dict(os.environ, RLVR_ADDR="127.0.0.1:0",
                                                       RLVR_WARM_SANDBOX="false"),
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
url = serve.stdout.readline().strip().split("listening on ")[1]
try:
    c = Client(url, batch_size=4096)
    c.rewards(items[:10])
    http = len(items) / best(lambda: c.rewards(items))
finally:
    serve.kill()

code = [{"domain": "code", "response": "```python\na, b = map(int, input().split())\nprint(a + b)\n```",
         "ground_truth": {"tests": [{"stdin": f"{i} {i}\n", "stdout": f"{2 * i}\n"}]}} for i in range(200)]
rlvr.score(code[:4], jobs=2)  # the sandbox loads once
code_rate = len(code) / best(lambda: rlvr.score(code, jobs=2), rounds=3)

print(f"{'math, in-process from Python, 2 threads (wall)':52s} {inproc2:10.0f} items/s")
print(f"{'math, Python client -> rlvr serve over HTTP (wall)':52s} {http:10.0f} items/s")
print(f"{'code (one stdio test), in-process sandbox, 2 threads':52s} {code_rate:10.0f} items/s")

# Ray Data over a local cluster of two 1-CPU nodes vs rlvr grade --jobs 2, on n_ray short items.
import ray  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

import grade_dataset  # noqa: E402

d = tempfile.mkdtemp()
path = os.path.join(d, "items.jsonl")
with open(path, "w") as f:
    for i in range(n_ray):
        f.write(json.dumps({"id": i, "response": f"so \\boxed{{{i % 97}}}", "ground_truth": str(i % 89)}) + "\n")
t = time.perf_counter()
r = subprocess.run([rlvr_bin, "grade", path, "--jobs", "2", "-q", "-o", os.path.join(d, "g.jsonl")])
grade_s = time.perf_counter() - t
cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
cluster.add_node(num_cpus=1)
ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
t = time.perf_counter()
grade_dataset.grade(path, os.path.join(d, "ray"), batch=4096)
ray_s = time.perf_counter() - t
ray.shutdown()
cluster.shutdown()
print(f"{'rlvr grade --jobs 2, ' + str(n_ray) + ' items (wall)':52s} {n_ray / grade_s:10.0f} items/s ({grade_s:.1f} s)")
print(f"{'Ray Data, 2 simulated nodes x 1 CPU (wall)':52s} {n_ray / ray_s:10.0f} items/s ({ray_s:.1f} s)")
