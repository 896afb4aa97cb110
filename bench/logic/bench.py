"""The Reasoning Gym half of bench/logic/run.sh.

`generate` writes N instances of every family as JSONL rows {task, index, question, answer,
metadata} and the time Reasoning Gym took to make them. `report` times Reasoning Gym's
score_answer on the answers rlvr used (its gold, or rlvr's solver where Reasoning Gym stores
none) and prints one Markdown table side by side with rlvr's numbers.
"""

import argparse
import json
import statistics
import sys
import time

FAMILIES = [
    "arc_1d", "boxnet", "circuit_logic", "countdown", "cryptarithm", "futoshiki",
    "game_of_life_halting", "graph_color", "jugs", "kakurasu", "knight_swap", "knights_knaves",
    "maze", "mini_sudoku", "n_queens", "propositional_logic", "puzzle24", "rush_hour",
    "self_reference", "shortest_path", "sokoban", "sudoku", "survo", "syllogism",
    "tower_of_hanoi", "word_ladder", "zebra_puzzles",
]
# Families whose generation rate the issue sets a floor for (instances per second).
GEN_FLOOR = {"sudoku", "futoshiki", "zebra_puzzles", "countdown", "puzzle24"}
# Where rlvr rejects Reasoning Gym's gold on purpose (docs/logic.md): the verdict reasons that
# mean "Reasoning Gym's stored answer or instance is wrong", per family.
GOLD_WRONG = {
    "syllogism": {"wrong_label"},  # label differs from exact entailment (existential import)
    # unsatisfiable premises entail anything; a fallback example answer may not be entailed
    "propositional_logic": {"degenerate_instance", "not_entailed"},
}
REPS = 5


def to_json(x):
    """Reasoning Gym metadata as JSON: tuples become lists, numpy scalars plain numbers."""
    if isinstance(x, dict):
        return {str(k): to_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_json(v) for v in x]
    if hasattr(x, "item") and callable(x.item):
        return x.item()
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return str(x)


def generate(args):
    import reasoning_gym

    times = {}
    with open(args.out, "w") as f:
        for name in FAMILIES:
            try:
                ds = reasoning_gym.create_dataset(name, size=args.n, seed=args.seed)
            except Exception as e:  # a family missing from this version
                print(f"  {name}: cannot create ({e})", file=sys.stderr)
                continue
            made, t0 = 0, time.perf_counter()
            for i in range(args.n):
                if time.perf_counter() - t0 > args.max_seconds:
                    print(f"  {name}: stopped after {args.max_seconds}s", file=sys.stderr)
                    break
                try:
                    e = ds[i]
                except Exception as ex:
                    print(f"  {name}[{i}]: generator failed ({type(ex).__name__})", file=sys.stderr)
                    continue
                made += 1
                row = {"task": name, "index": i, "question": e["question"],
                       "answer": to_json(e["answer"]), "metadata": to_json(e["metadata"])}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            dt = time.perf_counter() - t0
            times[name] = made / dt if dt > 0 else None
            print(f"  {name}: {made} instances, {times[name]:.0f}/s", file=sys.stderr)
    with open(args.gen_times, "w") as f:
        json.dump(times, f)


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[round((len(xs) - 1) * p)]


def fmt(x, digits=1):
    if x is None or (isinstance(x, float) and x != x):
        return "-"
    return f"{x:,.{digits}f}"


