"""Load check with verl's defaults: infinite loops and correct programs scored together.

    tests/clients/run.sh --load                     # starts rlvr serve, then runs this
    RLVR_URL=http://127.0.0.1:8000 python tests/clients/load_verl.py --loops 8 --correct 8

verl 0.9.1 with `reward.sandbox_fusion.url` set (and no custom reward function) scores a batch
on `reward.num_workers` (8) reward-loop workers. The batch is split into equal contiguous chunks
(padded by repeating samples from its start), one per worker. Each worker builds its scorer with
`verl.trainer.ppo.reward.load_reward_manager`: `default_compute_score` with its OWN
multiprocessing.Manager semaphore of `reward.sandbox_fusion.max_concurrent` (64) and
memory_limit_mb 1024, called for each sample of its chunk at once in its event loop's default
executor (min(32, CPUs + 4) threads). Each sample runs all its tests at once (a thread pool of
max(32, 5 x CPUs), every request through the worker's semaphore) with a 10 s run timeout and a
30 s HTTP timeout, retrying only HTTP 504 (3 attempts, 1 s and 2 s apart).

This script does the same with verl's own functions and config: one scorer per worker, built by
load_reward_manager from verl's reward.yaml, and one thread pool per worker. It submits the
infinite loops first, then the correct programs, all at once, and reports how many correct
programs scored 1.0 (the others lost tests to the loops: timeouts, 504s, errors), per-sample
times and the per-test statuses verl recorded. Not part of the pytest check (it takes a minute
or more). Exit status 0 when every correct program scored 1.0 and every loop 0.0.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import logging
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases  # noqa: E402
import upstream  # noqa: E402


def verl_scorer_factory(run_code_url: str, max_concurrent: int | None):
    """A function that builds, like each verl 0.9.1 reward-loop worker does, the compute_score
    that `reward.sandbox_fusion.*` gives (no custom reward function); and the config."""
    from omegaconf import OmegaConf

    upstream.import_light("verl.utils.reward_score", upstream.VERL_BARE)
    verl = sys.modules["verl"]
    if not hasattr(verl, "DataProto"):  # imported by trainer/ppo/reward.py, unused here (torch)
        verl.DataProto = None
    ppo_reward = upstream.import_light("verl.trainer.ppo.reward", upstream.VERL_BARE)
    reward = OmegaConf.create(upstream.read_source("verl/trainer/config/reward/reward.yaml"))
    overrides = [
        f"reward.sandbox_fusion.url={run_code_url}",
        "reward.reward_manager.source=importlib",
        f"reward.reward_manager.module.path={os.path.join(HERE, 'verl_capture_manager.py')}",
        "reward.reward_manager.name=CaptureRewardManager",
    ]
    if max_concurrent is not None:
        overrides.append(f"reward.sandbox_fusion.max_concurrent={max_concurrent}")
    cfg = OmegaConf.merge(OmegaConf.create({"reward": reward}), OmegaConf.from_dotlist(overrides))
    return (lambda: ppo_reward.load_reward_manager(cfg, tokenizer=None).compute_score), cfg.reward


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default=os.environ.get("RLVR_URL", "http://127.0.0.1:8000"))
    ap.add_argument("--loops", type=int, default=8, help="samples whose program never ends")
    ap.add_argument("--correct", type=int, default=8, help="samples with a correct program")
    ap.add_argument("--tests", type=int, default=5, help="test cases per sample")
    ap.add_argument("--num-workers", type=int, default=None, help="reward.num_workers (verl: 8)")
    ap.add_argument("--max-concurrent", type=int, default=None, help="reward.sandbox_fusion.max_concurrent (verl: 64)")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON too")
    ap.add_argument("--verbose", action="store_true", help="show verl's own error log (one block per failed test)")
    args = ap.parse_args()
    if not args.verbose:  # verl logs every failed request at ERROR, with the code; the summary counts them
        logging.getLogger("verl").setLevel(logging.CRITICAL)

    run_code_url = args.url.rstrip("/") + "/run_code"
    make_scorer, reward_cfg = verl_scorer_factory(run_code_url, args.max_concurrent)
    sf_cfg = reward_cfg.sandbox_fusion
    num_workers = args.num_workers or reward_cfg.num_workers
    scorers = [make_scorer() for _ in range(num_workers)]  # each with its own Manager semaphore
    executor_threads = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default executor

    pairs = [(f"{i + 1} {i + 2}\n", f"{2 * i + 3}\n") for i in range(args.tests)]
    tests = json.dumps({"inputs": [p[0] for p in pairs], "outputs": [p[1] for p in pairs]})
    samples = [("loop", cases.fenced(cases.INFINITE_LOOP))] * args.loops
    samples += [("correct", cases.fenced(cases.ADD_STDIO))] * args.correct

    print(
        f"verl {upstream.installed_version('verl')} sandbox_fusion scorer -> {run_code_url}: "
        f"{args.loops} infinite loops then {args.correct} correct programs, {args.tests} tests each; "
        f"{num_workers} reward workers x {executor_threads} executor threads, "
        f"max_concurrent={sf_cfg.max_concurrent} per worker, memory_limit_mb={sf_cfg.memory_limit_mb}, "
        f"per-sample pool max(32, 5 x {os.cpu_count()} CPUs), run timeout 10 s, HTTP timeout 30 s",
        flush=True,
    )

    def score_one(compute_score, index: int, kind: str, response: str):
        t0 = time.monotonic()
        # What verl's NaiveRewardManager passes; default_compute_score drops the extra_info.
        s = compute_score(
            data_source="codecontests",
            solution_str=response,
            ground_truth=tests,
            extra_info={"index": index, "num_turns": None, "rollout_reward_scores": {}},
        )
        return index, kind, float(s), time.monotonic() - t0

    # default_compute_score returns the score only; verl's per-test statuses are logged by its
    # scorer. Record them by wrapping the module-level check the scorer calls.
    sf = upstream.import_light("verl.utils.reward_score.sandbox_fusion", upstream.VERL_BARE)
    statuses = collections.defaultdict(collections.Counter)
    errors = collections.Counter()
    real_check = sf.check_correctness

    def recording_check(*a, **k):
        res, meta = real_check(*a, **k)
        kind = "loop" if "while True" in k.get("generation", "") else "correct"
        for m in meta:
            statuses[kind][m.get("status", "?")] += 1
            if m.get("api_request_error"):
                errors[m["api_request_error"].split(": ", 1)[-1][:120]] += 1
        return res, meta

    sf.check_correctness = recording_check
    # verl: pad_dataproto_to_divisor (repeat from the start), then equal contiguous chunks.
    padded = list(enumerate(samples))
    while len(padded) % num_workers:
        padded += padded[: num_workers - len(padded) % num_workers]
    size = len(padded) // num_workers
    chunks = [padded[w * size : (w + 1) * size] for w in range(num_workers)]
    pools = [concurrent.futures.ThreadPoolExecutor(max_workers=executor_threads) for _ in range(num_workers)]
    watcher = ServerWatch(base_url(args))
    watcher.start()
    t_start = time.monotonic()
    results = []
    try:
        futs = [
            pools[w].submit(score_one, scorers[w], index, kind, resp)
            for w, chunk in enumerate(chunks)
            for index, (kind, resp) in chunk
        ]
        for f in concurrent.futures.as_completed(futs):
            index, kind, s, dt = f.result()
            results.append((index, kind, s, dt))
            print(f"  sample {index:2d} {kind:7s} score {s:.2f} in {dt:6.1f} s", flush=True)
    finally:
        sf.check_correctness = real_check
        for pool in pools:
            pool.shutdown(wait=False)
    results = list({r[0]: r for r in results}.values())  # a padded repeat counts once
    wall = time.monotonic() - t_start
    server = watcher.finish()

    summary = {
        "wall_s": round(wall, 2),
        "kinds": {},
        "test_statuses": {},
        "api_errors": dict(errors),
        "server": server,
    }
    for kind in ("loop", "correct"):
        rs = [r for r in results if r[1] == kind]
        if not rs:
            continue
        times = sorted(r[3] for r in rs)
        summary["kinds"][kind] = {
            "samples": len(rs),
            "scored_1.0": sum(1 for r in rs if r[2] == 1.0),
            "scored_0.0": sum(1 for r in rs if r[2] == 0.0),
            "mean_score": round(sum(r[2] for r in rs) / len(rs), 3),
            "time_s_min_median_max": [round(times[0], 1), round(times[len(times) // 2], 1), round(times[-1], 1)],
        }
        summary["test_statuses"][kind] = dict(statuses[kind])

    print(f"\nwall time {wall:.1f} s")
    for kind, k in summary["kinds"].items():
        print(
            f"{kind:7s}: {k['scored_1.0']}/{k['samples']} scored 1.0, mean {k['mean_score']}, "
            f"time min/median/max {k['time_s_min_median_max']} s; test statuses {summary['test_statuses'][kind]}"
        )
    print(
        f"server: sandbox runs at once max {server['runs_at_once_max']} (--sandbox-workers "
        f"{server['sandbox_workers']}); /run_code answers {server['run_code_statuses']}; "
        f"queue wait p50 <= {server['queue_wait_p50_s']} s, p99 <= {server['queue_wait_p99_s']} s "
        f"(histogram bucket bounds, {server['queue_wait_count']} started runs)"
    )
    for msg, n in errors.most_common(5):
        print(f"  api error x{n}: {msg}")
    if args.json:
        print(json.dumps(summary))
    correct = summary["kinds"].get("correct", {"scored_1.0": 0, "samples": 0})
    loops = summary["kinds"].get("loop", {"scored_0.0": 0, "samples": 0})
    ok = correct["scored_1.0"] == correct["samples"] and loops["scored_0.0"] == loops["samples"]
    print(f"correct programs scored 1.0: {correct['scored_1.0']} of {correct['samples']}" + ("" if ok else "  (FAIL)"))
    return 0 if ok else 1


def base_url(args) -> str:
    url = getattr(args, "url", None) or os.environ.get("RLVR_URL", "http://127.0.0.1:8000")
    return url.rstrip("/")


class ServerWatch:
    """Polls the server's /metrics while the load runs: the most sandbox runs at once; at the
    end, the /run_code status counts and the queue-wait quantiles (upper bounds of the
    histogram's buckets)."""

    def __init__(self, url: str):
        import threading

        self.url = url
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _metrics(self) -> str:
        import urllib.request

        with urllib.request.urlopen(self.url + "/metrics", timeout=5) as r:
            return r.read().decode()

    def _poll(self):
        while not self.stop.is_set():
            try:
                for line in self._metrics().splitlines():
                    if line.startswith("rlvr_sandbox_runs_in_flight "):
                        self.peak = max(self.peak, int(float(line.split()[-1])))
            except OSError:
                pass
            self.stop.wait(0.2)

    def start(self):
        self.thread.start()

    def finish(self) -> dict:
        import urllib.request

        self.stop.set()
        self.thread.join()
        text = self._metrics()
        statuses = {}
        buckets = []
        for line in text.splitlines():
            if line.startswith('rlvr_http_requests_total{route="/run_code"'):
                status = line.split('status="')[1].split('"')[0]
                statuses[status] = int(float(line.split()[-1]))
            elif line.startswith("rlvr_run_queue_wait_seconds_bucket"):
                le = line.split('le="')[1].split('"')[0]
                buckets.append((float("inf") if le == "+Inf" else float(le), int(float(line.split()[-1]))))
        total = buckets[-1][1] if buckets else 0

        def quantile(q):
            for le, n in buckets:
                if total and n >= q * total:
                    return le
            return None

        with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
            health = json.loads(r.read())
        return {
            "runs_at_once_max": self.peak,
            "sandbox_workers": health.get("sandbox_workers"),
            "run_code_statuses": statuses,
            "queue_wait_count": total,
            "queue_wait_p50_s": quantile(0.5),
            "queue_wait_p99_s": quantile(0.99),
        }


if __name__ == "__main__":
    sys.exit(main())
