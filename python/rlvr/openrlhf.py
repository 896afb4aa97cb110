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
    from . import _rlvr
except ImportError:  # loaded by file path, as OpenRLHF does
    from rlvr import _rlvr


def reward_func(queries: Sequence[str], prompts: Sequence[Any], labels: Sequence[Any], **kwargs) -> dict:
    """OpenRLHF's signature: `{"rewards", "scores", "extra_logs"}`. The items are made by the
    same code as `rlvr serve`'s `/get_reward` (`rlvr::reward::openrlhf_item`)."""
    prompts = [p if isinstance(p, str) else None for p in prompts] if prompts is not None else None
    verdicts = json.loads(_rlvr.score_openrlhf(list(queries), prompts,
                                               list(labels) if labels is not None else None))
    rewards = [float(v["reward"]) for v in verdicts]
    return {
        "rewards": rewards,
        "scores": rewards,
        "extra_logs": {
            "correct": [1.0 if v["verdict"] == "correct" else 0.0 for v in verdicts],
            "error": [1.0 if v["verdict"] == "error" else 0.0 for v in verdicts],
        },
    }
