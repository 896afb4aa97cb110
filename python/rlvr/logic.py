"""Logic puzzles: `verify(task, response, metadata)` is the reward a Reasoning Gym family gives
(any valid solution earns it)."""

from __future__ import annotations

from typing import Any, Optional

from . import _one


def verify(task: str, response: str, metadata: dict, ground_truth: Optional[Any] = None) -> float:
    """The reward for `response` to the puzzle `metadata` of family `task` (Reasoning Gym's
    dataset name, e.g. "sudoku", "countdown")."""
    item = {"domain": "logic", "task": task, "response": response, "metadata": metadata}
    if ground_truth is not None:
        item["ground_truth"] = ground_truth
    return float(_one(item)["reward"])
