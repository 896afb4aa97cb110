//! `rlvr grade` end to end: the real binary on real files, with times filtered out.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn rlvr() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rlvr"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rlvr-grade-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Exit code 0 (every item graded), or the grader's stderr in the failure message.
fn assert_graded_all(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn grade(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = rlvr();
    cmd.arg("grade").args(args);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn rlvr");
    // Feed stdin from a thread: the grader writes while it reads, so writing everything
    // first would deadlock once the stdout pipe is full.
    let feeder = stdin.map(|text| {
        let mut pipe = child.stdin.take().unwrap();
        let text = text.to_string();
        std::thread::spawn(move || {
            let _ = pipe.write_all(text.as_bytes());
        })
    });
    let out = child.wait_with_output().unwrap();
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    out
}

/// Output lines as JSON with `elapsed_us` removed (the only field that varies run to run).
fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            v.as_object_mut().unwrap().remove("elapsed_us");
            v
        })
        .collect()
}

fn math(id: u64, response: &str, gold: &str) -> String {
    serde_json::json!({"id": id, "domain": "math", "response": response, "ground_truth": gold})
        .to_string()
}

#[test]
fn jsonl_malformed_lines_keep_their_place() {
    let dir = tmpdir("malformed");
    let input = [
        math(1, "so \\boxed{42}", "42"),
        "this is not json".to_string(),
        r#"{"id": 3, "response": 5, "ground_truth": "1"}"#.to_string(),
        String::new(), // blank lines are skipped, not records
        r#"{"id": 5, "response": "\\boxed{1}"}"#.to_string(),
        r#"{"id": 6, "domain": "chemistry", "response": "x", "ground_truth": "1"}"#.to_string(),
        math(7, "so \\boxed{41}", "42"),
    ]
    .join("\n");
    let path = dir.join("in.jsonl");
    std::fs::write(&path, input).unwrap();
    let out = grade(&[path.to_str().unwrap(), "--quiet"], None);
    assert_eq!(out.status.code(), Some(1), "some items malformed -> exit 1");
    let got = lines(&out.stdout);
    let ids: Vec<Value> = got.iter().map(|v| v["id"].clone()).collect();
    assert_eq!(
        ids,
        vec![
            1.into(),
            Value::Null,
            3.into(),
            5.into(),
            6.into(),
            7.into()
        ]
    );
    let verdicts: Vec<&str> = got.iter().map(|v| v["verdict"].as_str().unwrap()).collect();
    assert_eq!(
        verdicts,
        ["correct", "error", "error", "error", "error", "incorrect"]
    );
    assert_eq!(got[1]["line"], 2);
    assert!(got[1]["reason"]
        .as_str()
        .unwrap()
        .contains("line 2: not valid JSON"));
    assert!(got[2]["reason"]
        .as_str()
        .unwrap()
        .contains("'response' must be a string"));
    assert_eq!(got[3]["line"], 5);
    assert!(got[3]["reason"].as_str().unwrap().contains("ground_truth"));
    assert!(got[4]["reason"]
        .as_str()
        .unwrap()
        .contains("unknown domain"));
}

