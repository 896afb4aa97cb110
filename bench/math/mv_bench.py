#!/usr/bin/env python3
"""Runs the benchmark mix through math-verify 0.9.0 the way verl's math_verify reward does.

verl (verl/utils/reward_score/math_verify.py) wraps the gold in \\boxed{} and calls
math_metric(gold=LatexExtractionConfig, pred=(ExprExtractionConfig, LatexExtractionConfig)).
Prints one JSON object with the same fields as `math_bench` (rate, p50/p99, agreement).
"""
import json
import sys
import time

from math_verify.metric import math_metric
from math_verify.parser import ExprExtractionConfig, LatexExtractionConfig


def main(path, limit):
    items = [json.loads(line) for line in open(path)][:limit]
    verify_func = math_metric(
        gold_extraction_target=(LatexExtractionConfig(),),
        pred_extraction_target=(ExprExtractionConfig(), LatexExtractionConfig()),
    )
    lat, agree, fp, fn = [], 0, 0, 0
    start = time.perf_counter()
    cpu0 = time.process_time()
    for it in items:
        t = time.perf_counter()
        try:
            score, _ = verify_func(["\\boxed{" + it["gold"] + "}"], [it["response"]])
        except Exception:  # verl scores an exception as 0
            score = 0.0
        lat.append(time.perf_counter() - t)
        said = score > 0.5
        if said == (it["label"] == "correct"):
            agree += 1
        elif said:
            fp += 1
        else:
            fn += 1
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    lat.sort()
    pct = lambda p: lat[round((len(lat) - 1) * p)] * 1000 if lat else 0.0
    print(json.dumps({
        "engine": "math-verify 0.9.0", "items": len(items), "threads": 1, "rounds": 1,
        "comparisons_per_s": len(items) / wall, "comparisons_per_cpu_s": len(items) / cpu,
        "cpu_s": cpu, "wall_s": wall, "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": pct(1.0),
        "agree_with_labels": agree / max(len(items), 1), "false_positives": fp, "false_negatives": fn,
    }))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10**9)
