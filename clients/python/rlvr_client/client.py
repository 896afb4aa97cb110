"""HTTP client for `rlvr serve` (one server or several replicas), standard library only.

One `Client` keeps one persistent HTTP/1.1 connection per thread (keep-alive), splits large
batches into requests of `batch_size` items, retries connection failures and 429/502/503/504
answers (honouring `Retry-After`) with exponential backoff, and bounds every request with a
socket timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import urllib.parse
from typing import Any, Sequence

DEFAULT_URL = "http://127.0.0.1:8000"
RETRY_STATUSES = {429, 502, 503, 504}


class RlvrError(RuntimeError):
    """The server refused a request (4xx) or could not be reached after all retries."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class _Endpoint:
    """One server: its address and one kept-alive connection per thread."""

    def __init__(self, url: str, timeout: float):
        parsed = urllib.parse.urlsplit(url if "://" in url else "http://" + url)
        if parsed.scheme not in ("http", "https"):
            raise ValueError(f"unsupported URL scheme in {url!r}")
        self.url = url
        self.https = parsed.scheme == "https"
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or (443 if self.https else 80)
        self.prefix = parsed.path.rstrip("/")
        self.timeout = timeout
        self.local = threading.local()

    def conn(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            conn = cls(self.host, self.port, timeout=self.timeout)
            self.local.conn = conn
        return conn

    def drop(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.close()
            self.local.conn = None

    def exchange_once(self, method, path, body, headers):
        conn = self.conn()
        conn.request(method, self.prefix + path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.getheader("Connection", "").lower() == "close":
            self.drop()
        return resp, data

    def exchange(self, method, path, body, headers):
        reused = getattr(self.local, "conn", None) is not None
        try:
            return self.exchange_once(method, path, body, headers)
        except (OSError, http.client.HTTPException) as e:
            self.drop()
            if not reused or isinstance(e, TimeoutError):
                raise
        # The server closes kept-alive connections idle past its --header-timeout-s (default
        # 5 s): send again at once on a fresh connection, without spending a retry.
        return self.exchange_once(method, path, body, headers)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["local"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.local = threading.local()


class Client:
    """A client for the rlvr reward API, on one server or spread over several.

    url: base URL, or several separated by commas (or a list), default $RLVR_URL or
        http://127.0.0.1:8000. With several, requests go to them in turn, a batch larger than
        `batch_size` is split and its parts are sent to all of them at once, and a request
        that fails on one (connection refused or reset, timeout, 429/502/503/504) is retried
        on the next: a replica that dies loses no item.
    timeout: seconds per HTTP request (connect and each read).
    retries: extra attempts after a connection failure or a 429/502/503/504 answer.
    batch_size: items per request; larger lists are split and the results concatenated.
    """

    def __init__(
        self,
        url: str | Sequence[str] | None = None,
        timeout: float = 300.0,
        retries: int = 5,
        batch_size: int = 4096,
        backoff: float = 0.25,
    ):
        url = url or os.environ.get("RLVR_URL") or DEFAULT_URL
        urls = [u.strip() for u in url.split(",")] if isinstance(url, str) else [str(u) for u in url]
        urls = [u for u in urls if u]
        if not urls:
            raise ValueError("no server URL given")
        self._endpoints = [_Endpoint(u, timeout) for u in urls]
        self.url = ",".join(urls)
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.batch_size = max(1, int(batch_size))
        self.backoff = backoff
        self._turn = 0
        self._turn_lock = threading.Lock()

    @property
    def urls(self) -> list[str]:
        return [e.url for e in self._endpoints]

    def _next_endpoint(self) -> _Endpoint:
        with self._turn_lock:
            e = self._endpoints[self._turn % len(self._endpoints)]
            self._turn += 1
        return e

    # -- transport -------------------------------------------------------------------------

    def request(self, method: str, path: str, payload: Any = None) -> Any:
        """Send one request and return the decoded JSON answer (text for /metrics)."""
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json"} if body is not None else {}
        last: Exception | None = None
        endpoint = self._next_endpoint()
        many = len(self._endpoints) > 1
        for attempt in range(self.retries + 1):
            if attempt:
                if many:
                    # Another replica first; back off only once every one has been tried.
                    endpoint = self._next_endpoint()
                if not many or attempt % len(self._endpoints) == 0:
                    time.sleep(min(self.backoff * 2 ** (attempt - 1), 10.0))
            try:
                resp, data = endpoint.exchange(method, path, body, headers)
                status = resp.status
            except (OSError, http.client.HTTPException) as e:
                # Stale keep-alive connection, refused connection, reset, timeout: reconnect.
                endpoint.drop()
                last = e
                continue
            if status in RETRY_STATUSES and attempt < self.retries:
                retry_after = resp.getheader("Retry-After")
                if not many and retry_after and retry_after.isdigit():
                    time.sleep(min(float(retry_after), 30.0))
                last = RlvrError(f"HTTP {status}: {data[:200]!r}", status)
                continue
            return _decode(status, data, resp.getheader("Content-Type", ""))
        raise RlvrError(f"{method} {self.url}{path} failed after {self.retries + 1} attempts: {last}")

    def close(self) -> None:
        for e in self._endpoints:
            e.drop()

    # Picklable, so reward functions holding a client can be sent to other processes: the
    # per-thread connections stay behind and are reopened on first use.
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_turn_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._turn_lock = threading.Lock()

    # -- API -------------------------------------------------------------------------------

    def rewards(self, items: Sequence[dict], detail: bool = False) -> list[dict]:
        """Score items through POST /v1/rewards; one verdict per response, in order. With
        several servers the batches go to all of them at once."""
        chunks = [list(items[s : s + self.batch_size]) for s in range(0, len(items), self.batch_size)]

        def one(chunk: list) -> list:
            return self.request("POST", "/v1/rewards", {"items": chunk, "detail": detail})["results"]

        if len(self._endpoints) > 1 and len(chunks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(len(chunks), 2 * len(self._endpoints))) as pool:
                parts = list(pool.map(one, chunks))
        else:
            parts = [one(c) for c in chunks]
        return [r for part in parts for r in part]

    def score(self, items: Sequence[dict]) -> list[float]:
        """Rewards only, one float per response."""
        return [float(r["reward"]) for r in self.rewards(items)]

    def verify_math(self, response: str, ground_truth: Any) -> dict:
        return self.request("POST", "/v1/math/verify", {"response": response, "ground_truth": ground_truth})

    def run_code(self, code: str, stdin: str = "", run_timeout: float = 10.0) -> dict:
        """SandboxFusion-style single run."""
        return self.request(
            "POST", "/run_code", {"code": code, "language": "python", "stdin": stdin, "run_timeout": run_timeout}
        )

    def health(self) -> dict:
        return self.request("GET", "/healthz")

    def verifiers(self) -> dict:
        return self.request("GET", "/v1/verifiers")


def _decode(status: int, data: bytes, content_type: str) -> Any:
    if "json" not in content_type:
        if status >= 400:
            raise RlvrError(f"HTTP {status}: {data[:200]!r}", status)
        return data.decode("utf-8", "replace")
    value = json.loads(data)
    if status >= 400:
        err = value.get("error", {}) if isinstance(value, dict) else {}
        raise RlvrError(f"HTTP {status} {err.get('code')}: {err.get('message')}", status, err.get("code"))
    return value


_default: Client | None = None
_default_lock = threading.Lock()


def default_client() -> Client:
    """The process-wide client the verl and TRL adapters use ($RLVR_URL, $RLVR_TIMEOUT)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Client(timeout=float(os.environ.get("RLVR_TIMEOUT", "300")))
        return _default


__all__ = ["Client", "RlvrError", "default_client", "DEFAULT_URL"]
