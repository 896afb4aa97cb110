"""`rlvr serve` on every node of a Ray cluster, and one client spread over all of them.

    python examples/ray/serve_replicas.py [--address auto] [--rlvr PATH] [--replicas N]

One actor per node (a placement group with a STRICT_SPREAD strategy puts each on its own
node; on a one-machine test cluster the "nodes" share the host) starts `rlvr serve` on a free
port and reports its URL. Give the URLs, comma-separated, to the Python client (`Client` or
`RLVR_URL` for the verl and TRL adapters) or to OpenRLHF's `--reward.remote_url` (which shards
a batch over several URLs itself); a replica that dies loses no item: the client retries its
requests on the others.
"""

from __future__ import annotations

import argparse
import os
import subprocess


class Replica:
    """One `rlvr serve` process, started by the actor on its node."""

    def __init__(self, rlvr_bin: str):
        env = dict(os.environ, RLVR_ADDR="0.0.0.0:0" if os.environ.get("RLVR_PUBLIC") else "127.0.0.1:0",
                   RLVR_WARM_SANDBOX="false")
        self.proc = subprocess.Popen([rlvr_bin, "serve"], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip()
        prefix = "rlvr serve: listening on "
        if not line.startswith(prefix):
            raise RuntimeError(f"rlvr serve did not start: {line!r}")
        self.url = line[len(prefix):]

    def address(self) -> str:
        return self.url

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def start_replicas(rlvr_bin: str, replicas: int):
    """Start `replicas` actors, one per node where the cluster has enough nodes; returns the
    actor handles and their URLs."""
    import sys

    import ray
    from ray import cloudpickle
    from ray.util.placement_group import placement_group
    from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

    # Ship the actor class by value: the nodes need not have this file on their path.
    if __name__ != "__main__":
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    nodes = len([n for n in ray.nodes() if n.get("Alive")])
    strategy = "STRICT_SPREAD" if nodes >= replicas else "SPREAD"
    pg = placement_group([{"CPU": 1}] * replicas, strategy=strategy)
    ray.get(pg.ready())
    actor = ray.remote(num_cpus=1)(Replica)
    actors = [
        actor.options(scheduling_strategy=PlacementGroupSchedulingStrategy(
            placement_group=pg, placement_group_bundle_index=i)).remote(rlvr_bin)
        for i in range(replicas)
    ]
    urls = ray.get([a.address.remote() for a in actors])
    return actors, urls, pg


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", default=None)
    ap.add_argument("--rlvr", default="rlvr", help="the rlvr binary on every node")
    ap.add_argument("--replicas", type=int, default=2)
    a = ap.parse_args()
    import ray

    ray.init(address=a.address)
    _, urls, _ = start_replicas(a.rlvr, a.replicas)
    print("RLVR_URL=" + ",".join(urls))
