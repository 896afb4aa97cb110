"""verl 0.9.1's own reward code against a live `rlvr serve`.

Three paths, each through verl's functions:
* verl's SandboxFusion scorer, `verl.utils.reward_score.sandbox_fusion.compute_score`, with
  `reward.sandbox_fusion.url` = our /run_code (verl writes the call-based wrapper itself and
  compares `stdout.rstrip("\\n")` with the expected output);
* `verl.utils.reward_score.default_compute_score`, the function verl uses when no custom reward
  function is set, and `verl.trainer.ppo.reward.load_reward_manager`, which builds it from the
  config (semaphore from a multiprocessing.Manager, memory_limit_mb);
* `verl.trainer.ppo.reward.get_custom_reward_fn`, loading OUR adapter
  clients/python/rlvr_client/verl.py from `reward.custom_reward_function.{path,name}`, called
  with the keywords verl's naive reward manager passes.

verl/__init__.py imports torch (via verl.protocol), so the packages are registered bare (see
upstream.py). trainer/ppo/reward.py does `from verl import DataProto` at the top and uses it
only in extract_reward(), which is not called: the bare `verl` gets a placeholder for it.
"""

from __future__ import annotations

import json
import os
import sys

import pytest
from omegaconf import OmegaConf

import cases
import upstream

HERE = os.path.dirname(os.path.abspath(__file__))
ADAPTER = os.path.join(upstream.ADAPTERS, "verl.py")


class _DataProtoNotLoaded:
    """Stands in for verl.DataProto (torch); nothing here constructs one."""

    def __init__(self, *a, **k):
        raise RuntimeError("verl.DataProto needs torch and is not used by these tests")


def _verl(dotted):
    module = upstream.import_light(dotted, upstream.VERL_BARE)
    return module


@pytest.fixture(scope="module")
def sf():
    return _verl("verl.utils.reward_score.sandbox_fusion")


@pytest.fixture(scope="module")
def reward_score():
    return _verl("verl.utils.reward_score")


@pytest.fixture(scope="module")
def ppo_reward():
    upstream.import_light("verl.utils.reward_score", upstream.VERL_BARE)
    verl = sys.modules["verl"]
    if not hasattr(verl, "DataProto"):
        verl.DataProto = _DataProtoNotLoaded
    return upstream.import_light("verl.trainer.ppo.reward", upstream.VERL_BARE)


def verl_config(*overrides: str):
    """verl's own reward config (trainer/config/reward/reward.yaml) under `reward`, with
    command-line style overrides, as `python -m verl.trainer.main_ppo reward.x.y=z` gives."""
    reward = OmegaConf.create(upstream.read_source("verl/trainer/config/reward/reward.yaml"))
    cfg = OmegaConf.create({"reward": reward})
    return OmegaConf.merge(cfg, OmegaConf.from_dotlist(list(overrides)))


@pytest.fixture(scope="module")
def adapter_fn(ppo_reward):
    cfg = verl_config(
        f"reward.custom_reward_function.path={ADAPTER}",
        "reward.custom_reward_function.name=compute_score",
    )
    fn = ppo_reward.get_custom_reward_fn(cfg)
    assert fn is not None, "get_custom_reward_fn ignored reward.custom_reward_function.path"
    return fn


def naive_call(fn, data_source, response, ground_truth, extra_info=None):
    """What verl 0.9.1's NaiveRewardManager.run_single passes (keywords only; it always adds
    num_turns and rollout_reward_scores to extra_info)."""
    extra = dict(extra_info or {})
    extra["num_turns"] = None
    extra["rollout_reward_scores"] = {}
    return fn(data_source=data_source, solution_str=response, ground_truth=ground_truth, extra_info=extra)


def score(sf, url, response, tests, memory_limit_mb=1024):
    """verl's SandboxFusion scorer exactly as default_compute_score calls it (continuous=True)."""
    return sf.compute_score(url, None, memory_limit_mb, response, tests, continuous=True)


# --- verl's SandboxFusion scorer against /run_code ---------------------------------------------


