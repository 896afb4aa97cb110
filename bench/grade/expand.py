#!/usr/bin/env python3
"""Repeats bench/math's mix into N items of the item contract (fresh ids), streaming."""
import json
import sys

src, n, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mix = [json.loads(line) for line in open(src)]
with open(dst, "w") as out:
    for i in range(n):
        m = mix[i % len(mix)]
        out.write(json.dumps({"id": i, "domain": "math", "response": m["response"], "ground_truth": m["gold"]}) + "\n")
