"""OpenRLHF's custom reward function, in-process: `--reward.remote_url /path/to/rlvr/openrlhf.py`
(OpenRLHF loads `reward_func` from a local .py file given as the remote URL).

The same contract as `rlvr serve`'s `/get_reward`: each query is prompt plus response (the
prompt is removed from its front when it is a prefix), each label the gold answer, or a JSON
object (or a string holding one) with item fields (`domain`, `task`, `ground_truth`,
`metadata`, ...) for other domains.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

try:
    from . import score
except ImportError:  # loaded by file path, as OpenRLHF does
    from rlvr import score

ITEM_KEYS = ("domain", "task", "ground_truth", "metadata", "reward_model")


def _item(query: str, prompt: Any, label: Any) -> dict:
    response = query[len(prompt):] if isinstance(prompt, str) and query.startswith(prompt) else query
    fields = None
    if isinstance(label, dict):
        fields = label
    elif isinstance(label, str) and label.lstrip().startswith("{"):
        try:
            parsed = json.loads(label)
            if isinstance(parsed, dict) and any(k in parsed for k in ITEM_KEYS):
                fields = parsed
        except ValueError:
            pass
    item = dict(fields) if fields is not None else {}
    if fields is None and label is not None:
        item["ground_truth"] = str(label) if isinstance(label, (int, float)) else label
    item["response"] = response
    return item


def reward_func(queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any], **kwargs) -> dict:
    """OpenRLHF's signature: `{"rewards", "scores", "extra_logs"}`."""
    prompts = list(prompts) if prompts is not None else [None] * len(queries)
    labels = list(labels) if labels is not None else [None] * len(queries)
    verdicts = score([_item(q, p, l) for q, p, l in zip(queries, prompts, labels)])
    rewards = [float(v["reward"]) for v in verdicts]
    return {
        "rewards": rewards,
        "scores": rewards,
        "extra_logs": {
            "correct": [1.0 if v["verdict"] == "correct" else 0.0 for v in verdicts],
            "error": [1.0 if v["verdict"] == "error" else 0.0 for v in verdicts],
        },
    }
