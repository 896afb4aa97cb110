"""TRL adapter: reward functions for `GRPOTrainer(reward_funcs=[...])`, scored by `rlvr serve`.

TRL calls `f(prompts=..., completions=..., **columns)` where `completions` is a list of
strings (standard datasets) or of message lists (conversational datasets) and every other
dataset column arrives as a keyword list. `rlvr_reward` reads the gold answer from the
`ground_truth`, `answer` or `solution` column, and `domain`, `task`, `metadata`,
`data_source` columns when present. `make_reward_func` builds one with other column names or
a fixed domain. The server is $RLVR_URL (default http://127.0.0.1:8000).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

try:
    from .client import Client, default_client
except ImportError:  # loaded by file path
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from rlvr_client.client import Client, default_client

GOLD_COLUMNS = ("ground_truth", "answer", "solution")
ITEM_COLUMNS = ("domain", "task", "metadata", "data_source", "limits")


def _text(completion: Any) -> str:
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):  # conversational: [{"role": "assistant", "content": ...}]
        parts = [m.get("content", "") for m in completion if isinstance(m, dict)]
        return "".join(p if isinstance(p, str) else str(p) for p in parts)
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    return str(completion)


def make_reward_func(
    gold_column: str | None = None,
    domain: str | None = None,
    client: Client | None = None,
) -> Callable[..., list[float]]:
    """A TRL reward function. `gold_column` None: the first of ground_truth/answer/solution."""

    def rlvr_reward(prompts=None, completions=None, **kwargs) -> list[float]:
        completions = completions or []
        n = len(completions)
        if gold_column is not None:
            gold = kwargs.get(gold_column)
        else:
            gold = next((kwargs[c] for c in GOLD_COLUMNS if kwargs.get(c) is not None), None)
        items = []
        for i, c in enumerate(completions):
            item: dict = {"response": _text(c)}
            if gold is not None and i < len(gold):
                item["ground_truth"] = gold[i]
            for col in ITEM_COLUMNS:
                values = kwargs.get(col)
                if isinstance(values, list) and i < len(values) and values[i] is not None:
                    item[col] = values[i]
            if domain is not None:
                item["domain"] = domain
            items.append(item)
        if n == 0:
            return []
        return (client or default_client()).score(items)

    return rlvr_reward


rlvr_reward = make_reward_func()
