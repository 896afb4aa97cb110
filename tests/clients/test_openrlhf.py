"""OpenRLHF 0.11.2's remote-reward path against rlvr's POST /get_reward.

`--reward.remote_url URL` makes every vLLM rollout actor build
`openrlhf.utils.agent.SingleTurnAgentExecutor(URL)`. After generating, its `execute()` decodes
prompt + response tokens with `skip_special_tokens=False` (so the end-of-turn token is in the
text) and `_fetch_rewards_via_http` posts `{"query": [..], "prompts": [..], "labels": [..]}`
(one sample per request; several comma-separated URLs shard a batch) with aiohttp, 180 s
timeout, 5 tries. It reads `scores` (else `rewards`) and `extra_logs` from the answer.

The tests drive execute() with a stand-in tokenizer (one token per character, decoded back
verbatim) and a stand-in vLLM engine that "generates" a fixed response; the HTTP request, the
payload and the reading of the answer are OpenRLHF's own code. The label is whatever the
dataset's `--data.label_key` column holds (`preprocess_data` returns `data[label_key]`).
"""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from types import SimpleNamespace

import pytest

import cases
import upstream

PROMPT = "<|im_start|>user\nWhat is 6*7? Put the final answer last.<|im_end|>\n<|im_start|>assistant\n"
GSM_PROMPT = "<|im_start|>user\nNatalia sold 48 clips in April and half as many in May. Total?<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="module")
def agent():
    # openrlhf/utils/__init__.py imports utils.utils (torch); agent.py needs only aiohttp.
    return upstream.import_light("openrlhf.utils.agent", upstream.OPENRLHF_BARE)


class CharTokenizer:
    """One token per character; decode gives the text back, special tokens included."""

    def __init__(self):
        self.decode_calls = []

    def __call__(self, text, add_special_tokens=False, return_tensors=None):
        return {"input_ids": [SimpleNamespace(tolist=lambda: [ord(c) for c in text])]}

    def decode(self, ids, skip_special_tokens=True):
        self.decode_calls.append(skip_special_tokens)
        return "".join(chr(i) for i in ids)


class FixedEngine:
    """A vLLM engine stand-in that answers every prompt with `response`."""

    def __init__(self, response):
        self.response = response

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        ids = [ord(c) for c in self.response]
        out = SimpleNamespace(token_ids=ids, text=self.response, finish_reason="stop", logprobs=None)
        return SimpleNamespace(outputs=[out])


def rollout(agent, url, prompt, response, label):
    """One OpenRLHF single-turn rollout scored by the remote reward URL; returns its output."""
    tok = CharTokenizer()
    executor = agent.SingleTurnAgentExecutor(url)
    params = SimpleNamespace(max_tokens=len(response) + 16, logprobs=None)
    out = asyncio.run(
        executor.execute(prompt, label, params, max_length=100_000, hf_tokenizer=tok, llm_engine=FixedEngine(response))
    )
    assert tok.decode_calls == [False], "OpenRLHF no longer decodes the query with special tokens"
    assert out["reward"] is not None, "the reward request failed (OpenRLHF logs and leaves reward None)"
    return out


def reward(agent, url, prompt, response, label):
    """The sample's reward as OpenRLHF keeps it: the answer's `rewards` list for this one
    sample (samples_generator makes it torch.tensor([reward]))."""
    out = rollout(agent, url, prompt, response, label)
    rewards, scores = out["reward"], out["scores"]
    assert isinstance(rewards, list) and len(rewards) == 1, rewards
    assert scores == rewards, (scores, rewards)
    return rewards[0]


# --- end-of-turn tokens stay in the query; the server must read past them ------------------------


END_TOKENS = ["<|im_end|>", "<|endoftext|>", "</s>", "<|eot_id|>", "<｜end▁of▁sentence｜>"]


@pytest.mark.parametrize("eot", END_TOKENS)
def test_answer_followed_by_end_token(agent, get_reward_url, eot):
    assert reward(agent, get_reward_url, PROMPT, f"6*7 is 42. The answer is 42.{eot}", "42") == 1.0
    assert reward(agent, get_reward_url, PROMPT, f"6*7 is 41. The answer is 41.{eot}", "42") == 0.0


