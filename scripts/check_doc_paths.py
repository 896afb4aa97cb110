#!/usr/bin/env python3
"""Every repository path that README.md and docs/*.md name must exist.

Checked: relative markdown links `[text](path)` (resolved from the file's folder) and
backticked paths that start at a top-level folder of this repository (`src/...`,
`fixtures/...`, ...) or name a top-level file (`Cargo.toml`, `SECURITY.md`). Paths with a
wildcard, a placeholder (`<...>`, `NAME`, `...`) or a `$VARIABLE`, and what scripts make and
git ignores (a `.venv`, an `out/` folder), are not checked. Prints each
missing path as FILE:LINE and exits 1 when there is any.

    python3 scripts/check_doc_paths.py [ROOT]
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
TOP = sorted(
    e for e in os.listdir(ROOT) if not e.startswith(".") or e == ".ci"
)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
TICK = re.compile(r"`([^`\s]+)`")


def docs():
    yield "README.md"
    for dirpath, _, files in os.walk(os.path.join(ROOT, "docs")):
        for f in sorted(files):
            if f.endswith(".md"):
                yield os.path.relpath(os.path.join(dirpath, f), ROOT)
    for extra in ("sandbox/SECURITY.md",):
        if os.path.exists(os.path.join(ROOT, extra)):
            yield extra


def skip(p):
    if any(x in p for x in ("*", "<", ">", "...", "$", "{", "}", "NAME", "|")) or "://" in p:
        return True
    # Made by a script and git-ignored (`bench/math/.venv`, `bench/math/out/`): not in a clone.
    parts = p.split("/")
    return any(c.startswith(".") and c not in (".", "..", ".ci") for c in parts) or "out" in parts[1:]


def repo_path(p):
    head = p.split("/", 1)[0]
    return head in TOP and (("/" in p) or os.path.splitext(p)[1] != "")


def main():
    missing = []
    for doc in docs():
        base = os.path.dirname(os.path.join(ROOT, doc))
        for n, line in enumerate(open(os.path.join(ROOT, doc), encoding="utf-8"), 1):
            for m in LINK.finditer(line):
                target = m.group(1).split("#", 1)[0]
                if not target or skip(target) or target.startswith("mailto:"):
                    continue
                if not os.path.exists(os.path.normpath(os.path.join(base, target))):
                    missing.append(f"{doc}:{n}: link to {target}")
            for m in TICK.finditer(line):
                p = m.group(1).rstrip(".,:;").split(":", 1)[0]
                if skip(p) or not repo_path(p):
                    continue
                if not os.path.exists(os.path.join(ROOT, p)):
                    missing.append(f"{doc}:{n}: {p}")
    for m in missing:
        print(m)
    print(f"check_doc_paths: {len(missing)} missing path(s) in README.md and docs/", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
