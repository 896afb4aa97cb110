"""Reads the runs scripts/gpu/loop-check.sh makes (standard library only).

  loop_report.py parity CPU_RUN CUDA_RUN   compares one GRPO step; exit 1 outside tolerance
  loop_report.py speed RUN PEAK_MIB        prints the speed table of a run's steps
"""
import json
import struct
import sys
from pathlib import Path

# H200 SXM dense peaks (NVIDIA's datasheet, without sparsity), as gpu_check uses.
PEAK_BF16 = 989e12
# Parity tolerances of one step (f32 products on both sides; see docs/cuda.md): the step's
# scalar metrics, relative; the updated weights, absolute against the largest weight; the
# share of sampled responses that must be identical.
TOL_METRIC = 1e-3
TOL_WEIGHT = 1e-4
MIN_SAME_SAMPLES = 0.9


def lines(path):
    return [json.loads(l) for l in Path(path).read_text().splitlines() if l.strip()]


def safetensors(path):
    """name -> list of floats (f32 tensors only)."""
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    body = raw[8 + n :]
    out = {}
    for name, t in header.items():
        if name == "__metadata__" or t["dtype"] != "F32":
            continue
        a, b = t["data_offsets"]
        out[name] = struct.unpack(f"<{(b - a) // 4}f", body[a:b])
    return out


def policy_weights(run):
    files = sorted(Path(run).glob("checkpoints/step-*/policy/*.safetensors"))
    if not files:
        sys.exit(f"{run}: no checkpoint written")
    w = {}
    for f in files:
        w.update(safetensors(f))
    return w


def parity(cpu, cuda):
    mc, mg = lines(Path(cpu) / "metrics.jsonl")[-1], lines(Path(cuda) / "metrics.jsonl")[-1]
    ok = True
    print(f"{'metric':18}{'cpu':>14}{'cuda':>14}{'rel. diff':>12}")
    for k in ["reward_mean", "groups_kept", "response_len_mean", "entropy", "loss", "pg_loss", "kl", "grad_norm"]:
        a, b = float(mc[k]), float(mg[k])
        rel = abs(a - b) / max(abs(a), 1e-6)
        bad = rel > TOL_METRIC
        ok &= not bad
        print(f"{k:18}{a:>14.6g}{b:>14.6g}{rel:>12.2e}{'  FAIL' if bad else ''}")
    sc, sg = lines(Path(cpu) / "samples.jsonl"), lines(Path(cuda) / "samples.jsonl")
    same = sum(1 for a, b in zip(sc, sg) if a.get("response") == b.get("response"))
    share = same / max(len(sc), 1)
    ok &= share >= MIN_SAME_SAMPLES and len(sc) == len(sg)
    print(f"sampled responses identical: {same}/{len(sc)} ({share:.0%}; at least {MIN_SAME_SAMPLES:.0%} required)")
    wc, wg = policy_weights(cpu), policy_weights(cuda)
    scale = max(max(abs(x) for x in v) for v in wc.values())
    worst, where = 0.0, ""
    for name, v in wc.items():
        d = max(abs(x - y) for x, y in zip(v, wg[name]))
        if d > worst:
            worst, where = d, name
    ok &= worst <= TOL_WEIGHT * scale
    print(f"updated weights: max |cpu - cuda| {worst:.2e} ({where}), largest weight {scale:.3g}, tolerance {TOL_WEIGHT:.0e} of it")
    print("parity: ok" if ok else "parity: FAILED")
    return 0 if ok else 1


def speed(run, peak_mib):
    cfg = Path(run) / "config.toml"
    text = cfg.read_text() if cfg.exists() else ""
    log = (Path(run).parent / (Path(run).name + ".log"))
    params = None
    if log.exists():
        for l in log.read_text().splitlines():
            if "parameters on" in l:
                params = int(l.split("rlvr train: ")[1].split(" parameters")[0].replace(",", ""))
    samples = int(text.split("samples_per_prompt = ")[1].split("\n")[0]) if "samples_per_prompt" in text else 1
    print(f"{'step':>4}{'step s':>9}{'gen s':>8}{'gen tok/s':>11}{'update s':>10}{'upd tok/s':>11}{'MFU bf16':>10}")
    for m in lines(Path(run) / "metrics.jsonl"):
        gen_tokens = m["response_len_mean"] * m["groups_generated"] * samples
        upd = m["train_tokens"] / max(m["time_update_s"], 1e-9)
        mfu = 6 * params * upd / PEAK_BF16 if params else float("nan")
        print(f"{m['step']:>4}{m['time_step_s']:>9.2f}{m['time_gen_s']:>8.2f}{gen_tokens / max(m['time_gen_s'], 1e-9):>11.0f}"
              f"{m['time_update_s']:>10.2f}{upd:>11.0f}{mfu:>10.1%}")
    print(f"peak GPU memory: {int(peak_mib or 0)} MiB (nvidia-smi, every 0.2 s); MFU counts 6 x params x response tokens (prompts left out, so a lower bound)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "parity":
        sys.exit(parity(sys.argv[2], sys.argv[3]))
    if len(sys.argv) >= 3 and sys.argv[1] == "speed":
        sys.exit(speed(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0))
    sys.exit(__doc__)
