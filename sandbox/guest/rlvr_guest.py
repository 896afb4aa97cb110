"""The Python half of the rlvr sandbox: runs one program per fresh instance.

componentize-py imports this module once, at build time, and snapshots the interpreter
afterwards ("pre-initialization"). Everything imported here is therefore free at run time;
any other standard-library module is imported from the read-only copy of the standard library
that the host mounts at /python. The host instantiates the snapshot once per program and calls
`run` once, so nothing a program does can leak into the next one.
"""

import builtins
import os
import sys
import traceback

# The modules that competitive-programming and benchmark solutions import most, so that
# importing them costs nothing at run time. Anything not listed still imports (from /python),
# it just pays the parse/compile cost on each run.
import abc, array, ast, base64, binascii, bisect, calendar, cmath, codecs  # noqa: E401,F401
import collections, collections.abc, contextlib, copy, csv, dataclasses  # noqa: E401,F401
import datetime, decimal, difflib, enum, fractions, functools, gc, hashlib  # noqa: E401,F401
import heapq, inspect, io, itertools, json, keyword, linecache, math  # noqa: E401,F401
import numbers, operator, pprint, queue, random, re, statistics, string  # noqa: E401,F401
import struct, textwrap, time, types, typing, unicodedata, warnings  # noqa: E401,F401
import weakref, zlib  # noqa: E401,F401

import wit_world

# Where componentize-py mounts the standard library during pre-initialization; the host
# mounts the same tree, read-only, at the same place for every run.
STDLIB = "/python"
# The first --python-path directory, writable only during the build. When the build asks for
# it (by creating this marker), the guest copies the standard library there so the host can
# mount it at run time; this keeps the copy byte-identical to the interpreter in the snapshot.
EXPORT_MARKER = "/0/.rlvr-export-stdlib"
EXPORT_DIR = "/0/stdlib"


def _export_stdlib():
    import compileall
    import py_compile
    import shutil

    shutil.copytree(
        STDLIB,
        EXPORT_DIR,
        ignore=shutil.ignore_patterns("__pycache__", "site-packages", "test", "tests", "idlelib"),
    )
    # Byte-code next to each source, never checked against it (the tree is read-only), so a
    # run that imports an unsnapshotted module does not have to compile it.
    compileall.compile_dir(
        EXPORT_DIR,
        quiet=2,
        workers=1,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


if os.path.exists(EXPORT_MARKER):
    _export_stdlib()

def _exit_now(n, /):
    """os._exit: end the process at once with status n (the host reports exited(n))."""
    n = operator.index(n)
    if not -(2**31) <= n < 2**31:
        raise OverflowError("exit status out of range")
    wit_world.exit_now(n)


# wasi-libc's _exit maps every non-zero status to 1; route os._exit (and posix._exit, the
# same function) through the host instead, so the status survives.
os._exit = _exit_now
sys.modules["posix"]._exit = _exit_now

# Only the standard library is importable at run time: the build-time paths (the app
# directory, the builder's site-packages) do not exist in a run.
sys.path[:] = [STDLIB]
sys.path_importer_cache.clear()
sys.argv[:] = ["main.py"]


def _exit_status(exc):
    """The process exit status CPython would report for an uncaught SystemExit."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, bool):
        return int(code)
    if isinstance(code, int):
        return max(-(2**31), min(code, 2**31 - 1))
    try:
        print(code, file=sys.stderr)
    except BaseException:
        pass
    return 1


def _flush():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except BaseException:
            pass


class WitWorld(wit_world.WitWorld):
    def run(self, code: str) -> tuple[int, bool]:
        main = {"__name__": "__main__", "__builtins__": builtins, "__file__": "main.py"}
        out_of_memory = False
        try:
            exec(compile(code, "main.py", "exec"), main)
            status = 0
        except SystemExit as exc:
            status = _exit_status(exc)
        except BaseException as exc:
            out_of_memory = isinstance(exc, MemoryError)
            try:
                traceback.print_exc()
            except BaseException:
                pass
            status = 1
        _flush()
        return (status, out_of_memory)
