"""The in-process package: every domain, bad items, order, threads, fork and spawn workers,
pickling, and the verl / TRL adapters called with the arguments those frameworks pass."""

import multiprocessing as mp
import pickle
import threading

import pytest

import rlvr
from rlvr import trl as rtrl
from rlvr import verl as rverl

FENCE = "```python\n{}\n```"


def mixed(n):
    """n items over every domain, with known rewards."""
    out = []
    for i in range(n):
        k = i % 6
        if k == 0:
            out.append(({"id": i, "response": f"so \\boxed{{{i}}}", "ground_truth": str(i)}, 1.0))
        elif k == 1:
            out.append(({"id": i, "response": f"The answer is {i + 1}.", "ground_truth": str(i)}, 0.0))
        elif k == 2:
            out.append(({"id": i, "domain": "stem", "response": "Answer: B", "ground_truth": "15 m",
                         "options": ["12 m", "15 m"]}, 1.0))
        elif k == 3:
            out.append(({"id": i, "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}],
                         "prompt": "p", "response": "no commas here"}, 1.0))
        elif k == 4:
            out.append(({"id": i, "task": "countdown", "response": "<answer>3 + 4</answer>",
                         "metadata": {"numbers": [3, 4], "target": 7}}, None))
        else:
            out.append(({"id": i, "domain": "alchemy", "response": "x", "ground_truth": "1"}, 0.0))
    return out


def test_every_domain_and_errors():
    code = {"domain": "code", "response": FENCE.format("print(int(input()) * 2)"),
            "ground_truth": {"inputs": ["2\n"], "outputs": ["4\n"]}}
    wrong_code = dict(code, response=FENCE.format("print(0)"))
    items = [code, wrong_code] + [i for i, _ in mixed(6)]
    got = rlvr.score(items)
    assert [g["reward"] for g in got[:2]] == [1.0, 0.0]
    assert got[2]["verdict"] == "correct"
    assert got[3]["verdict"] == "incorrect"
    assert got[4]["reward"] == 1.0  # stem
    assert got[5]["reward"] == 1.0  # ifeval, routed without a domain
    assert got[6]["verdict"] in ("correct", "incorrect")  # logic
    assert got[7]["verdict"] == "error" and "alchemy" in got[7]["reason"]
    assert [g["id"] for g in got[2:]] == list(range(6))


def test_a_bad_item_is_an_error_verdict_never_an_exception():
    got = rlvr.score([{"id": 1}, {"id": 2, "response": 5, "ground_truth": "1"},
                      {"id": 3, "response": "\\boxed{1}", "ground_truth": "1"}])
    assert [g["verdict"] for g in got] == ["error", "error", "correct"]
    got = rlvr.score(["not a dict", {"id": 9, "response": object(), "ground_truth": "1"},
                      {"response": "\\boxed{2}", "ground_truth": "2"}])
    assert [g["verdict"] for g in got] == ["error", "error", "correct"]
    assert "not a dict" in got[0]["reason"] and got[1]["id"] == 9 and "object" in got[1]["reason"]


def test_samples_and_detail():
    got = rlvr.score([{"id": "p", "responses": ["\\boxed{2}", "\\boxed{3}"], "ground_truth": "2"}],
                     detail=True)
    assert [(g["sample"], g["reward"]) for g in got] == [(0, 1.0), (1, 0.0)]
    assert got[0]["detail"]["rule"] == "boxed"
    assert "detail" not in rlvr.score([{"response": "\\boxed{2}", "ground_truth": "2"}])[0]


def test_lenient():
    item = {"response": "I get 12 apples", "ground_truth": "12"}
    assert rlvr.score([item])[0]["verdict"] == "no_answer"
    assert rlvr.score([item], lenient=True)[0]["reward"] == 1.0
    assert rlvr.math.verify("I get 12 apples", "12", lenient=True) == 1.0


def strip_times(vs):
    return [{k: v for k, v in g.items() if k != "elapsed_us"} for g in vs]


def test_sixteen_threads_equal_a_serial_run():
    items = [i for i, _ in mixed(1000)]
    serial = strip_times(rlvr.score(items, jobs=1))
    results = [None] * 16

    def run(k):
        results[k] = strip_times(rlvr.score(items, jobs=2))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == serial for r in results)


def _worker(items):
    return strip_times(rlvr.score(items))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_workers(method):
    items = [i for i, _ in mixed(60) if i.get("task") is None]
    expected = strip_times(rlvr.score(items))  # the parent has used the engine first
    ctx = mp.get_context(method)
    with ctx.Pool(2) as pool:
        got = pool.map(_worker, [items[:30], items[30:]])
    assert got[0] + got[1] == expected


