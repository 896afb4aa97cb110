"""clients/python/rlvr_client/trl.py called the way TRL 1.16's GRPOTrainer calls reward functions.

GRPOTrainer needs torch, so the call is made here with exactly the keywords its
`_calculate_rewards` passes (test_versions.py checks that call in TRL's source):
`prompts`, `completions`, `completion_ids`, every dataset column but prompt/completion, plus
`trainer_state`, `log_extra` and `log_metric`. TRL's own `get_callable_name` (how it names a
reward function's column and logs) and `is_async_callable` (whether it awaits it) are loaded
from trl/trainer/utils.py and run on our functions.
"""

from __future__ import annotations

import functools
import inspect
import pickle
from types import SimpleNamespace

import pytest

import cases
import upstream
from rlvr_client.trl import RewardFunc, make_reward_func, rlvr_code, rlvr_logic, rlvr_math, rlvr_reward

ALL = [rlvr_reward, rlvr_math, rlvr_code, rlvr_logic]


@pytest.fixture(scope="module")
def trl_utils():
    ns = {"functools": functools, "inspect": inspect}
    return SimpleNamespace(
        get_callable_name=upstream.function_from_file("trl.trainer.utils", "get_callable_name", ns),
        is_async_callable=upstream.function_from_file("trl.trainer.utils", "is_async_callable", ns),
    )


def grpo_call(func, prompts, completions, **columns):
    """GRPOTrainer._calculate_rewards' call of a synchronous reward function."""
    logged = []
    out = func(
        prompts=prompts,
        completions=completions,
        completion_ids=[[ord(ch) % 50000 for ch in str(c)][:8] for c in completions],
        **columns,
        trainer_state=SimpleNamespace(global_step=7, epoch=0.5, max_steps=100),
        log_extra=lambda *a, **k: logged.append(("extra", a, k)),
        log_metric=lambda *a, **k: logged.append(("metric", a, k)),
    )
    assert isinstance(out, list) and len(out) == len(prompts), "one reward per completion"
    assert all(isinstance(x, float) for x in out), out
    return out


def user(text):
    return [{"role": "user", "content": text}]


TOOL_CALL = {"type": "function", "function": {"name": "calculator", "arguments": {"expression": "6*7"}}}


def tool_rollout(final):
    return [
        {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]},
        {"role": "tool", "name": "calculator", "content": "42"},
        {"role": "assistant", "content": final},
    ]


def test_tool_result_alone_earns_nothing():
    out = grpo_call(
        rlvr_reward,
        prompts=[user("What is 6*7? Use the calculator.")] * 2,
        completions=[tool_rollout("I could not finish."), tool_rollout("The answer is \\boxed{42}")],
        answer=["42", "42"],
    )
    assert out == [0.0, 1.0]


def test_answer_only_before_the_tool_call_does_not_count():
    completion = [
        {"role": "assistant", "content": "I think it is \\boxed{42}; checking.", "tool_calls": [TOOL_CALL]},
        {"role": "tool", "name": "calculator", "content": "42"},
        {"role": "assistant", "content": ""},
    ]
    assert grpo_call(rlvr_math, [user("6*7?")], [completion], answer=["42"]) == [0.0]
    all_turns = make_reward_func(domain="math", messages="assistant")
    assert grpo_call(all_turns, [user("6*7?")], [completion], answer=["42"]) == [1.0]


def test_plain_text_math_right_and_wrong():
    out = grpo_call(
        rlvr_reward,
        prompts=["What is 6*7?", "Half as a fraction?", "2+2?"],
        completions=["\\boxed{42}", "\\boxed{\\frac{1}{2}}", "\\boxed{5}"],
        answer=["42", "0.5", "4"],
    )
    assert out == [1.0, 1.0, 0.0]


def test_conversational_math_with_content_parts():
    completions = [
        [{"role": "assistant", "content": [{"type": "text", "text": "So the answer is "}, {"type": "text", "text": "\\boxed{42}"}]}],
        [{"role": "assistant", "content": "So the answer is \\boxed{41}"}],
    ]
    assert grpo_call(rlvr_math, [user("6*7?")] * 2, completions, solution=["42", "42"]) == [1.0, 0.0]


def test_code_domain_with_tests_column():
    completions = [cases.fenced(cases.ADD_STDIO), cases.fenced(cases.SUB_STDIO)]
    out = grpo_call(rlvr_code, ["Add two numbers."] * 2, completions, ground_truth=[cases.STDIO_TESTS] * 2)
    assert out == [1.0, 0.0]


def test_code_call_based_via_data_source_column():
    completions = [cases.fenced(cases.ADD_FN), cases.fenced(cases.ADD_FN_WRONG)]
    out = grpo_call(
        rlvr_reward,
        ["Write add(a, b)."] * 2,
        completions,
        ground_truth=[cases.ADD_CALL] * 2,
        data_source=["codecontests"] * 2,
    )
    assert out == [1.0, 0.0]


def test_logic_domain_countdown():
    # Reasoning Gym's countdown metadata: the expression is checked against the numbers and the
    # target (no stored answer needed).
    metadata = {"numbers": [25, 50, 75, 100, 3, 6], "target": 952}
    completions = [
        "<answer>((100 + 6) * 3 * 75 - 50) / 25</answer>",
        "<answer>(100 + 6) * 3 * 75 / 25 + 50</answer>",
    ]
    out = grpo_call(
        rlvr_logic,
        ["Using 25, 50, 75, 100, 3, 6 once each, make 952."] * 2,
        completions,
        task=["countdown"] * 2,
        metadata=[metadata] * 2,
    )
    assert out == [1.0, 0.0]


def test_unpickled_functions_still_score():
    for f in ALL + [make_reward_func(gold_column="final", domain="math")]:
        g = pickle.loads(pickle.dumps(f))
        assert isinstance(g, RewardFunc) and g.__name__ == f.__name__ and g.domain == f.domain
    g = pickle.loads(pickle.dumps(make_reward_func(gold_column="final", domain="math")))
    assert grpo_call(g, ["6*7?"], ["\\boxed{42}"], final=["42"]) == [1.0]


def test_names_differ_per_domain_as_trl_reads_them(trl_utils):
    names = [trl_utils.get_callable_name(f) for f in ALL]
    assert names == ["rlvr_reward", "rlvr_math", "rlvr_code", "rlvr_logic"]
    assert trl_utils.get_callable_name(make_reward_func(domain="code", name="my_code")) == "my_code"
    assert trl_utils.get_callable_name(make_reward_func(domain="math")) == "rlvr_math"


def test_trl_calls_them_synchronously(trl_utils):
    assert not any(trl_utils.is_async_callable(f) for f in ALL)


def test_empty_batch():
    assert rlvr_reward(prompts=[], completions=[]) == []
