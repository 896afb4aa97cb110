"""Score small batches through clients/python exactly as verl and TRL call reward functions.

Run against a live `rlvr serve`: RLVR_URL=http://127.0.0.1:PORT python3 tests/test_adapters.py
(tests/server_python.rs starts the server and runs this). Exits non-zero on the first failure.

Reward values are asserted exactly once the math verifier answers (a verdict other than
`error`); until then the script checks shapes, types and agreement with /v1/rewards and says
which exact-value checks it could not make.
"""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
URL = os.environ["RLVR_URL"]
PENDING = []


def load_like_verl(path, name):
    # verl's get_custom_reward_fn: spec_from_file_location("custom_module", path), exec, getattr.
    spec = importlib.util.spec_from_file_location("custom_module", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["custom_module"] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


def math_ready(client):
    r = client.rewards([{"response": "\\boxed{42}", "ground_truth": "42"}])[0]
    if r["verdict"] == "error":
        PENDING.append("exact math rewards (math verifier answers error: %s)" % r["reason"])
        return False
    return True


def test_verl(client, ready):
    compute_score = load_like_verl(os.path.join(ROOT, "rlvr_client", "verl.py"), "compute_score")
    # NaiveRewardManager: keyword arguments, one call per sample.
    rows = [
        ("openai/gsm8k", "The answer is \\boxed{42}.", "42", {"split": "train", "index": 0}, 1.0),
        ("openai/gsm8k", "So \\boxed{41}", "42", {"split": "train", "index": 1}, 0.0),
        ("lighteval/MATH", "\\boxed{\\frac{1}{2}}", "\\frac{1}{2}", None, 1.0),
        ("lighteval/MATH", "I don't know.", "7", None, 0.0),
    ]
    got = []
    for ds, sol, gt, extra in (r[:4] for r in rows):
        s = compute_score(data_source=ds, solution_str=sol, ground_truth=gt, extra_info=extra)
        assert isinstance(s, float) and 0.0 <= s <= 1.0, s
        got.append(s)
    # The same rows through /v1/rewards must agree.
    direct = client.score([{"data_source": d, "response": s, "ground_truth": g} for d, s, g, _, _ in rows])
    assert got == direct, (got, direct)
    if ready:
        assert got == [r[4] for r in rows], got

    batch = load_like_verl(os.path.join(ROOT, "rlvr_client", "verl.py"), "compute_score_batch")
    out = batch(
        data_sources=[r[0] for r in rows],
        solution_strs=[r[1] for r in rows],
        ground_truths=[r[2] for r in rows],
        extra_infos=[r[3] for r in rows],
    )
    assert out == got, (out, got)
    print("verl compute_score / compute_score_batch:", got)


def test_trl(ready):
    sys.path.insert(0, ROOT)
    from rlvr_client.trl import make_reward_func, rlvr_reward

    prompts = ["What is 6*7?", "What is 1/2 as a fraction?", "2+2?"]
    completions = ["\\boxed{42}", "\\boxed{\\frac{1}{2}}", "\\boxed{5}"]
    # GRPOTrainer._calculate_rewards: reward_func(prompts=..., completions=..., completion_ids=..., **columns)
    out = rlvr_reward(
        prompts=prompts,
        completions=completions,
        completion_ids=[[1, 2], [3], [4]],
        trainer_state=None,
        answer=["42", "\\frac{1}{2}", "4"],
    )
    assert isinstance(out, list) and len(out) == 3 and all(isinstance(x, float) for x in out), out
    if ready:
        assert out == [1.0, 1.0, 0.0], out
    conv = [[{"role": "assistant", "content": c}] for c in completions]
    f = make_reward_func(gold_column="solution", domain="math")
    out2 = f(prompts=[[{"role": "user", "content": p}] for p in prompts], completions=conv, solution=["42", "\\frac{1}{2}", "4"])
    assert out2 == out, (out2, out)
    assert rlvr_reward(prompts=[], completions=[]) == []
    print("TRL reward function:", out)


def test_trl_tools_names_pickle(ready):
    import pickle

    from rlvr_client.trl import RewardFunc, completion_text, make_reward_func, rlvr_code, rlvr_logic, rlvr_math, rlvr_reward

    # A tool-calling rollout as GRPOTrainer passes it: only the assistant's last message counts,
    # never the tool's output.
    call = {"type": "function", "function": {"name": "calculator", "arguments": {"expression": "6*7"}}}

    def rollout(final):
        return [
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "name": "calculator", "content": "42"},
            {"role": "assistant", "content": final},
        ]

    assert completion_text(rollout("I could not finish.")) == "I could not finish."
    assert completion_text(rollout("")) == ""
    assert completion_text(rollout("x"), messages="assistant") == "x"
    assert completion_text([{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]) == "ab"
    prompts = [[{"role": "user", "content": "6*7? Use the calculator."}]] * 2
    out = rlvr_reward(
        prompts=prompts,
        completions=[rollout("I could not finish."), rollout("The answer is \\boxed{42}")],
        completion_ids=[[1], [2]],
        trainer_state=None,
        answer=["42", "42"],
    )
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(x, float) for x in out), out
    if ready:
        assert out == [0.0, 1.0], out

    # One name per domain (TRL names reward columns by __name__), picklable, still scoring.
    funcs = [rlvr_reward, rlvr_math, rlvr_code, rlvr_logic]
    assert [f.__name__ for f in funcs] == ["rlvr_reward", "rlvr_math", "rlvr_code", "rlvr_logic"]
    assert make_reward_func(domain="code").__name__ == "rlvr_code"
    assert make_reward_func(name="mine").__name__ == "mine"
    for f in funcs + [make_reward_func(gold_column="final", domain="math")]:
        g = pickle.loads(pickle.dumps(f))
        assert isinstance(g, RewardFunc) and (g.__name__, g.domain, g.gold_column) == (f.__name__, f.domain, f.gold_column)
    from rlvr_client import Client

    g = pickle.loads(pickle.dumps(make_reward_func(gold_column="final", client=Client(URL))))
    out = g(prompts=["6*7?"], completions=["\\boxed{42}"], final=["42"])
    assert len(out) == 1 and (out == [1.0] or not ready), out
    print("TRL tools / names / pickling:", out)


def test_client_errors(client):
    from rlvr_client import Client, RlvrError

    try:
        client.request("POST", "/v1/rewards", {"items": "not a list"})
        raise AssertionError("expected a 400")
    except RlvrError as e:
        assert e.status == 400 and e.code == "invalid_request", (e.status, e.code)
    dead = Client("http://127.0.0.1:9", retries=1, backoff=0.01, timeout=2)
    try:
        dead.health()
        raise AssertionError("expected a connection failure")
    except RlvrError as e:
        assert "after 2 attempts" in str(e), e
    # Batching: 2,500 items in requests of 1,000, order kept.
    small = Client(URL, batch_size=1000)
    items = [{"id": i, "response": "\\boxed{%d}" % i, "ground_truth": str(i % 7)} for i in range(2500)]
    res = small.rewards(items)
    assert [r["id"] for r in res] == list(range(2500))
    print("client errors, retries, batching: ok")


def main():
    sys.path.insert(0, ROOT)
    from rlvr_client import Client

    client = Client(URL)
    assert client.health()["status"] == "ok"
    ready = math_ready(client)
    test_verl(client, ready)
    test_trl(ready)
    test_trl_tools_names_pickle(ready)
    test_client_errors(client)
    for p in PENDING:
        print("NOT CHECKED YET:", p)
    print("ok")


if __name__ == "__main__":
    main()
