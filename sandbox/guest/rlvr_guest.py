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

def _install_threads():
    """Threads without threads: WASI has none, so `Thread.start()` runs the target at once, on
    the calling thread, and `join()` returns. This is the pattern competitive programmers use
    for a deeper stack (`threading.stack_size(...)`, `Thread(target=main).start()`, `join()`),
    and any program whose threads do not wait on each other; a `ThreadPoolExecutor` runs each
    task as it is submitted. A thread that waits for another (a producer/consumer pair, an
    `Event` nobody sets) would wait forever: CPython for WASI stops the run with a trap.
    As in CPython, an exception ends only its thread: it is printed to stderr by
    `threading.excepthook` and the program goes on; `SystemExit` ends the thread quietly. A
    `MemoryError` ends the run, as it would in the main thread here.
    """
    import _thread
    import threading

    def start(self):
        if not self._initialized:
            raise RuntimeError("thread.__init__() not called")
        if self._started.is_set():
            raise RuntimeError("threads can only be started once")
        self._started.set()
        try:
            self.run()
        except SystemExit:
            pass
        except MemoryError:
            raise
        except BaseException:
            hook = getattr(self, "_invoke_excepthook", None)
            if hook is not None:
                hook(self)
            else:
                traceback.print_exc()
        finally:
            self._rlvr_finished = True

    def join(self, timeout=None):
        if not self._initialized:
            raise RuntimeError("Thread.__init__() not called")
        if not self._started.is_set():
            raise RuntimeError("cannot join thread before it is started")

    def is_alive(self):
        return self._started.is_set() and not getattr(self, "_rlvr_finished", False)

    stack = [0]

    def stack_size(size=0, /):
        size = operator.index(size)
        if size != 0 and size < 32768:
            raise ValueError(f"size not valid: {size} bytes")
        old, stack[0] = stack[0], size
        return old

    def start_new_thread(function, args, kwargs=None, /):
        try:
            function(*args, **(kwargs or {}))
        except SystemExit:
            pass
        except MemoryError:
            raise
        except BaseException:
            traceback.print_exc()
        return _thread.get_ident()

    # A thread pool runs each task when it is submitted: its idle workers would otherwise
    # wait for work forever.
    import concurrent.futures
    import concurrent.futures.thread

    def submit(self, fn, /, *args, **kwargs):
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future = concurrent.futures.Future()
        try:
            result = fn(*args, **kwargs)
        except MemoryError:
            raise
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait=True, *, cancel_futures=False):
        self._shutdown = True

    concurrent.futures.ThreadPoolExecutor.submit = submit
    concurrent.futures.ThreadPoolExecutor.shutdown = shutdown

    threading.Thread.start = start
    threading.Thread.join = join
    threading.Thread.is_alive = is_alive
    threading.stack_size = stack_size
    _thread.stack_size = stack_size
    _thread.start_new_thread = start_new_thread
    _thread.start_new = start_new_thread


_install_threads()

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
