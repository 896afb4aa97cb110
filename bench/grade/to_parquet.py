#!/usr/bin/env python3
"""Writes the bench's JSONL items as a verl-layout Parquet file (needs pyarrow).

    to_parquet.py ITEMS.jsonl OUT.parquet

Columns as verl stores RL data: data_source, prompt (chat messages), ability,
reward_model {style, ground_truth}, extra_info {split, index}, plus the rollout's response.
Row groups of 4,096 rows, written as they fill, so memory stays flat.
"""
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq

src, dst = sys.argv[1], sys.argv[2]
writer = None
rows = []


def flush():
    global writer
    table = pa.Table.from_pylist(rows)
    if writer is None:
        writer = pq.ParquetWriter(dst, table.schema)
    writer.write_table(table)
    rows.clear()


for line in open(src):
    item = json.loads(line)
    i = item["id"]
    rows.append(
        {
            "data_source": "bench/math",
            "prompt": [{"role": "user", "content": f"Question {i}?"}],
            "ability": "math",
            "reward_model": {"style": "rule", "ground_truth": item["ground_truth"]},
            "extra_info": {"split": "test", "index": i},
            "response": item["response"],
        }
    )
    if len(rows) == 4096:
        flush()
if rows:
    flush()
if writer is not None:
    writer.close()