def test_gsm8k_hashes_with_im_end(agent, get_reward_url):
    response = "In May she sold 48/2 = 24 clips, so 48+24 = 72 in all.\n#### 72<|im_end|>"
    assert reward(agent, get_reward_url, GSM_PROMPT, response, "72") == 1.0
    wrong = "In May she sold 48*2 = 96 clips, so 48+96 = 144 in all.\n#### 144<|im_end|>"
    assert reward(agent, get_reward_url, GSM_PROMPT, wrong, "72") == 0.0


def test_boxed_math_right_and_wrong(agent, get_reward_url):
    assert reward(agent, get_reward_url, PROMPT, "So \\boxed{\\frac{84}{2}}<|im_end|>", "42") == 1.0
    assert reward(agent, get_reward_url, PROMPT, "So \\boxed{43}<|im_end|>", "42") == 0.0


def test_code_label_as_dataset_object(agent, get_reward_url):
    # A JSONL dataset whose --data.label_key column holds an object: OpenRLHF sends it as is.
    label = {"domain": "code", "ground_truth": cases.STDIO_TESTS}
    assert reward(agent, get_reward_url, PROMPT, cases.fenced(cases.ADD_STDIO) + "<|im_end|>", label) == 1.0
    assert reward(agent, get_reward_url, PROMPT, cases.fenced(cases.SUB_STDIO) + "<|im_end|>", label) == 0.0


def test_code_label_as_json_string(agent, get_reward_url):
    label = json.dumps({"domain": "code", "ground_truth": cases.ADD_CALL})
    assert reward(agent, get_reward_url, PROMPT, cases.fenced(cases.ADD_FN) + "<|im_end|>", label) == 1.0
    assert reward(agent, get_reward_url, PROMPT, cases.fenced(cases.ADD_FN_WRONG) + "<|im_end|>", label) == 0.0


def test_extra_logs_reach_openrlhf(agent, get_reward_url):
    out = rollout(agent, get_reward_url, PROMPT, "The answer is 42.<|im_end|>", "42")
    assert isinstance(out["extra_logs"], dict) and out["extra_logs"], out["extra_logs"]
    for key, values in out["extra_logs"].items():
        # samples_generator turns each into torch.tensor([value]): one number per sample.
        assert isinstance(values, list) and len(values) == 1, (key, values)
        assert isinstance(values[0], (int, float)), (key, values)


# --- the batch path and sharding over several URLs ---------------------------------------------


def test_fetch_rewards_batch_sharded_over_two_urls(agent, get_reward_url):
    executor = agent.SingleTurnAgentExecutor([get_reward_url, get_reward_url])
    prompts = [PROMPT] * 4
    responses = ["\\boxed{42}<|im_end|>", "\\boxed{41}<|im_end|>", "#### 42<|im_end|>", "no idea</s>"]
    queries = [p + r for p, r in zip(prompts, responses)]
    shards = asyncio.run(executor._fetch_rewards_via_http(queries, prompts, ["42"] * 4))
    assert len(shards) == 2
    rewards = [r for shard in shards for r in shard["rewards"]]
    assert rewards == [1.0, 0.0, 1.0, 0.0]
    assert [s for shard in shards for s in shard["scores"]] == rewards


# --- what OpenRLHF puts on the wire (guards the fields the server relies on) ---------------------


class _Capture(http.server.BaseHTTPRequestHandler):
    bodies: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Capture.bodies.append((self.path, self.headers.get("Content-Type"), json.loads(body)))
        answer = json.dumps({"rewards": [0.5], "scores": [0.25], "extra_logs": {"x": [1.0]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_request_fields_openrlhf_sends(agent):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d/get_reward" % server.server_address[1]
        out = rollout(agent, url, PROMPT, "The answer is 42.<|im_end|>", "42")
    finally:
        server.shutdown()
        server.server_close()
    (path, ctype, body), = _Capture.bodies
    assert path == "/get_reward" and ctype.startswith("application/json")
    assert set(body) == {"query", "prompts", "labels"}, f"OpenRLHF now sends {sorted(body)}"
    assert body["query"] == [PROMPT + "The answer is 42.<|im_end|>"]
    assert body["prompts"] == [PROMPT] and body["labels"] == ["42"]
    # It takes `rewards` for the reward, `scores` (else `rewards`) for the score, and extra_logs.
    assert (out["reward"], out["scores"], out["extra_logs"]) == ([0.5], [0.25], {"x": [1.0]})
