"""rlvr_client: talk to `rlvr serve` from Python with the standard library only.

    from rlvr_client import Client
    Client("http://127.0.0.1:8000").score([{"response": "\\boxed{42}", "ground_truth": "42"}])

Adapters: `rlvr_client.verl.compute_score` (verl) and `rlvr_client.trl.rlvr_reward` (TRL).
"""

from .client import DEFAULT_URL, Client, RlvrError, default_client

__all__ = ["Client", "RlvrError", "default_client", "DEFAULT_URL"]
__version__ = "0.1.0"
