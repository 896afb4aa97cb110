"""Version guard: the pinned releases are the ones installed, and the names our docs and server
rely on are still in their code. A release that renames one fails here with the name to look
for, before a reward test fails for a less obvious reason. Needs no server."""

from __future__ import annotations

import ast
import re

import pytest
import yaml

import upstream

PINNED = upstream.pinned()
UPSTREAM = ["verl", "openrlhf", "trl", "sandbox-fusion"]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def must_contain(dotted: str, *snippets: str, why: str) -> None:
    src = squash(upstream.read_source(dotted))
    for s in snippets:
        assert squash(s) in src, f"{dotted} no longer contains {s!r} ({why}); see docs/integrations.md"


@pytest.mark.parametrize("name", sorted(PINNED))
def test_installed_versions_are_the_pinned_ones(name):
    got = upstream.installed_version(name)
    assert got == PINNED[name], f"{name} {got} is installed, {PINNED[name]} is pinned in requirements.txt"


def test_the_four_clients_are_pinned():
    assert [n for n in UPSTREAM if n in PINNED] == UPSTREAM


# --- verl -----------------------------------------------------------------------------------


def test_verl_reward_config_keys():
    cfg = yaml.safe_load(upstream.read_source("verl/trainer/config/reward/reward.yaml"))
    assert set(cfg["sandbox_fusion"]) >= {"url", "max_concurrent", "memory_limit_mb"}, cfg["sandbox_fusion"]
    assert cfg["sandbox_fusion"]["max_concurrent"] == 64 and cfg["sandbox_fusion"]["memory_limit_mb"] == 1024
    assert set(cfg["custom_reward_function"]) >= {"path", "name"}, cfg["custom_reward_function"]
    assert cfg["custom_reward_function"]["name"] == "compute_score"
    assert cfg["reward_manager"]["name"] == "naive"
    # The full trainer config nests them under `reward` (what reward.x.y=z overrides address).
    full = yaml.safe_load(upstream.read_source("verl/trainer/config/_generated_ppo_trainer.yaml"))
    assert full["reward"]["sandbox_fusion"]["url"] is None
    assert full["reward"]["custom_reward_function"]["name"] == "compute_score"


def test_verl_loaders_read_those_keys():
    must_contain(
        "verl.trainer.ppo.reward",
        'config.reward.get("custom_reward_function")',
        'reward_fn_config.get("path")',
        'reward_fn_config.get("name")',
        'config.reward.get("sandbox_fusion")',
        'sandbox_config.get("url")',
        'sandbox_config.get("max_concurrent", 64)',
        "sandbox_fusion_url=sandbox_url",
        why="reward.custom_reward_function.{path,name} and reward.sandbox_fusion.url",
    )


def test_verl_reward_managers_have_no_batch():
    names = set()
    base = upstream.package_dir("verl") + "/experimental/reward_loop/reward_manager/"
    for fname in ("naive.py", "dapo.py", "gdpo.py", "remote.py", "limited.py"):
        with open(base + fname, encoding="utf-8") as f:
            names.update(re.findall(r'@register(?:_manager)?\("([a-z_]+)"\)', f.read()))
    assert "naive" in names, names
    assert "batch" not in names, "verl's reward loop has a batch manager again: document compute_score_batch"


def test_verl_naive_manager_calls_compute_score_with_keywords():
    must_contain(
        "verl.experimental.reward_loop.reward_manager.naive",
        "data_source=data_source,solution_str=response_str,ground_truth=ground_truth,extra_info=extra_info",
        "skip_special_tokens=True",
        why="our adapter's compute_score(data_source, solution_str, ground_truth, extra_info)",
    )