def test_sandbox_fusion_stdio_right_wrong_partial(sf, run_code_url):
    s, meta = score(sf, run_code_url, cases.fenced(cases.ADD_STDIO), cases.STDIO_TESTS)
    assert s == 1.0, meta
    s, meta = score(sf, run_code_url, cases.fenced(cases.SUB_STDIO), cases.STDIO_TESTS)
    assert s == 0.0 and [m["status"] for m in meta] == ["wrong_answer"] * 2, meta
    half = {"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "8\n"]}
    s, meta = score(sf, run_code_url, cases.fenced(cases.ADD_STDIO), json.dumps(half))
    assert s == 0.5, meta


def test_sandbox_fusion_no_fence_is_zero_without_a_request(sf, run_code_url):
    s, meta = score(sf, run_code_url, cases.ADD_STDIO, cases.STDIO_TESTS)
    assert s == 0.0 and "missing code block" in meta[0]["error"]


def test_sandbox_fusion_call_based_add(sf, run_code_url):
    s, meta = score(sf, run_code_url, cases.fenced(cases.ADD_FN), dict(cases.ADD_CALL))
    assert s == 1.0, [(m["status"], m["stdout"], m["stderr"]) for m in meta]
    s, meta = score(sf, run_code_url, cases.fenced(cases.ADD_FN_WRONG), json.dumps(cases.ADD_CALL))
    assert s == 0.0, meta


def test_sandbox_fusion_call_based_solution_class(sf, run_code_url):
    s, meta = score(sf, run_code_url, cases.fenced(cases.ADD_SOLUTION_CLASS), dict(cases.ADD_CALL))
    assert s == 1.0, [(m["status"], m["stdout"], m["stderr"]) for m in meta]


def test_sandbox_fusion_large_single_write(sf, run_code_url):
    tests = {"inputs": [""], "outputs": ["x" * cases.BIG]}
    s, meta = score(sf, run_code_url, cases.fenced(cases.BIG_WRITE), tests)
    got = len(meta[0].get("stdout") or "")
    assert s == 1.0, f"{meta[0]['status']}: stdout {got:,} of {cases.BIG:,} characters"


def test_sandbox_fusion_large_os_write(sf, run_code_url):
    tests = {"inputs": [""], "outputs": ["y" * cases.OS_BIG]}
    s, meta = score(sf, run_code_url, cases.fenced(cases.OS_WRITE), tests)
    got = len(meta[0].get("stdout") or "")
    assert s == 1.0, f"{meta[0]['status']}: stdout {got:,} of {cases.OS_BIG:,} characters"


def test_sandbox_fusion_over_the_output_cap_scores_zero_with_a_reason(sf, run_code_url):
    tests = {"inputs": [""], "outputs": ["z" * cases.OVER_CAP]}
    s, meta = score(sf, run_code_url, cases.fenced(cases.OVER_CAP_WRITE), tests)
    assert s == 0.0, "an output over the cap was accepted"
    m = meta[0]
    assert m["status"] == "runtime_error", m["status"]
    assert "output limit" in (m["stderr"] or "").lower(), (m["stderr"] or "")[-300:]


def test_sandbox_fusion_competitive_programming_thread(sf, run_code_url):
    tests = {"inputs": [f"{cases.DEPTH}\n"], "outputs": [f"{cases.DEPTH}\n"]}
    s, meta = score(sf, run_code_url, cases.fenced(cases.CP_THREADING), tests)
    assert s == 1.0, (meta[0]["status"], (meta[0]["stderr"] or "")[-500:])


def test_sandbox_fusion_numpy_is_module_not_found(sf, run_code_url):
    tests = {"inputs": [""], "outputs": ["0.0\n"]}
    s, meta = score(sf, run_code_url, cases.fenced(cases.NUMPY), tests)
    assert s == 0.0
    assert meta[0]["status"] == "runtime_error", meta[0]["status"]
    assert "ModuleNotFoundError" in (meta[0]["stderr"] or ""), meta[0]["stderr"]


# --- default_compute_score and the loader verl builds it with ---------------------------------


@pytest.mark.parametrize("data_source", ["codecontests", "apps", "codeforces", "taco"])
def test_default_compute_score_routes_code_to_the_sandbox_url(reward_score, run_code_url, data_source):
    f = reward_score.default_compute_score
    right = f(data_source, cases.fenced(cases.ADD_STDIO), cases.STDIO_TESTS, sandbox_fusion_url=run_code_url)
    wrong = f(data_source, cases.fenced(cases.SUB_STDIO), cases.STDIO_TESTS, sandbox_fusion_url=run_code_url)
    assert (right, wrong) == (1.0, 0.0)


def test_default_compute_score_call_based(reward_score, run_code_url):
    f = reward_score.default_compute_score
    gt = json.dumps(cases.ADD_CALL)  # verl datasets store the tests as a JSON string
    assert f("codecontests", cases.fenced(cases.ADD_FN), gt, sandbox_fusion_url=run_code_url) == 1.0
    assert f("codecontests", cases.fenced(cases.ADD_FN_WRONG), gt, sandbox_fusion_url=run_code_url) == 0.0
    assert f("codecontests", cases.fenced(cases.ADD_SOLUTION_CLASS), gt, sandbox_fusion_url=run_code_url) == 1.0


def test_load_reward_manager_builds_the_sandbox_scorer_from_config(ppo_reward, run_code_url):
    # No custom function, reward.sandbox_fusion.url set: verl wraps default_compute_score with
    # the URL, a Manager semaphore of reward.sandbox_fusion.max_concurrent and memory_limit_mb.
    cfg = verl_config(
        f"reward.sandbox_fusion.url={run_code_url}",
        "reward.reward_manager.source=importlib",
        f"reward.reward_manager.module.path={os.path.join(HERE, 'verl_capture_manager.py')}",
        "reward.reward_manager.name=CaptureRewardManager",
    )
    manager = ppo_reward.load_reward_manager(cfg, tokenizer=None)
    fn = manager.compute_score
    assert fn.keywords["sandbox_fusion_url"] == run_code_url
    assert fn.keywords["memory_limit_mb"] == 1024
    assert naive_call(fn, "codecontests", cases.fenced(cases.ADD_STDIO), cases.STDIO_TESTS) == 1.0
    assert naive_call(fn, "codecontests", cases.fenced(cases.SUB_STDIO), cases.STDIO_TESTS) == 0.0
    assert naive_call(fn, "codecontests", cases.fenced(cases.ADD_FN), json.dumps(cases.ADD_CALL)) == 1.0


# --- OUR adapter, loaded by verl's get_custom_reward_fn ------------------------------------------


def test_custom_reward_function_keys_load_our_adapter(ppo_reward, adapter_fn):
    cfg = verl_config(
        f"reward.custom_reward_function.path={ADAPTER}",
        "reward.custom_reward_function.name=compute_score",
        "reward.custom_reward_function.reward_kwargs.unused_option=1",
    )
    fn = ppo_reward.get_custom_reward_fn(cfg)
    # reward_kwargs are merged into every call: the adapter must accept unknown keywords.
    assert naive_call(fn, "openai/gsm8k", "so \\boxed{42}", "42") == 1.0
    assert naive_call(adapter_fn, "openai/gsm8k", "so \\boxed{41}", "42") == 0.0


@pytest.mark.parametrize(
    "data_source,response,ground_truth,expected",
    [
        ("openai/gsm8k", "6*12 = 72.\n#### 72", "72", 1.0),
        ("openai/gsm8k", "6*12 = 71.\n#### 71", "72", 0.0),
        ("lighteval/MATH", "so $\\boxed{\\frac{1}{2}}$", "\\frac{1}{2}", 1.0),
        ("lighteval/MATH", "so $\\boxed{\\frac{1}{3}}$", "\\frac{1}{2}", 0.0),
        ("math_dapo", "Answer: 12", "12", 1.0),
    ],
)
def test_math_agrees_with_verl_default(reward_score, adapter_fn, data_source, response, ground_truth, expected):
    theirs = reward_score.default_compute_score(data_source, response, ground_truth)
    theirs = theirs["score"] if isinstance(theirs, dict) else theirs
    ours = naive_call(adapter_fn, data_source, response, ground_truth)
    assert (1.0 if theirs > 0 else 0.0) == expected, f"verl's own scorer gave {theirs}"
    assert ours == expected


def test_math_equivalence_beyond_string_match(reward_score, adapter_fn):
    # verl's lighteval/MATH scorer compares normalized strings; rlvr decides equivalence.
    assert reward_score.default_compute_score("lighteval/MATH", "\\boxed{\\frac{2}{4}}", "\\frac{1}{2}") == 0.0
    assert naive_call(adapter_fn, "lighteval/MATH", "\\boxed{\\frac{2}{4}}", "\\frac{1}{2}") == 1.0


@pytest.mark.parametrize("data_source", ["codecontests", "apps", "taco", "codeforces"])
def test_adapter_stdio_code(adapter_fn, data_source):
    assert naive_call(adapter_fn, data_source, cases.fenced(cases.ADD_STDIO), cases.STDIO_TESTS) == 1.0
    assert naive_call(adapter_fn, data_source, cases.fenced(cases.SUB_STDIO), json.dumps(cases.STDIO_TESTS)) == 0.0


@pytest.mark.parametrize("as_json", [False, True], ids=["dict", "json-string"])
def test_adapter_call_based_add(adapter_fn, as_json):
    gt = json.dumps(cases.ADD_CALL) if as_json else dict(cases.ADD_CALL)
    assert naive_call(adapter_fn, "codecontests", cases.fenced(cases.ADD_FN), gt) == 1.0
    assert naive_call(adapter_fn, "codecontests", cases.fenced(cases.ADD_FN_WRONG), gt) == 0.0


def test_adapter_call_based_solution_class(adapter_fn):
    gt = json.dumps(cases.ADD_CALL)
    assert naive_call(adapter_fn, "apps", cases.fenced(cases.ADD_SOLUTION_CLASS), gt) == 1.0


def test_adapter_large_single_write(adapter_fn):
    gt = {"inputs": [""], "outputs": ["x" * cases.BIG]}
    assert naive_call(adapter_fn, "codecontests", cases.fenced(cases.BIG_WRITE), gt) == 1.0


def test_adapter_competitive_programming_thread(adapter_fn):
    gt = {"inputs": [f"{cases.DEPTH}\n"], "outputs": [f"{cases.DEPTH}\n"]}
    assert naive_call(adapter_fn, "codecontests", cases.fenced(cases.CP_THREADING), gt) == 1.0


def test_adapter_numpy_scores_zero_and_says_why(adapter_fn, client):
    gt = {"inputs": [""], "outputs": ["0.0\n"]}
    response = cases.fenced(cases.NUMPY)
    assert naive_call(adapter_fn, "codecontests", response, gt) == 0.0
    verdict = client.rewards([{"data_source": "codecontests", "response": response, "ground_truth": gt}], detail=True)
    assert "ModuleNotFoundError" in json.dumps(verdict), verdict