def report(args):
    import reasoning_gym

    rows = {}
    with open(args.instances) as f:
        for line in f:
            r = json.loads(line)
            rows[(r["task"], r["index"])] = r
    by_task_index = {}
    for r in rows.values():
        by_task_index.setdefault(r["task"], []).append(r)
    for v in by_task_index.values():
        v.sort(key=lambda r: r["index"])
    rlvr = {}
    with open(args.rlvr) as f:
        for line in f:
            r = json.loads(line)
            rlvr[r["family"]] = r
    rg_gen = json.load(open(args.gen_times))
    rg_times, rg_accepts, rg_scored = {}, {}, {}
    datasets = {}
    with open(args.answers) as f:
        for line in f:
            a = json.loads(line)
            task = a["task"]
            entry = by_task_index[task][a["index"]]
            if task not in datasets:
                datasets[task] = reasoning_gym.create_dataset(task, size=1, seed=1)
            ds = datasets[task]
            score, samples = 0.0, []
            for _ in range(REPS):
                t0 = time.perf_counter()
                try:
                    score = ds.score_answer(a["answer"], entry)
                except Exception:
                    score = 0.0
                samples.append((time.perf_counter() - t0) * 1e6)
            rg_times.setdefault(task, []).append(statistics.median(samples))
            rg_scored[task] = rg_scored.get(task, 0) + 1
            rg_accepts[task] = rg_accepts.get(task, 0) + (1 if score == 1.0 else 0)

    import os
    import platform
    from importlib.metadata import version

    n_max = max((len(v) for v in by_task_index.values()), default=0)
    print(f"reasoning-gym {version('reasoning-gym')}, "
          f"up to {n_max} instances per family; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}; {platform.python_version()}; rlvr times include answer extraction.")
    print()
    print("| family | n | rlvr accepts RG gold | RG accepts same answer | rlvr med µs | rlvr p99 µs "
          "| RG med µs | RG p99 µs | rlvr gen/s | RG gen/s | targets |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    fails = []
    for name in FAMILIES:
        r = rlvr.get(name, {})
        if not r.get("verifier_built", False):
            print(f"| {name} | {r.get('n', 0)} | not built yet | | | | | | | {fmt(rg_gen.get(name), 0)} | |")
            fails.append(f"{name}: not built")
            continue
        checked = r["checked"]
        agree = f"{r['agree']}/{checked}" + (" (gold from rlvr solver)" if r["gold_missing"] else "")
        acc = f"{rg_accepts.get(name, 0)}/{rg_scored.get(name, 0)}"
        ok = []
        if not r["median_us"] <= 10:
            ok.append("median>10µs")
        if not r["p99_us"] <= 50:
            ok.append("p99>50µs")
        gen = r.get("gen_per_s")
        if name in GEN_FLOOR and not (gen or 0) >= 1000:
            ok.append("gen<1000/s")
        reasons = r.get("disagree_reasons", {})
        if r["agree"] != checked:
            if set(reasons) <= GOLD_WRONG.get(name, set()):
                agree += " ({} RG gold wrong: {})".format(
                    checked - r["agree"], ", ".join(f"{k} {v}" for k, v in reasons.items()))
            else:
                ok.append("disagrees")
        if ok:
            fails.append(f"{name}: {', '.join(ok)} {r.get('disagreements', [])}")
        print(f"| {name} | {r['n']} | {agree} | {acc} | {fmt(r['median_us'], 2)} | {fmt(r['p99_us'], 2)} "
              f"| {fmt(pct(rg_times.get(name, []), 0.5))} | {fmt(pct(rg_times.get(name, []), 0.99))} "
              f"| {fmt(gen, 0)} | {fmt(rg_gen.get(name), 0)} | {'ok' if not ok else ', '.join(ok)} |")
    print()
    print("Targets: every family ≤ 10 µs median and ≤ 50 µs p99 per verification; generation ≥ 1,000/s "
          "for sudoku, futoshiki, zebra_puzzles, countdown, puzzle24. 'disagrees' lists rlvr's verdicts "
          "on Reasoning Gym's gold; see docs/logic.md for the families where the gold is wrong.")
    for f_ in fails:
        print(f"- {f_}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--n", type=int, default=200)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--max-seconds", type=float, default=30.0, help="generation budget per family")
    g.add_argument("--out", required=True)
    g.add_argument("--gen-times", required=True)
    r = sub.add_parser("report")
    r.add_argument("--instances", required=True)
    r.add_argument("--answers", required=True)
    r.add_argument("--rlvr", required=True)
    r.add_argument("--gen-times", required=True)
    a = p.parse_args()
    generate(a) if a.cmd == "generate" else report(a)


if __name__ == "__main__":
    main()