def test_verl_sandbox_fusion_request_and_defaults():
    src = upstream.read_source("verl.utils.reward_score.sandbox_fusion.utils")
    tree = ast.parse(src)
    keys = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "dumps" and node.args:
            if isinstance(node.args[0], ast.Dict):
                keys = {k.value for k in node.args[0].keys}
    assert keys == {"compile_timeout", "run_timeout", "code", "stdin", "memory_limit_MB", "language", "files", "fetch_files"}, keys
    must_contain(
        "verl.utils.reward_score.sandbox_fusion.utils",
        "request_timeout = compile_timeout + run_timeout + API_TIMEOUT",
        "max_workers=max(32, os.cpu_count() * 5)",
        'str(actual_output).rstrip("\\n") == str(expected_output).rstrip("\\n")',
        "if response.status_code == 504:",
        why="docs/integrations.md describes verl's request, timeout, retries and comparison",
    )
    must_contain(
        "verl.utils.reward_score",
        '["codecontests", "apps", "codeforces", "taco"]',
        why="the data sources verl sends to reward.sandbox_fusion.url",
    )


# --- OpenRLHF -------------------------------------------------------------------------------


def test_openrlhf_argument_names():
    src = upstream.read_source("openrlhf.cli.train_ppo_ray")
    for arg in ("--reward.remote_url", "--data.label_key", "--data.input_key", "--data.apply_chat_template"):
        assert re.search(r'add_argument\(\s*"%s"' % re.escape(arg), src), f"train_ppo_ray has no {arg} any more"
    assert 'args.reward.remote_url.split(",")' in src, "--reward.remote_url no longer takes a comma-separated list"


def test_openrlhf_payload_fields():
    src = upstream.read_source("openrlhf.utils.agent")
    tree = ast.parse(src)
    payloads = [
        {k.value for k in node.value.keys}
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(getattr(t, "id", "") == "payload" for t in node.targets)
        and isinstance(node.value, ast.Dict)
    ]
    assert payloads == [{"query", "prompts", "labels"}], f"OpenRLHF's reward request is now {payloads}"
    must_contain(
        "openrlhf.utils.agent",
        'rewards_info.get("scores")',
        'rewards_info.get("rewards")',
        'rewards_info.get("extra_logs")',
        "skip_special_tokens=False",
        "class SingleTurnAgentExecutor",
        why="the /get_reward answer fields and the decoded query",
    )
    must_contain("openrlhf.datasets.prompts_dataset", "label = \"\" if label_key is None else data[label_key]",
                 why="--data.label_key: the label is the dataset value as is")


# --- TRL ------------------------------------------------------------------------------------


def test_trl_reward_call_keywords():
    must_contain(
        "trl.trainer.grpo_trainer",
        "reward_func(prompts=prompts, completions=completions, completion_ids=completion_ids_list, **reward_kwargs)",
        'keys = [key for key in inputs[0] if key not in ["prompt", "completion", "completion_ids"]]',
        'reward_kwargs["trainer_state"] = self.state',
        'reward_kwargs["log_extra"]',
        'reward_kwargs["log_metric"]',
        "self.reward_func_names.append(get_callable_name(reward_funcs[i]))",
        why="how GRPOTrainer calls and names a reward function (tests/clients/test_trl.py mirrors it)",
    )
    must_contain(
        "trl.trainer.grpo_trainer",
        'tool_message = {"role": "tool", "name": name, "content": content}',
        "completions[idx_with_tool].append(tool_message)",
        why="tool results are appended to the completion as role=tool messages",
    )


# --- sandbox-fusion client --------------------------------------------------------------------


def test_sandbox_fusion_client_request_and_url():
    from sandbox_fusion import RunCodeRequest

    fields = set(RunCodeRequest.__fields__)
    assert fields == {"compile_timeout", "run_timeout", "code", "stdin", "language", "files", "fetch_files"}, fields
    must_contain(
        "sandbox_fusion.client",
        "f'{trim_slash(endpoint or config.SANDBOX_ENDPOINT)}/run_code'",
        "def set_endpoint(endpoint: str):",
        why="run_code appends /run_code to the base URL set by set_endpoint",
    )
    must_contain("sandbox_fusion.config", "os.environ.get('SANDBOX_FUSION_ENDPOINT'", why="the env variable")