def test_spawned_worker_runs_code():
    code = {"domain": "code", "response": FENCE.format("print(sum(map(int, input().split())))"),
            "ground_truth": {"inputs": ["1 2\n"], "outputs": ["3\n"]}}
    with mp.get_context("spawn").Pool(1) as pool:
        got = pool.map(_worker, [[code]])
    assert got[0][0]["reward"] == 1.0


def test_trl_functions_as_grpo_calls_them_and_pickle():
    completions = [
        [{"role": "assistant", "content": "", "tool_calls": [{"name": "calc"}]},
         {"role": "tool", "content": "42"},
         {"role": "assistant", "content": "I could not finish."}],
        [{"role": "assistant", "content": "The answer is \\boxed{42}"}],
    ]
    kwargs = dict(prompts=[[{"role": "user", "content": "6*7?"}]] * 2, completions=completions,
                  completion_ids=[[1], [2]], trainer_state=None, log_extra=None, log_metric=None,
                  answer=["42", "42"])
    assert rtrl.rlvr_reward(**kwargs) == [0.0, 1.0]
    names = {f.__name__ for f in (rtrl.rlvr_reward, rtrl.rlvr_math, rtrl.rlvr_code, rtrl.rlvr_logic,
                                  rtrl.rlvr_ifeval, rtrl.rlvr_stem)}
    assert len(names) == 6
    again = pickle.loads(pickle.dumps(rtrl.rlvr_math))
    assert again.__name__ == "rlvr_math" and again(**kwargs) == [0.0, 1.0]


def test_verl_adapter_with_verls_arguments_and_pickle():
    assert rverl.compute_score(data_source="openai/gsm8k", solution_str="... #### 72",
                               ground_truth="72", extra_info={"index": 0, "num_turns": None}) == 1.0
    assert rverl.compute_score("codecontests", FENCE.format("def add(a, b):\n    return a + b"),
                               '{"fn_name": "add", "inputs": ["1\\n2"], "outputs": ["3"]}') == 1.0
    assert rverl.compute_score_batch(["math", "math"], ["\\boxed{1}", "\\boxed{2}"], ["1", "1"],
                                     [None, None]) == [1.0, 0.0]
    assert pickle.loads(pickle.dumps(rverl.compute_score)) is rverl.compute_score


def test_ctrl_c_stops_a_long_batch_promptly():
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import rlvr, sys\n"
        "items = [{'response': '\\\\boxed{%d}' % i, 'ground_truth': str(i)} for i in range(400000)]\n"
        "print('ready', flush=True)\n"
        "rlvr.score(items, jobs=1)\n"
        "print('finished', flush=True)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    start = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert time.monotonic() - start < 5, "Ctrl-C took too long"
    assert "finished" not in out
    assert "KeyboardInterrupt" in err


def test_typed_helpers_and_openrlhf_signature():
    assert rlvr.code.verify(FENCE.format("print(input()[::-1])"), {"tests": [{"stdin": "ab\n", "stdout": "ba\n"}]}) == 1.0
    r = rlvr.code.result(FENCE.format("print(1)"), {"tests": [{"stdin": "", "stdout": "2\n"}]})
    assert r["reward"] == 0.0 and r["detail"]["tests"][0]["status"] == "wrong_answer"
    assert rlvr.logic.verify("countdown", "<answer>3 + 4</answer>", {"numbers": [3, 4], "target": 7}) in (0.0, 1.0)
    assert rlvr.ifeval.verify("no commas", ["punctuation:no_comma"], [None]) == 1.0
    assert rlvr.ifeval.verify("a, b", ["punctuation:no_comma"], [{}]) == 0.0
    out = rlvr.openrlhf.reward_func(
        queries=["Q: 6*7? The answer is 42.<|im_end|>", "Q: 6*7? \\boxed{41}",
                 'Q: code ```python\nprint(2)\n```'],
        prompts=["Q: 6*7? ", "Q: 6*7? ", "Q: code "],
        labels=["42", "42", '{"domain": "code", "ground_truth": {"inputs": [""], "outputs": ["2"]}}'],
    )
    assert out["rewards"] == [1.0, 0.0, 1.0] and out["scores"] == out["rewards"]
    assert out["extra_logs"]["error"] == [0.0, 0.0, 0.0]
