#!/usr/bin/env python3
"""Builds the 2,000-item math benchmark mix (deterministic, seed 2026).

Each line: {"response": chain of thought (1-3 KB) ending in \\boxed{..}, "gold": "...",
"label": "correct" | "incorrect", "kind": "..."}. Half the items are correct (the response
boxes an equivalent form of the gold, sometimes written differently), half are wrong.
Mix: mostly integers, then fractions, radicals, polynomials, tuples/sets, decimals,
letters/text, equations.
"""
import json
import random
import sys

rng = random.Random(2026)

SENTENCES = [
    "First, let us restate the problem in our own words and identify what is being asked.",
    "We denote the unknown quantity by $x$ and translate each condition into an equation.",
    "Substituting $a = {a}$ and $b = {b}$ into the expression gives ${a} \\cdot {b} = {ab}$.",
    "Next we simplify: $\\frac{{{a}}}{{{b}}}$ cannot be reduced further unless they share a factor.",
    "Checking the boundary case $n = {a}$, the inequality still holds, so the bound is tight.",
    "Adding the two partial results, we obtain ${a} + {b} = {s}$, which we will use below.",
    "By the Pythagorean theorem, $c^2 = {a}^2 + {b}^2$, so $c = \\sqrt{{{q}}}$.",
    "Let me double-check this computation by a different route to avoid arithmetic slips.",
    "The discriminant is $b^2 - 4ac = {d}$, hence the quadratic has two real roots.",
    "Wait, I should verify the units: every quantity here is measured in the same unit.",
    "Therefore the number of valid arrangements is $\\binom{{{a}}}{{2}} = {c2}$ in this case.",
    "Since the sequence is arithmetic with common difference {b}, the {a}th term follows.",
]


def chain(target_len):
    out = []
    while sum(len(s) for s in out) < target_len:
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        s = rng.choice(SENTENCES).format(
            a=a, b=b, ab=a * b, s=a + b, q=a * a + b * b, d=b * b - 4 * a, c2=a * (a - 1) // 2
        )
        out.append(s)
    return " ".join(out)


def integer():
    g = rng.randint(0, 100000) if rng.random() < 0.3 else rng.randint(0, 999)
    forms = [str(g), f"{g}", f"{g:,}" if g >= 1000 else str(g), f"{g}.0", f"{g}\\text{{ units}}"]
    return str(g), rng.choice(forms), str(g + rng.choice([-2, -1, 1, 3, 10]))


def fraction():
    p, q = rng.randint(1, 60), rng.randint(2, 60)
    while p % q == 0:
        q += 1
    g = f"\\frac{{{p}}}{{{q}}}"
    forms = [g, f"\\dfrac{{{p}}}{{{q}}}", f"{p}/{q}", f"\\frac{{{2*p}}}{{{2*q}}}"]
    return g, rng.choice(forms), f"\\frac{{{p+1}}}{{{q}}}"


def radical():
    k, r = rng.randint(2, 9), rng.choice([2, 3, 5, 6, 7, 10])
    g = f"{k}\\sqrt{{{r}}}"
    forms = [g, f"\\sqrt{{{k*k*r}}}", f"{k} \\sqrt{{{r}}}", f"\\sqrt{{{r}}} \\cdot {k}"]
    return g, rng.choice(forms), f"{k+1}\\sqrt{{{r}}}"


def polynomial():
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    g = f"x^2+{a+b}x+{a*b}"
    forms = [g, f"(x+{a})(x+{b})", f"x^{{2}} + {a+b}x + {a*b}", f"{a*b}+{a+b}x+x^2"]
    return g, rng.choice(forms), f"(x+{a})(x+{b+1})"


def tuple_or_set():
    a, b = rng.randint(-9, 9), rng.randint(-9, 9)
    if rng.random() < 0.5:
        g = f"({a}, {b})"
        return g, rng.choice([g, f"\\left({a},{b}\\right)"]), f"({b}, {a})" if a != b else f"({a}, {b+1})"
    g = f"{a}, {b + 20}"
    return g, rng.choice([f"{b + 20}, {a}", f"\\{{{a}, {b + 20}\\}}", g]), f"{a}, {b + 21}"


def decimal():
    v = rng.randint(1, 99999) / 100
    g = f"{v}"
    forms = [g, f"{v:.2f}", f"{v}0"]
    return g, rng.choice(forms), f"{v + 0.1:.2f}"


def letter():
    if rng.random() < 0.6:
        c = rng.choice("ABCDE")
        other = rng.choice([x for x in "ABCDE" if x != c])
        return f"\\text{{({c})}}", rng.choice([c, f"({c})", f"\\textbf{{({c})}}"]), other
    w = rng.choice(["Monday", "odd", "even", "yes", "no", "Tuesday", "Devon"])
    other = rng.choice(["Friday", "never", "Alice", "maybe"])
    return f"\\text{{{w}}}", rng.choice([w, w.lower(), f"\\text{{{w}}}"]), other


def equation():
    m, c = rng.randint(1, 9), rng.randint(-9, 9)
    g = f"y = {m}x + {c}" if c >= 0 else f"y = {m}x - {-c}"
    forms = [g, f"{m}x - y + {c} = 0" if c >= 0 else f"{m}x - y - {-c} = 0", f"y={c}+{m}x"]
    return g, rng.choice(forms), f"y = {m+1}x + {c}"


KINDS = [
    (integer, 50), (fraction, 12), (radical, 8), (polynomial, 6),
    (tuple_or_set, 6), (decimal, 8), (letter, 5), (equation, 5),
]


def main(n, path):
    pool = [k for k, w in KINDS for _ in range(w)]
    with open(path, "w") as f:
        for i in range(n):
            kind = rng.choice(pool)
            gold, right, wrong = kind()
            correct = i % 2 == 0
            ans = right if correct else wrong
            cot = chain(rng.randint(1000, 3000))
            resp = f"{cot}\n\nPutting everything together, the final answer is $\\boxed{{{ans}}}$."
            f.write(json.dumps({"response": resp, "gold": gold, "label": "correct" if correct else "incorrect", "kind": kind.__name__}) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, sys.argv[2] if len(sys.argv) > 2 else "mix.jsonl")
