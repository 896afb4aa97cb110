"""verl's custom reward function, in-process:

    reward.custom_reward_function.path=<site-packages>/rlvr/verl.py
    reward.custom_reward_function.name=compute_score

or `from rlvr.verl import compute_score`. The row goes to the engine as verl stores it
(`data_source`, the decoded response, `ground_truth`; `domain`/`task`/`metadata` from
`extra_info` when present), exactly as `clients/python/rlvr_client/verl.py` sends it to
`rlvr serve`.
"""

from __future__ import annotations

from typing import Any, Sequence

try:
    from . import score
except ImportError:  # loaded by file path, as verl does
    from rlvr import score

EXTRA_FIELDS = ("domain", "task", "metadata", "limits", "options")


def _item(data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any) -> dict:
    item: dict = {"response": solution_str, "ground_truth": ground_truth}
    if data_source is not None:
        item["data_source"] = data_source
    if isinstance(extra_info, dict):
        for k in EXTRA_FIELDS:
            if extra_info.get(k) is not None:
                item[k] = extra_info[k]
    return item


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs) -> float:
    """verl's `compute_score` signature; the reward."""
    return float(score([_item(data_source, solution_str, ground_truth, extra_info)])[0]["reward"])


def compute_score_batch(
    data_sources: Sequence[Any],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    **kwargs,
) -> list[float]:
    """The batch form: one engine call for the whole batch, scored in parallel."""
    extra_infos = extra_infos if extra_infos is not None else [None] * len(solution_strs)
    items = [
        _item(d, s, g, e) for d, s, g, e in zip(data_sources, solution_strs, ground_truths, extra_infos)
    ]
    return [float(v["reward"]) for v in score(items)]
