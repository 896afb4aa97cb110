//! Every row's verdict on a JSONL file of ifeval rows, one line each, to diff two builds.
//!
//! A speed change must not change a verdict: run this on the same rows with the build before
//! and the build after (`ifeval_dump ROWS.jsonl > before.txt`) and compare the files. Prints
//! `line<TAB>reward<TAB>outcome<TAB>reason<TAB>detail` for default and compat options.

use rlvr_verifiers::ifeval::{self, Options};

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: ifeval_dump ROWS.jsonl");
        std::process::exit(2);
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2);
    });
    let modes = [
        Options::default(),
        Options {
            compat: true,
            ..Options::default()
        },
    ];
    for (n, l) in text.lines().enumerate() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
            println!("{n}\tunreadable");
            continue;
        };
        let Some(obj) = v.as_object() else { continue };
        let resp = obj.get("response").and_then(|r| r.as_str()).unwrap_or("");
        let row = match ifeval::row_from_item(obj) {
            Ok(r) => r,
            Err(e) => {
                println!("{n}\trow error: {e}");
                continue;
            }
        };
        for o in &modes {
            let v = ifeval::verify(resp, &row, o);
            println!(
                "{n}\t{}\t{:?}\t{}\t{}",
                v.reward,
                v.verdict,
                v.reason,
                v.detail.map(|d| d.to_string()).unwrap_or_default()
            );
        }
    }
}
