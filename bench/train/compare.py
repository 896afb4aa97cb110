#!/usr/bin/env python3
"""One training step (forward with per-token log-probs and entropies, backward of a weighted
loss, gradient clipping, AdamW) of rlvr-train's CPU backend next to PyTorch + transformers'
Qwen2 with the same shapes and the same number of threads, in one run; prints a table.

    cargo build --release -p rlvr-train --example train_step
    python3 bench/train/compare.py --bin $CARGO_TARGET_DIR/release/examples/train_step [--threads N]

Needs torch and transformers (pip). Times are medians over --iters steps after one warm-up.
"""

import argparse
import json
import os
import statistics
import subprocess
import time

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

CONFIGS = {
    # name: (vocab, hidden, layers, heads, kv_heads, ffn, batch, seq, iters)
    "tiny": (96, 32, 2, 4, 2, 64, 4, 64, 20),
    "50m": (32768, 512, 8, 8, 2, 1408, 4, 256, 3),
}


def torch_step_ms(name: str, threads: int) -> tuple[int, float]:
    vocab, hidden, layers, heads, kv, ffn, batch, seq, iters = CONFIGS[name]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg = Qwen2Config(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                      num_attention_heads=heads, num_key_value_heads=kv, intermediate_size=ffn,
                      tie_word_embeddings=False, max_position_embeddings=4096)
    model = Qwen2ForCausalLM(cfg).float().train()
    ids = torch.randint(0, vocab, (batch, seq))
    w = torch.randn(batch, seq - 1) / (batch * seq)
    return sum(p.numel() for p in model.parameters()), update_ms(model, ids, w, iters, lr=1e-5)


def update_ms(model, ids, w, iters: int, lr: float) -> float:
    """Median ms of `iters` updates after a warm-up, as rlvr-train's step does them: forward,
    per-token log-probs and entropies, backward of sum(w * logp) + sum(w * entropy), gradient
    clipping at norm 1, AdamW."""
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    times = []
    for i in range(iters + 1):
        t0 = time.perf_counter()
        logits = model(input_ids=ids).logits[:, :-1]
        logp_all = torch.log_softmax(logits, dim=-1)
        logp = logp_all.gather(-1, ids[:, 1:, None])[..., 0]
        ent = -(logp_all.exp() * logp_all).sum(-1)
        loss = (w * logp).sum() + (w * ent).sum()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if i > 0:
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def rlvr_step(binary: str, name: str, threads: int) -> dict:
    *_, batch, seq, iters = CONFIGS[name]
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), MATMUL_NUM_THREADS=str(threads))
    out = subprocess.run([binary, name, str(batch), str(seq), str(iters)], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="the train_step example binary")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--configs", default="tiny,50m")
    args = ap.parse_args()
    rows = []
    for name in args.configs.split(","):
        r = rlvr_step(args.bin, name, args.threads)
        n, t = torch_step_ms(name, args.threads)
        *_, batch, seq, _ = CONFIGS[name]
        rows.append((name, r["params"], n, batch * seq, r["total_ms"], t))
    print(f"threads: {args.threads}, torch {torch.__version__}")
    print(f"{'config':<8}{'params':>12}{'tokens':>8}{'rlvr ms':>12}{'torch ms':>12}{'ratio':>8}")
    for name, p, pt, tok, ours, theirs in rows:
        assert p == pt, f"{name}: parameter counts differ ({p} vs {pt})"
        print(f"{name:<8}{p:>12}{tok:>8}{ours:>12.1f}{theirs:>12.1f}{ours / theirs:>7.2f}x")


if __name__ == "__main__":
    main()
