//! End-to-end runs of the real guest: stdio, exit statuses, imports, limits, isolation.

use rlvr_sandbox::{Job, Limits, RunEnd, Sandbox};
use std::sync::Arc;
use std::time::Duration;

fn sandbox() -> Arc<Sandbox> {
    rlvr_sandbox::shared().expect("the sandbox runtime builds and loads")
}

fn run(code: &str, stdin: &str) -> rlvr_sandbox::RunOutput {
    let job = Job {
        code: code.into(),
        stdin: stdin.as_bytes().to_vec(),
    };
    sandbox().run(&job, &Limits::default()).expect("host ok")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn prints_and_exits_zero() {
    let out = run("print(1)", "");
    assert_eq!(
        out.outcome,
        RunEnd::Exited(0),
        "stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "1\n");
}

#[test]
fn stdin_is_a_real_byte_stream() {
    let out = run(
        "import sys\nprint(sys.stdin.readline().strip()[::-1])",
        "abc\nrest\n",
    );
    assert_eq!(text(&out.stdout), "cba\n");
    let out = run("import sys\nprint(len(sys.stdin.buffer.read()))", "12345");
    assert_eq!(text(&out.stdout), "5\n");
    let out = run("print(open(0).read().split())", "a b\nc");
    assert_eq!(text(&out.stdout), "['a', 'b', 'c']\n");
    let out = run("print(sum(map(int, input().split())))", "2 3\n");
    assert_eq!(text(&out.stdout), "5\n");
    let out = run("input()", "");
    assert_eq!(out.outcome, RunEnd::Exited(1));
    assert!(
        text(&out.stderr).contains("EOFError"),
        "{}",
        text(&out.stderr)
    );
}

/// One write larger than any internal chunk arrives whole (it was cut at 1 MiB with exit 0);
/// one past the output cap ends with the cap's outcome, never a silent cut.
#[test]
fn a_single_large_write_is_never_cut_short() {
    let out = run("import sys\nsys.stdout.write('x' * 2_000_000)", "");
    assert_eq!(out.outcome, RunEnd::Exited(0), "{}", text(&out.stderr));
    assert_eq!(out.stdout.len(), 2_000_000);
    assert!(!out.stdout_truncated);
    let out = run(
        "import os\nn = os.write(1, b'y' * 1_500_000)\nos.write(2, str(n).encode())",
        "",
    );
    assert_eq!(out.outcome, RunEnd::Exited(0), "{}", text(&out.stderr));
    assert_eq!(out.stdout.len(), 1_500_000);
    assert_eq!(text(&out.stderr), "1500000");
    let out = run("import sys\nsys.stdout.write('z' * 5_000_000)", "");
    assert_eq!(out.outcome, RunEnd::OutputLimit);
    assert!(out.stdout_truncated);
    assert_eq!(out.stdout.len(), Limits::default().stdout_bytes);
}

/// The Codeforces habit: a deeper stack through a thread. `start()` runs the target on the
/// calling thread (WASI has no threads), so the recursion and the output are the program's.
#[test]
fn a_thread_for_a_deeper_stack_runs_its_target() {
    let code = "import sys, threading\n\
                sys.setrecursionlimit(10 ** 6)\n\
                threading.stack_size(2 ** 27)\n\
                def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\n\
                def main():\n    n = int(sys.stdin.readline())\n    print(depth(n))\n\
                t = threading.Thread(target=main)\nt.start()\nt.join()\n\
                print('alive', t.is_alive())\n";
    let out = run(code, "50000\n");
    assert_eq!(out.outcome, RunEnd::Exited(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "50000\nalive False\n");
    // As in CPython, an exception ends its thread only; SystemExit ends it quietly.
    let code = "import threading\n\
                def bad():\n    raise ValueError('boom')\n\
                def quits():\n    raise SystemExit(3)\n\
                threading.Thread(target=bad).start()\n\
                threading.Thread(target=quits).start()\n\
                print('after')\n";
    let out = run(code, "");
    assert_eq!(out.outcome, RunEnd::Exited(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "after\n");
    assert!(
        text(&out.stderr).contains("ValueError: boom"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        "import threading\nt = threading.Thread(target=print)\nt.join()",
        "",
    );
    assert!(text(&out.stderr).contains("cannot join thread before it is started"));
}

#[test]
fn exit_statuses() {
    assert_eq!(
        run("import sys\nsys.exit(3)", "").outcome,
        RunEnd::Exited(3)
    );
    assert_eq!(run("raise SystemExit", "").outcome, RunEnd::Exited(0));
    // os._exit goes through the guest's `exit-now` import, so the status survives (WASI
    // 0.2's own `exit` carries only success or failure).
    assert_eq!(run("import os\nos._exit(0)", "").outcome, RunEnd::Exited(0));
    assert_eq!(run("import os\nos._exit(7)", "").outcome, RunEnd::Exited(7));
    assert_eq!(
        run("import posix\nposix._exit(-2)", "").outcome,
        RunEnd::Exited(-2)
    );
    let out = run(
        "import os\nprint('x', flush=True)\nos._exit(3)\nprint('after')",
        "",
    );
    assert_eq!(out.outcome, RunEnd::Exited(3), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "x\n");
    // It cannot be caught, and `finally` blocks do not run.
    let out = run(
        "import os\ntry:\n    os._exit(5)\nexcept BaseException:\n    print('caught')\n\
         finally:\n    print('finally')",
        "",
    );
    assert_eq!(out.outcome, RunEnd::Exited(5));
    assert_eq!(text(&out.stdout), "");
    let out = run("import os\nos._exit(2**40)", "");
    assert_eq!(out.outcome, RunEnd::Exited(1));
    assert!(
        text(&out.stderr).contains("OverflowError"),
        "{}",
        text(&out.stderr)
    );
    let out = run("1/0", "");
    assert_eq!(out.outcome, RunEnd::Exited(1));
    assert!(text(&out.stderr).contains("ZeroDivisionError"));
    let out = run("def f(:\n  pass", "");
    assert_eq!(out.outcome, RunEnd::Exited(1));
    assert!(text(&out.stderr).contains("SyntaxError"));
}

#[test]
fn any_stdlib_module_imports() {
    // Snapshotted ones and ones read from the mounted standard library.
    let code = "import collections, heapq, fractions, decimal, tomllib, xml.dom.minidom, \
                email.message, zoneinfo, graphlib, sqlite3 if False else None\n\
                import importlib\nprint(importlib.import_module('tomllib').loads('a=1')['a'])";
    let out = run(&code.replace(", sqlite3 if False else None", ""), "");
    assert_eq!(out.outcome, RunEnd::Exited(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "1\n");
}

#[test]
fn instances_come_from_the_pool_by_default() {
    let pooling_off = std::env::var("RLVR_SANDBOX_POOLING").is_ok_and(|v| v.trim() == "0");
    assert_eq!(sandbox().pooled(), !pooling_off);
}

#[test]
fn nothing_survives_between_runs() {
    let a = run("import builtins\nbuiltins.leak = 1\nprint('set')", "");
    assert_eq!(text(&a.stdout), "set\n");
    let b = run("import builtins\nprint(hasattr(builtins, 'leak'))", "");
    assert_eq!(text(&b.stdout), "False\n");
}

#[test]
fn limits_end_runs_with_outcomes() {
    let s = sandbox();
    let limits = Limits {
        wall_time: Duration::from_millis(500),
        memory_bytes: 128 << 20,
        stdout_bytes: 1000,
        stderr_bytes: 1000,
    };
    let go = |code: &str| {
        let job = Job {
            code: code.into(),
            stdin: vec![],
        };
        s.run(&job, &limits).expect("host ok")
    };
    // Wall limits are checked by the outcome, not by timing the test.
    assert_eq!(go("while True: pass").outcome, RunEnd::Timeout);
    assert_eq!(go("import time\ntime.sleep(1000)").outcome, RunEnd::Timeout);
    let t = go("import time\nprint('before', flush=True)\ntime.sleep(1000)");
    assert_eq!(t.outcome, RunEnd::Timeout);
    assert_eq!(text(&t.stdout), "before\n");
    assert_eq!(go("x = bytearray(1 << 30)").outcome, RunEnd::MemoryLimit);
    let o = go("while True: print('y' * 100)");
    assert_eq!(o.outcome, RunEnd::OutputLimit);
    assert!(o.stdout_truncated);
    assert_eq!(o.stdout.len(), 1000);
}

/// A pool the guest does not fit in (memory slots smaller than its snapshot) is noticed when
/// the sandbox is made: it says so on its log and allocates instances on demand instead.
#[test]
fn a_pool_that_cannot_hold_the_guest_falls_back_to_on_demand() {
    let mut config = rlvr_sandbox::SandboxConfig::new().expect("cache dir");
    config.pooling = true;
    config.max_memory_bytes = 1 << 20;
    let lines = std::sync::Mutex::new(Vec::<String>::new());
    let s = Sandbox::new(&config, &|l| lines.lock().unwrap().push(l.to_string())).expect("sandbox");
    assert!(!s.pooled());
    let lines = lines.into_inner().unwrap();
    assert!(
        lines.iter().any(|l| l.contains("on demand")),
        "log: {lines:?}"
    );
    let out = s
        .run(
            &Job {
                code: "print(6 * 7)".into(),
                stdin: vec![],
            },
            &Limits::default(),
        )
        .expect("host ok");
    assert_eq!(out.outcome, RunEnd::Exited(0));
    assert_eq!(text(&out.stdout), "42\n");
}
