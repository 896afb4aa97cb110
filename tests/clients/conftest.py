"""Shared fixtures: the live `rlvr serve` that tests/clients/run.sh started ($RLVR_URL)."""

from __future__ import annotations

import json
import os
import sys
import urllib.request

import pytest

import upstream

sys.path.insert(0, os.path.join(upstream.ROOT, "clients", "python"))


@pytest.fixture(scope="session")
def rlvr_url() -> str:
    url = os.environ.get("RLVR_URL")
    if not url:
        pytest.fail("RLVR_URL is not set: run tests/clients/run.sh, which starts `rlvr serve` and sets it")
    url = url.rstrip("/")
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as r:
            health = json.loads(r.read())
    except OSError as e:
        pytest.fail(f"rlvr serve is not answering at {url}: {e}")
    assert health.get("status") == "ok", health
    return url


@pytest.fixture(scope="session")
def run_code_url(rlvr_url: str) -> str:
    """What verl's `reward.sandbox_fusion.url` is set to."""
    return rlvr_url + "/run_code"


@pytest.fixture(scope="session")
def get_reward_url(rlvr_url: str) -> str:
    """What OpenRLHF's `--reward.remote_url` is set to."""
    return rlvr_url + "/get_reward"


@pytest.fixture(scope="session")
def client(rlvr_url: str):
    from rlvr_client import Client

    return Client(rlvr_url, timeout=120)