/// Lines that are not UTF-8 (inside a string, or outside one) are malformed with that reason;
/// CRLF line ends and a last line without a newline are read like any other line.
#[test]
fn non_utf8_lines_are_malformed_and_crlf_is_read() {
    let dir = tmpdir("utf8");
    let mut input = Vec::new();
    input.extend_from_slice(math(1, "so \\boxed{2}", "2").as_bytes());
    input.extend_from_slice(b"\r\n{\"id\": 2, \"domain\": \"math\", \"response\": \"\xff\xfe\", \"ground_truth\": \"1\"}\r\n");
    input.extend_from_slice(b"\xc3{}\n");
    input.extend_from_slice(math(4, "so \\boxed{5}", "4").as_bytes());
    let path = dir.join("in.jsonl");
    std::fs::write(&path, input).unwrap();
    let out = grade(&[path.to_str().unwrap(), "--quiet"], None);
    assert_eq!(out.status.code(), Some(1));
    let got = lines(&out.stdout);
    let verdicts: Vec<&str> = got.iter().map(|v| v["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["correct", "error", "error", "incorrect"]);
    for (v, line) in got[1..3].iter().zip([2, 3]) {
        assert_eq!(v["line"], line);
        let reason = v["reason"].as_str().unwrap();
        assert!(
            reason.contains(&format!("line {line}: invalid UTF-8")),
            "{reason}"
        );
    }
    assert_eq!(got[3]["id"], 4);
}

/// verl_sample.parquet (fixtures/grade/make_parquet.py): 4 prompts x 4 samples; prompt i has
/// i+1 correct samples. Hand-computed: pass@1 = (1+2+3+4)/16 = 0.625;
/// pass@2 = mean(1 - C(4-c,2)/C(4,2)) = (0.5 + 5/6 + 1 + 1)/4 = 0.833333; pass@4 = 1.
#[test]
fn parquet_multi_sample_pass_at_k() {
    let dir = tmpdir("parquet");
    let summary = dir.join("summary.json");
    let parquet = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/grade/verl_sample.parquet");
    let out = grade(
        &[
            parquet.to_str().unwrap(),
            "--quiet",
            "--summary-json",
            summary.to_str().unwrap(),
        ],
        None,
    );
    assert_graded_all(&out);
    let got = lines(&out.stdout);
    assert_eq!(got.len(), 16);
    for (i, v) in got.iter().enumerate() {
        assert_eq!(v["sample"], i % 4, "samples numbered in order");
    }
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let o = &s["overall"];
    assert_eq!(o["n"], 4);
    assert_eq!(o["samples"], 16);
    assert_eq!(o["mean_reward"], 0.625);
    assert_eq!(o["pass_at_k"]["1"], 0.625);
    assert_eq!(o["pass_at_k"]["2"], 0.833333);
    assert_eq!(o["pass_at_k"]["4"], 1.0);
    // Groups by data_source: gsm8k has prompts 0 and 2 (c = 1, 3).
    let g = &s["groups"]["openai/gsm8k"];
    assert_eq!(g["n"], 2);
    assert_eq!(g["pass_at_k"]["1"], 0.5);
    assert_eq!(g["pass_at_k"]["2"], 0.75);

    // Fields the flags name are read from columns grading otherwise skips (`extra_info`).
    let out = grade(
        &[
            parquet.to_str().unwrap(),
            "--quiet",
            "--group-by",
            "extra_info.split",
            "--id-field",
            "extra_info.index",
            "--summary-json",
            summary.to_str().unwrap(),
        ],
        None,
    );
    assert_graded_all(&out);
    let got = lines(&out.stdout);
    assert_eq!(got[4]["id"], 1, "ids from extra_info.index");
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["groups"]["test"]["n"], 4, "{s}");
}

fn many_items(n: u64) -> String {
    (0..n)
        .map(|i| {
            let gold = (i * 7) % 1000;
            let answer = if i % 3 == 0 { gold + 1 } else { gold };
            math(
                i,
                &format!("Work... so the answer is \\boxed{{{answer}}}."),
                &gold.to_string(),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn order_is_kept_under_parallelism_and_stdin_works() {
    let input = many_items(3000);
    let out = grade(
        &["-", "--quiet", "--jobs", "2", "--batch", "97"],
        Some(&input),
    );
    assert_eq!(out.status.code(), Some(0));
    let got = lines(&out.stdout);
    assert_eq!(got.len(), 3000);
    for (i, v) in got.iter().enumerate() {
        assert_eq!(v["id"], i as u64);
        let want = if i % 3 == 0 { "incorrect" } else { "correct" };
        assert_eq!(v["verdict"], want, "item {i}");
    }
}

#[test]
fn resume_continues_where_the_output_stops() {
    let dir = tmpdir("resume");
    let input = dir.join("in.jsonl");
    std::fs::write(&input, many_items(500)).unwrap();
    let full = dir.join("full.jsonl");
    let out = grade(
        &[
            input.to_str().unwrap(),
            "--quiet",
            "--out",
            full.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let full_text = std::fs::read_to_string(&full).unwrap();

    // An interrupted run: 123 complete lines and half of the next one.
    let partial = dir.join("partial.jsonl");
    let mut text: String = full_text
        .lines()
        .take(123)
        .map(|l| format!("{l}\n"))
        .collect();
    let next = full_text.lines().nth(123).unwrap();
    text.push_str(&next[..next.len() / 2]);
    std::fs::write(&partial, text).unwrap();

    let summary = dir.join("s.json");
    let out = grade(
        &[
            input.to_str().unwrap(),
            "--quiet",
            "--resume",
            "--out",
            partial.to_str().unwrap(),
            "--summary-json",
            summary.to_str().unwrap(),
        ],
        None,
    );
    assert_graded_all(&out);
    assert_eq!(
        lines(std::fs::read_to_string(&partial).unwrap().as_bytes()),
        lines(full_text.as_bytes())
    );
    // The summary counts the resumed items too.
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["overall"]["n"], 500);
}

#[test]
fn field_mapping_and_group_by() {
    let input = [
        r#"{"uid": "a", "out": ["\\boxed{2}", "\\boxed{3}"], "answer": "2", "src": "x"}"#,
        r#"{"uid": "b", "out": ["\\boxed{5}", "\\boxed{5}"], "answer": "5", "src": "y"}"#,
    ]
    .join("\n");
    let dir = tmpdir("mapping");
    let summary = dir.join("s.json");
    let out = grade(
        &[
            "-",
            "--quiet",
            "--response-field",
            "out",
            "--ground-truth-field",
            "answer",
            "--id-field",
            "uid",
            "--group-by",
            "src",
            "--summary-json",
            summary.to_str().unwrap(),
        ],
        Some(&input),
    );
    assert_graded_all(&out);
    let got = lines(&out.stdout);
    let ids: Vec<&str> = got.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "a", "b", "b"]);
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["groups"]["x"]["pass_at_k"]["1"], 0.5);
    assert_eq!(s["groups"]["y"]["pass_at_k"]["2"], 1.0);
}

#[test]
fn missing_input_fails_with_exit_2() {
    let out = grade(&["/nonexistent/file.jsonl"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
}

/// Ctrl-C while the input is idle (stdin still open): the grader has graded every whole line
/// it received without waiting for more, stops at once, leaves them as valid JSON lines, and
/// the exit code says the run is incomplete.
#[test]
fn ctrl_c_leaves_a_valid_output() {
    let dir = tmpdir("sigint");
    let out_path = dir.join("out.jsonl");
    let mut child = rlvr()
        .args(["grade", "-", "--quiet", "--batch", "8", "--out"])
        .arg(&out_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(many_items(50).as_bytes()).unwrap();
    stdin.write_all(b"\n").unwrap();
    stdin.flush().unwrap();
    // Units of at most 8 lines: six of 8 and one of 2, and the half line after them waits.
    stdin.write_all(b"{\"id\": 50, ").unwrap();
    stdin.flush().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(&out_path).map_or(0, |t| t.lines().count()) < 50 {
        assert!(
            std::time::Instant::now() < deadline,
            "grader made no progress"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    let got = lines(std::fs::read_to_string(&out_path).unwrap().as_bytes());
    assert_eq!(got.len(), 50);
    for (i, v) in got.iter().enumerate() {
        assert_eq!(v["id"], i as u64);
    }
}

/// `stop_at_first_failure` as an item field in `rlvr grade`: the second of five tests fails,
/// tests 3-5 are `not_run`, reward 1/5; without it all five run (4/5).
#[test]
fn code_item_stop_at_first_failure() {
    let tests = serde_json::json!([
        {"stdin": "1\n", "stdout": "2\n"}, {"stdin": "2\n", "stdout": "5\n"},
        {"stdin": "3\n", "stdout": "6\n"}, {"stdin": "4\n", "stdout": "8\n"},
        {"stdin": "5\n", "stdout": "10\n"}]);
    let item = |id: u64, stop: bool| {
        serde_json::json!({"id": id, "domain": "code", "response": "print(int(input()) * 2)",
            "ground_truth": {"tests": tests}, "stop_at_first_failure": stop})
        .to_string()
    };
    let input = format!("{}\n{}\n", item(0, true), item(1, false));
    let out = grade(&["-", "--quiet", "--detail"], Some(&input));
    assert_graded_all(&out);
    let got = lines(&out.stdout);
    assert_eq!(got[0]["reward"], 0.2, "{}", got[0]);
    let statuses: Vec<&str> = got[0]["detail"]["tests"]
        .as_array()
        .unwrap_or_else(|| panic!("detail: {}", got[0]))
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["passed", "wrong_answer", "not_run", "not_run", "not_run"]
    );
    assert_eq!(got[1]["reward"], 0.8, "{}", got[1]);
}

/// `"elapsed_us":N` (the one field that varies from run to run) as `"elapsed_us":"*"`.
fn mask_times(text: &str) -> String {
    let key = "\"elapsed_us\":";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(key) {
        let after = &rest[at + key.len()..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(&rest[..at + key.len()]);
        out.push_str("\"*\"");
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// The whole output of a run on `fixtures/grade/snapshot_in.jsonl` (math with one and several
/// samples, logic, malformed lines, a blank line, an item without id): the verdict lines, the
/// summary JSON and the table on stderr, times masked, against the files next to it, on one
/// worker and on three, from a file and from stdin. `RLVR_BLESS=1` rewrites the snapshots.
#[test]
fn output_matches_the_snapshots() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/grade");
    let input = fixtures.join("snapshot_in.jsonl");
    let dir = tmpdir("snapshot");
    let summary = dir.join("summary.json");
    let run = |jobs: &str, stdin: bool| {
        let text = std::fs::read_to_string(&input).unwrap();
        let path = input.to_str().unwrap();
        let source = if stdin { "-" } else { path };
        let args = [
            source,
            "--jobs",
            jobs,
            "--summary-json",
            summary.to_str().unwrap(),
        ];
        let out = grade(&args, stdin.then_some(text.as_str()));
        assert_eq!(out.status.code(), Some(1), "four lines are malformed");
        let table: String = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| !l.starts_with("graded "))
            .map(|l| format!("{l}\n"))
            .collect();
        let verdicts = mask_times(&String::from_utf8_lossy(&out.stdout));
        (verdicts, std::fs::read_to_string(&summary).unwrap(), table)
    };
    let got = run("1", false);
    let files = [
        "snapshot_out.jsonl",
        "snapshot_summary.json",
        "snapshot_table.txt",
    ];
    if std::env::var_os("RLVR_BLESS").is_some() {
        for (name, text) in files.iter().zip([&got.0, &got.1, &got.2]) {
            std::fs::write(fixtures.join(name), text).unwrap();
        }
    }
    for (name, text) in files.iter().zip([&got.0, &got.1, &got.2]) {
        let want = std::fs::read_to_string(fixtures.join(name)).unwrap();
        assert_eq!(text, &want, "{name} differs (RLVR_BLESS=1 rewrites it)");
    }
    assert_eq!(run("3", false), got, "three workers");
    assert_eq!(run("2", true), got, "from stdin");
}

/// gzip- and zstd-compressed JSONL (from a file whatever its name, or from stdin) grade as the
/// plain file does.
#[test]
fn compressed_jsonl_is_read_decompressed() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/grade");
    let text = std::fs::read(fixtures.join("snapshot_in.jsonl")).unwrap();
    let want = std::fs::read_to_string(fixtures.join("snapshot_out.jsonl")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::stream::encode_all(&text[..], 3).unwrap();
    let dir = tmpdir("compressed");
    for (name, bytes) in [
        ("in.jsonl.gz", &gz),
        ("in.jsonl.zst", &zst),
        ("in.jsonl", &gz),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = grade(&[path.to_str().unwrap(), "--quiet"], None);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert_eq!(
            mask_times(&String::from_utf8_lossy(&out.stdout)),
            want,
            "{name}"
        );
    }
    // From stdin (bytes that are not UTF-8: fed by hand).
    let mut child = rlvr()
        .args(["grade", "-", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&zst));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert_eq!(mask_times(&String::from_utf8_lossy(&out.stdout)), want);
}

/// A compressed input that breaks off: exit 2, an error that says how many items the output
/// holds, the output a whole-line prefix of the full run's, and `--resume` on the whole file
/// completes it.
#[test]
fn a_broken_input_stops_with_a_valid_prefix_that_resume_completes() {
    let dir = tmpdir("broken");
    let text = many_items(20_000);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let (whole, broken) = (dir.join("in.jsonl.gz"), dir.join("broken.jsonl.gz"));
    std::fs::write(&whole, &gz).unwrap();
    std::fs::write(&broken, &gz[..gz.len() / 2]).unwrap();
    let full = dir.join("full.jsonl");
    let out = grade(
        &[
            whole.to_str().unwrap(),
            "--quiet",
            "--out",
            full.to_str().unwrap(),
        ],
        None,
    );
    assert_graded_all(&out);
    let full = std::fs::read_to_string(&full).unwrap();

    let partial = dir.join("partial.jsonl");
    let p = partial.to_str().unwrap();
    let out = grade(&[broken.to_str().unwrap(), "--quiet", "--out", p], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stopped after") && err.contains("--resume"),
        "{err}"
    );
    let got = std::fs::read_to_string(&partial).unwrap();
    let n = got.lines().count();
    assert!(got.ends_with('\n'));
    assert_eq!(lines(got.as_bytes()), lines(full.as_bytes())[..n]);
    assert!(n > 0 && n < 20_000, "{n} lines");
    assert!(err.contains(&format!("stopped after {n} items")), "{err}");

    let out = grade(
        &[whole.to_str().unwrap(), "--quiet", "--resume", "--out", p],
        None,
    );
    assert_graded_all(&out);
    let resumed = std::fs::read_to_string(&partial).unwrap();
    assert_eq!(lines(resumed.as_bytes()), lines(full.as_bytes()));
}

/// A response with no explicit answer is `no_answer` by default; `--lenient` (or an item's
/// own `lenient`) reads its last number, for evaluating base models.
#[test]
fn the_last_number_counts_only_when_lenient() {
    let rows = [
        math(1, "so we divide and get 12 apples", "12"),
        r#"{"id":2,"response":"so we divide and get 12 apples","ground_truth":"12","lenient":true}"#
            .to_string(),
        math(3, "copying the prompt's \\boxed{} ... The final answer is 7.", "7"),
    ]
    .join("\n");
    let verdicts = |out: &Output| -> Vec<String> {
        lines(&out.stdout)
            .iter()
            .map(|v| v["verdict"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    let strict = grade(&["-", "-q"], Some(&rows));
    assert_eq!(verdicts(&strict), ["no_answer", "correct", "correct"]);
    let lenient = grade(&["-", "-q", "--lenient"], Some(&rows));
    assert_eq!(verdicts(&lenient), ["correct", "correct", "correct"]);
}
