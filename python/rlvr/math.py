"""Math answers: `verify(response, gold)` is the reward (1.0 or 0.0) the math domain gives."""

from __future__ import annotations

from typing import Sequence, Union

from . import _one


def verify(response: str, gold: Union[str, Sequence[str]], *, lenient: bool = False) -> float:
    """1.0 when the response's final answer equals the gold (or one of a list of golds)."""
    item = {"domain": "math", "response": response, "ground_truth": gold}
    if lenient:
        item["lenient"] = True
    return float(_one(item)["reward"])


def verdict(response: str, gold: Union[str, Sequence[str]]) -> dict:
    """The whole verdict: reward, verdict, reason, extracted answer."""
    return _one({"domain": "math", "response": response, "ground_truth": gold})
