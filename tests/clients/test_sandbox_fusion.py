"""SandboxFusion's own Python client (sandbox-fusion 0.3.7) against rlvr's POST /run_code.

The client takes the server's base URL (set_endpoint / set_sandbox_endpoint, the `endpoint`
argument, or $SANDBOX_FUSION_ENDPOINT read at import) and appends `/run_code` itself. Its
RunCodeRequest sends compile_timeout, run_timeout, code, stdin (None unless given), language,
files and fetch_files: no memory_limit_MB. A SandboxError answer or a non-200 status makes
run_code raise after `max_attempts` tries (tenacity, exponential backoff with jitter).
"""

import asyncio

import pytest
import sandbox_fusion
from sandbox_fusion import (
    CommandRunStatus,
    RunCodeRequest,
    RunStatus,
    SummaryMapping,
    run_code,
    run_code_async,
    set_endpoint,
    summary_run_code_result,
)

import cases

TIMEOUT = 120  # client_timeout (s): run_code has none by default


def run(code, stdin=None, run_timeout=10, endpoint=None, **kw):
    kwargs = {"code": code, "language": "python", "run_timeout": run_timeout}
    if stdin is not None:
        kwargs["stdin"] = stdin
    return run_code(RunCodeRequest(**kwargs), endpoint=endpoint or "", client_timeout=TIMEOUT, **kw)


@pytest.fixture(autouse=True)
def endpoint(rlvr_url):
    set_endpoint(rlvr_url)  # the base URL: run_code adds /run_code
    yield rlvr_url


def test_set_endpoint_and_stdin():
    r = run("print(int(input()) ** 2)", stdin="5\n")
    assert r.status == RunStatus.Success, r
    assert r.run_result.status == CommandRunStatus.Finished
    assert r.run_result.return_code == 0
    assert r.run_result.stdout == "25\n"
    assert summary_run_code_result(r, SummaryMapping()) == RunStatus.Success


def test_endpoint_argument_with_trailing_slash(rlvr_url):
    set_endpoint("http://127.0.0.1:9")  # nothing listens there: the argument must win
    r = run("print('hi')", endpoint=rlvr_url + "/")
    assert r.status == RunStatus.Success and r.run_result.stdout == "hi\n", r


def test_stdin_none_is_accepted():
    # RunCodeRequest's default stdin is None and is sent as JSON null.
    assert RunCodeRequest(code="print(1)", language="python").dict()["stdin"] is None
    r = run("import sys\nprint(repr(sys.stdin.read()))")
    assert r.status == RunStatus.Success, r
    assert r.run_result.stdout == "''\n"


def test_async_client(rlvr_url):
    req = RunCodeRequest(code="print(6 * 7)", language="python")
    r = asyncio.run(run_code_async(req, endpoint=rlvr_url, client_timeout=TIMEOUT))
    assert r.status == RunStatus.Success and r.run_result.stdout == "42\n", r


def test_nonzero_exit_is_failed():
    r = run("import sys\nprint('partial')\nsys.exit(3)")
    assert r.status == RunStatus.Failed, r
    assert r.run_result.return_code == 3
    assert r.run_result.stdout == "partial\n"
    assert summary_run_code_result(r, SummaryMapping(RunFailed="RE")) == "RE"


def test_runtime_error_is_failed_with_traceback():
    r = run("print(1 // 0)")
    assert r.status == RunStatus.Failed, r
    assert "ZeroDivisionError" in (r.run_result.stderr or "")


def test_timeout_is_time_limit_exceeded():
    r = run(cases.INFINITE_LOOP, run_timeout=1)
    assert r.status == RunStatus.Failed, r
    assert r.run_result.status == CommandRunStatus.TimeLimitExceeded
    assert summary_run_code_result(r, SummaryMapping(RunTimeout="TLE")) == "TLE"


def test_large_single_write_is_not_cut():
    r = run(cases.BIG_WRITE)
    assert r.status == RunStatus.Success, (r.status, r.message, (r.run_result.stderr or "")[-300:])
    out = r.run_result.stdout or ""
    assert len(out) == cases.BIG, f"stdout has {len(out):,} characters, expected {cases.BIG:,} (cut?)"
    assert out == "x" * cases.BIG


def test_large_os_write_is_not_cut():
    r = run(cases.OS_WRITE)
    assert r.status == RunStatus.Success, (r.status, r.message, (r.run_result.stderr or "")[-300:])
    out = r.run_result.stdout or ""
    assert len(out) == cases.OS_BIG, f"stdout has {len(out):,} characters, expected {cases.OS_BIG:,} (cut?)"
    assert out == "y" * cases.OS_BIG


def test_output_over_the_cap_fails_with_a_reason():
    r = run(cases.OVER_CAP_WRITE, max_attempts=1)
    assert r.status != RunStatus.Success, "an output over the cap must not be a success (silent cut)"
    assert r.status == RunStatus.Failed, r.status
    said = ((r.run_result.stderr if r.run_result else "") or "") + (r.message or "")
    assert "output" in said.lower() and "limit" in said.lower(), f"no clear reason: {said[-300:]!r}"
    assert len(r.run_result.stdout or "") < cases.OVER_CAP


def test_competitive_programming_thread_with_big_stack():
    r = run(cases.CP_THREADING, stdin=f"{cases.DEPTH}\n")
    assert r.status == RunStatus.Success, (r.status, r.message, (r.run_result.stderr or "")[-500:])
    assert r.run_result.stdout == f"{cases.DEPTH}\n"


def test_numpy_is_module_not_found():
    r = run(cases.NUMPY)
    assert r.status == RunStatus.Failed, r
    assert "ModuleNotFoundError" in (r.run_result.stderr or ""), r.run_result.stderr


def test_other_language_is_refused_not_run():
    # rlvr runs python only and answers 400; the client raises (it retries non-200 answers).
    with pytest.raises(Exception, match="400"):
        run_code(
            RunCodeRequest(code="console.log(1)", language="nodejs"),
            max_attempts=1,
            client_timeout=TIMEOUT,
        )


def test_module_exports_what_the_docs_use():
    for name in ("run_code", "set_endpoint", "set_sandbox_endpoint", "RunCodeRequest", "run_code_async"):
        assert hasattr(sandbox_fusion, name), name
