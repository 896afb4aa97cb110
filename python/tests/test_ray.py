"""The Ray recipes (examples/ray/) on a local two-node Ray cluster started by the test: Ray Data
grading gives `rlvr grade`'s verdicts, and `rlvr serve` replicas on the nodes lose no item when
one of them dies mid-run."""

import json
import os
import subprocess
import sys

import pytest

ray = pytest.importorskip("ray", reason="ray is installed by python/run-tests.sh")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "ray"))
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))

import grade_dataset  # noqa: E402
import serve_replicas  # noqa: E402
from rlvr_client import Client  # noqa: E402

RLVR_BIN = os.environ.get("RLVR_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/rlvr/target")), "debug", "rlvr")


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    c.add_node(num_cpus=1)
    ray.init(address=c.address, include_dashboard=False, log_to_driver=False)
    yield c
    ray.shutdown()
    c.shutdown()


def mixed_lines():
    lines = []
    for i in range(300):
        k = i % 5
        if k == 0:
            lines.append({"id": i, "response": f"so \\boxed{{{i % 7}}}", "ground_truth": str(i % 5)})
        elif k == 1:
            lines.append({"id": i, "responses": [f"\\boxed{{{i}}}", "no idea"], "ground_truth": str(i)})
        elif k == 2:
            lines.append({"id": i, "domain": "stem", "response": "Answer: B", "ground_truth": "15 m",
                          "options": ["12 m", "15 m"]})
        elif k == 3:
            lines.append({"id": i, "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}],
                          "prompt": "p", "response": "a, b" if i % 2 else "ab"})
        else:
            lines.append({"id": i, "response": "x", "ground_truth": "1", "domain": "alchemy"})
    text = [json.dumps(line) for line in lines]
    text.insert(10, "{not json")
    return "\n".join(text) + "\n"


def test_ray_data_grading_equals_rlvr_grade(cluster, tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(mixed_lines())
    graded = subprocess.run([RLVR_BIN, "grade", str(path), "-q"], capture_output=True, text=True)
    assert graded.returncode in (0, 1), graded.stderr
    want = [json.loads(line) for line in graded.stdout.splitlines()]

    out = tmp_path / "verdicts"
    grade_dataset.grade(str(path), str(out), batch=64)
    import pyarrow.parquet as pq

    table = pq.read_table(str(out)).to_pylist()
    table.sort(key=lambda r: (r["line"], r["sample"]))
    assert len(table) == len(want)
    for got, w in zip(table, want):
        assert got["verdict"] == w["verdict"] and got["reward"] == w["reward"], (got, w)
        if w["verdict"] != "error":
            assert got["reason"] == w["reason"], (got, w)
            assert json.loads(got["id"]) == w["id"]
            assert got["sample"] == w.get("sample", -1)
    nodes = {n["NodeID"] for n in ray.nodes() if n["Alive"]}
    assert len(nodes) == 2


def test_replicas_on_the_nodes_lose_no_item_when_one_dies(cluster):
    actors, urls, _ = serve_replicas.start_replicas(RLVR_BIN, 2)
    try:
        assert len(set(urls)) == 2
        c = Client(",".join(urls), batch_size=50, retries=4, backoff=0.05)
        items = [{"id": i, "response": "\\boxed{%d}" % (i % 3), "ground_truth": "1"} for i in range(1000)]
        want = [1.0 if i % 3 == 1 else 0.0 for i in range(1000)]
        assert [r["reward"] for r in c.rewards(items)] == want
        # One replica dies while a long call is running (and is gone for the next one).
        import threading
        import time

        many = items * 10
        out = {}
        t = threading.Thread(target=lambda: out.setdefault("r", c.rewards(many)))
        t.start()
        time.sleep(0.3)
        ray.get(actors[0].stop.remote())
        t.join()
        assert [r["reward"] for r in out["r"]] == want * 10, "items lost while a replica died"
        second = c.rewards(items)
        assert [r["id"] for r in second] == list(range(1000))
        assert [r["reward"] for r in second] == want
    finally:
        for a in actors:
            try:
                ray.get(a.stop.remote())
            except Exception:
                pass
