"""Instruction following: `verify(response, instruction_id_list, kwargs, prompt)` is the
fraction of the IFEval-style instructions the response follows (strict)."""

from __future__ import annotations

from typing import Optional, Sequence

from . import score


def verify(response: str, instruction_id_list: Sequence[str], kwargs: Sequence[Optional[dict]],
           prompt: str = "") -> float:
    """The fraction of instructions followed."""
    return float(result(response, instruction_id_list, kwargs, prompt)["reward"])


def result(response: str, instruction_id_list: Sequence[str], kwargs: Sequence[Optional[dict]],
           prompt: str = "") -> dict:
    """The whole verdict; `detail["instructions"]` has each instruction's strict and loose result."""
    item = {"domain": "ifeval", "response": response, "instruction_id_list": list(instruction_id_list),
            "kwargs": [k or {} for k in kwargs], "prompt": prompt}
    return score([item], detail=True)[0]
