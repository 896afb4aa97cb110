"""verl adapter: `compute_score` for verl's reward managers, scored by `rlvr serve`.

Point verl at this file (no install needed); verl 0.9.1's keys:

    reward.custom_reward_function.path=/path/to/clients/python/rlvr_client/verl.py
    reward.custom_reward_function.name=compute_score

verl 0.9.1's reward loop (default manager `naive`) calls `compute_score(data_source=...,
solution_str=..., ground_truth=..., extra_info=...)` once per sample, from a thread pool, with
`reward.custom_reward_function.reward_kwargs` merged in (extra keywords are accepted and
ignored). Its reward loop has no batch manager; `compute_score_batch` is for older verl
releases that had one (`reward_model.reward_manager=batch`). The older top-level keys
`custom_reward_function.{path,name}` are still migrated to `reward.*` by verl 0.9.1.

verl loads the file by path (not as a package), so the import below falls back to putting
clients/python on sys.path. The server is $RLVR_URL (default http://127.0.0.1:8000).

The item sent for each sample is verl's row as it is: `data_source`, the decoded response,
`ground_truth` (a math answer, a code test suite as dict or JSON string, ...), plus `domain`,
`task` and `metadata` taken from `extra_info` when present (logic puzzles). The server routes
it: code data sources (apps, taco, codecontests, codeforces, ...) go to the sandbox, Reasoning
Gym family names to the logic verifiers, everything else to math.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Sequence

try:
    from .client import default_client
except ImportError:  # loaded by file path, as verl does
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from rlvr_client.client import default_client


def _item(data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any) -> dict:
    item: dict = {"response": solution_str, "ground_truth": ground_truth}
    if data_source is not None:
        item["data_source"] = str(data_source)
    if isinstance(extra_info, dict):
        for key in ("domain", "task", "metadata", "limits"):
            if extra_info.get(key) is not None:
                item[key] = extra_info[key]
    return item


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs) -> float:
    """verl's per-sample signature; returns the reward in [0, 1]."""
    return default_client().score([_item(data_source, solution_str, ground_truth, extra_info)])[0]


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    **kwargs,
) -> list[float]:
    """The batch signature of older verl releases' BatchRewardManager: the whole batch in one
    request (or a few). verl 0.9.1 has no batch manager: use compute_score there."""
    extra = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    items = [_item(d, s, g, e) for d, s, g, e in zip(data_sources, solution_strs, ground_truths, extra)]
    return default_client().score(items)
