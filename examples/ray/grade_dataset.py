"""Grade a JSONL dataset across a Ray cluster with Ray Data and the in-process scorer.

    python examples/ray/grade_dataset.py INPUT.jsonl OUT_DIR [--address auto] [--batch 512]

Each line is an item of rlvr's contract (as for `rlvr grade`). Lines are read as text (items
mix field types, which a columnar schema would refuse), each batch is scored by `rlvr.score`
on the worker that holds it, and the verdicts are written back as Parquet: one row per
response with the input line's number, `sample`, `id` (as JSON), `reward`, `verdict`,
`reason`, `extracted`. Verdicts are those `rlvr grade` gives on one machine.
"""

from __future__ import annotations

import argparse
import json


def score_batch(batch: dict) -> dict:
    """Ray Data batch function: {"text": [...], "line": [...]} -> one row per response."""
    import rlvr

    items, lines, bad = [], [], {}
    for text, line in zip(batch["text"], batch["line"]):
        try:
            item = json.loads(text)
        except ValueError as e:
            bad[len(items)] = f"line {line}: not valid JSON: {e}"
            item = {}
        if not isinstance(item, dict):
            bad[len(items)] = f"line {line}: not a JSON object"
            item = {}
        items.append(item)
        lines.append(int(line))
    verdicts = rlvr.score(items)
    out = {k: [] for k in ("line", "sample", "id", "reward", "verdict", "reason", "extracted")}
    # One verdict per response: walk the items and take as many verdicts as each has samples.
    k = 0
    for i, item in enumerate(items):
        n = len(item["responses"]) if isinstance(item.get("responses"), list) and item["responses"] else 1
        for _ in range(n):
            v = verdicts[k]
            k += 1
            if i in bad:
                v = {"id": None, "reward": 0.0, "verdict": "error", "reason": bad[i]}
            out["line"].append(lines[i])
            out["sample"].append(v.get("sample", -1))
            out["id"].append(json.dumps(v.get("id")))
            out["reward"].append(float(v["reward"]))
            out["verdict"].append(v["verdict"])
            out["reason"].append(v.get("reason", ""))
            out["extracted"].append(v.get("extracted") or "")
    return out


def grade(path: str, out_dir: str, batch: int = 512):
    """Read `path` as numbered lines, score every batch on the cluster, write Parquet."""
    import sys

    import ray
    from ray import cloudpickle

    # Ship score_batch to the workers by value: they need not have this file on their path.
    if __name__ != "__main__":
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with open(path, encoding="utf-8") as f:
        rows = [{"text": t, "line": n} for n, t in enumerate(f, 1) if t.strip()]
    ds = ray.data.from_items(rows).map_batches(score_batch, batch_size=batch, batch_format="numpy")
    ds.write_parquet(out_dir)
    return out_dir


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("out_dir")
    ap.add_argument("--address", default=None, help="a running cluster (auto), else a local one")
    ap.add_argument("--batch", type=int, default=512)
    a = ap.parse_args()
    import ray

    ray.init(address=a.address)
    grade(a.input, a.out_dir, a.batch)
    print(f"verdicts written to {a.out_dir}")
