"""TRL adapter: reward functions for `GRPOTrainer(reward_funcs=[...])`, scored by `rlvr serve`.

GRPOTrainer (TRL 1.16, `_calculate_rewards`) calls every reward function as

    f(prompts=..., completions=..., completion_ids=..., trainer_state=..., log_extra=...,
      log_metric=..., **columns)

where `completions` is a list of strings (standard datasets) or of message lists
(conversational datasets, including tool-calling rollouts: assistant turn with `tool_calls`,
tool results, next assistant turn, ...), and every other dataset column arrives as a keyword
list, one value per completion.

What is scored: only the model's own text. For a message-list completion that is the content of
the LAST assistant message (empty if that message has no text, e.g. a turn cut off right after
a tool result: an answer stated before a tool call does not count). Tool results (`"role":
"tool"`) are never scored, so an answer that appears only in a tool's output earns nothing.
`messages="assistant"` scores all assistant contents joined by newlines instead. A string
completion is scored as it is.

The gold answer comes from the `ground_truth`, `answer` or `solution` column (or `gold_column`),
and `domain`, `task`, `metadata`, `data_source`, `limits` columns are forwarded when present.

Ready-made functions, each a module-level, picklable callable with its own `__name__` (TRL
names its reward columns and logs by `__name__`):

    rlvr_reward   the server routes by the item (data_source/domain/task; math by default)
    rlvr_math     domain math
    rlvr_code     domain code (ground_truth = the tests)
    rlvr_logic    domain logic (task = Reasoning Gym family, metadata = its metadata)

`make_reward_func(gold_column=..., domain=..., name=...)` builds others. The server is
$RLVR_URL (default http://127.0.0.1:8000).
"""

from __future__ import annotations

import os
import sys
from typing import Any

try:
    from .client import Client, default_client
except ImportError:  # loaded by file path
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from rlvr_client.client import Client, default_client

GOLD_COLUMNS = ("ground_truth", "answer", "solution")
ITEM_COLUMNS = ("domain", "task", "metadata", "data_source", "limits")
MESSAGE_MODES = ("last", "assistant")


def _content_text(content: Any) -> str:
    """A message's content as text: a string, or the text parts of a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for p in content:
            if isinstance(p, str):
                parts.append(p)
            elif isinstance(p, dict) and p.get("type", "text") == "text":
                parts.append(str(p.get("text", "")))
        return "".join(parts)
    return str(content)


def completion_text(completion: Any, messages: str = "last") -> str:
    """The text to score for one completion (see the module docstring)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        completion = [completion]
    if isinstance(completion, list):
        said = [
            _content_text(m.get("content"))
            for m in completion
            if isinstance(m, dict) and m.get("role", "assistant") == "assistant"
        ]
        if messages == "assistant":
            return "\n".join(s for s in said if s)
        return said[-1] if said else ""
    return str(completion)


class RewardFunc:
    """A TRL reward function backed by `rlvr serve`; picklable, named by `__name__`."""

    def __init__(
        self,
        name: str = "rlvr_reward",
        gold_column: str | None = None,
        domain: str | None = None,
        messages: str = "last",
        client: Client | None = None,
    ):
        if messages not in MESSAGE_MODES:
            raise ValueError(f"messages must be one of {MESSAGE_MODES}, not {messages!r}")
        self.__name__ = name
        self.gold_column = gold_column
        self.domain = domain
        self.messages = messages
        self.client = client

    def __repr__(self) -> str:
        return f"<rlvr reward function {self.__name__} (domain={self.domain!r})>"

    def items(self, completions, **kwargs) -> list[dict]:
        """The /v1/rewards items for one call (what __call__ sends)."""
        if self.gold_column is not None:
            gold = kwargs.get(self.gold_column)
        else:
            gold = next((kwargs[c] for c in GOLD_COLUMNS if kwargs.get(c) is not None), None)
        items = []
        for i, c in enumerate(completions):
            item: dict = {"response": completion_text(c, self.messages)}
            if isinstance(gold, (list, tuple)) and i < len(gold):
                item["ground_truth"] = gold[i]
            for col in ITEM_COLUMNS:
                values = kwargs.get(col)
                if isinstance(values, (list, tuple)) and i < len(values) and values[i] is not None:
                    item[col] = values[i]
            if self.domain is not None:
                item["domain"] = self.domain
            items.append(item)
        return items

    def __call__(self, prompts=None, completions=None, **kwargs) -> list[float]:
        completions = list(completions or [])
        if not completions:
            return []
        return (self.client or default_client()).score(self.items(completions, **kwargs))


def make_reward_func(
    gold_column: str | None = None,
    domain: str | None = None,
    client: Client | None = None,
    name: str | None = None,
    messages: str = "last",
) -> RewardFunc:
    """A TRL reward function. `gold_column` None: the first of ground_truth/answer/solution.
    `name` (its `__name__`) defaults to `rlvr_<domain>`, or `rlvr_reward` without a domain."""
    if name is None:
        name = f"rlvr_{domain}" if domain else "rlvr_reward"
    return RewardFunc(name=name, gold_column=gold_column, domain=domain, messages=messages, client=client)


rlvr_reward = RewardFunc("rlvr_reward")
rlvr_math = RewardFunc("rlvr_math", domain="math")
rlvr_code = RewardFunc("rlvr_code", domain="code")
rlvr_logic = RewardFunc("rlvr_logic", domain="logic")

__all__ = ["RewardFunc", "make_reward_func", "completion_text", "rlvr_reward", "rlvr_math", "rlvr_code", "rlvr_logic"]
