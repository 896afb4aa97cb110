"""TRL reward functions, in-process: `GRPOTrainer(reward_funcs=[rlvr.trl.rlvr_reward])`.

Same behaviour as `clients/python/rlvr_client/trl.py` (which calls `rlvr serve`): only the
assistant's own text is scored (the last assistant message of a conversational completion;
tool results never), the gold comes from the `ground_truth`, `answer` or `solution` column,
and `domain`, `task`, `metadata`, `data_source`, `limits`, `options` columns are forwarded.
Each function is a picklable module-level object with its own `__name__` (TRL names its
reward metrics by it).
"""

from __future__ import annotations

from typing import Any

from . import score

GOLD_COLUMNS = ("ground_truth", "answer", "solution")
ITEM_COLUMNS = ("domain", "task", "metadata", "data_source", "limits", "options")


def _content(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p if isinstance(p, str) else str(p.get("text", ""))
            for p in content
            if isinstance(p, str) or (isinstance(p, dict) and p.get("type", "text") == "text")
        )
    return str(content)


def completion_text(completion: Any) -> str:
    """The text scored for one completion: a string as it is, else the last assistant turn."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        completion = [completion]
    if isinstance(completion, list):
        said = [
            _content(m.get("content"))
            for m in completion
            if isinstance(m, dict) and m.get("role", "assistant") == "assistant"
        ]
        return said[-1] if said else ""
    return str(completion)


class RewardFunc:
    """A TRL reward function scored in-process; picklable, named by `__name__`."""

    def __init__(self, name: str = "rlvr_reward", domain: str | None = None, gold_column: str | None = None):
        self.__name__ = name
        self.domain = domain
        self.gold_column = gold_column

    def __repr__(self) -> str:
        return f"<rlvr in-process reward function {self.__name__}>"

    def __call__(self, prompts=None, completions=None, **kwargs) -> list[float]:
        completions = list(completions or [])
        if self.gold_column is not None:
            gold = kwargs.get(self.gold_column)
        else:
            gold = next((kwargs[c] for c in GOLD_COLUMNS if kwargs.get(c) is not None), None)
        items = []
        for i, c in enumerate(completions):
            item: dict = {"response": completion_text(c)}
            if isinstance(gold, (list, tuple)) and i < len(gold):
                item["ground_truth"] = gold[i]
            for col in ITEM_COLUMNS:
                values = kwargs.get(col)
                if isinstance(values, (list, tuple)) and i < len(values) and values[i] is not None:
                    item[col] = values[i]
            if self.domain is not None:
                item["domain"] = self.domain
            items.append(item)
        return [float(v["reward"]) for v in score(items)] if items else []


rlvr_reward = RewardFunc("rlvr_reward")
rlvr_math = RewardFunc("rlvr_math", domain="math")
rlvr_code = RewardFunc("rlvr_code", domain="code")
rlvr_logic = RewardFunc("rlvr_logic", domain="logic")
rlvr_ifeval = RewardFunc("rlvr_ifeval", domain="ifeval")
rlvr_stem = RewardFunc("rlvr_stem", domain="stem")
