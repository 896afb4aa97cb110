"""Code: `verify(response, tests)` runs the last Python block of `response` in the sandbox
against `tests` (stdio `{"tests": [...]}`, APPS/TACO/verl `{"inputs", "outputs", "fn_name"?}`,
HumanEval, MBPP) and returns the fraction passed."""

from __future__ import annotations

from typing import Any, Optional

from . import _one


def verify(response: str, tests: Any, *, time_s: Optional[float] = None, memory_mb: Optional[int] = None) -> float:
    """The fraction of tests the response's program passes."""
    return float(result(response, tests, time_s=time_s, memory_mb=memory_mb)["reward"])


def result(response: str, tests: Any, *, time_s: Optional[float] = None, memory_mb: Optional[int] = None) -> dict:
    """The whole verdict, with the per-test detail."""
    from . import score

    item: dict = {"domain": "code", "response": response, "ground_truth": tests}
    limits = {k: v for k, v in (("time_s", time_s), ("memory_mb", memory_mb)) if v is not None}
    if limits:
        item["limits"] = limits
    return score([item], detail=True)[0]
