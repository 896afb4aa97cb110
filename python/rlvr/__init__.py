"""rlvr in-process: the reward engine of `rlvr serve` and `rlvr grade`, called from Python.

    import rlvr
    rlvr.score([{"response": "so \\\\boxed{1/2}", "ground_truth": "0.5"}])
    # [{'reward': 1.0, 'verdict': 'correct', 'reason': 'exact', 'extracted': '1/2', ...}]

Items follow the same contract as `POST /v1/rewards` (docs/integrations.md): `response` (or a
`responses` list), `ground_truth`, optional `domain` (math, code, logic, ifeval, stem),
`task`, `metadata`, `limits`, `options`, IFEval fields... A bad item gets an `error` verdict;
the batch never raises for one item. Scoring runs on Rust threads with the GIL released.

Helpers: `rlvr.math.verify`, `rlvr.code.verify`, `rlvr.logic.verify`, `rlvr.ifeval.verify`.
Adapters: `rlvr.verl.compute_score` (verl's custom reward function), `rlvr.trl` (TRL reward
functions), `rlvr.openrlhf.reward_func` (OpenRLHF's local reward function).
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from . import _rlvr

__all__ = ["score", "rewards", "__version__"]
__version__ = _rlvr.version()


def score(
    items: Iterable[dict],
    *,
    jobs: int | None = None,
    detail: bool = False,
    lenient: bool = False,
) -> list[dict]:
    """Verdicts for `items`, in order, one per response (several for an item with
    `responses`). `jobs`: threads (default: every core). `detail`: the verifiers' detail.
    `lenient`: math reads the last number of a response that states no explicit answer."""
    items = items if isinstance(items, list) else list(items)
    out = _rlvr.score_objects(items, jobs, detail, lenient)
    return json.loads(out)


def rewards(items: Iterable[dict], *, jobs: int | None = None) -> list[float]:
    """Rewards only, one float per response."""
    return [float(v["reward"]) for v in score(items, jobs=jobs)]


def _one(item: dict[str, Any]) -> dict:
    return score([item])[0]


# The adapters, importable as attributes (`rlvr.math.verify`); they use the functions above.
from . import code, ifeval, logic, math, openrlhf, trl, verl  # noqa: E402

__all__ += ["code", "ifeval", "logic", "math", "openrlhf", "trl", "verl"]
