//! `fixtures/regressions/*.jsonl`: one file per bug fixed, named after its cause, each line
//! an item with the verdict it must get now. Every line goes through the reward engine as
//! `rlvr serve`, `rlvr grade` and `rlvr train` score it (the real sandbox for code).

use rlvr::reward::{Engine, GoldCache, Item};
use serde_json::Value;
use std::path::PathBuf;

#[test]
fn every_fixed_bug_stays_fixed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/regressions exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "only {} regression files", files.len());
    let engine = Engine::default();
    let mut failures = Vec::new();
    let mut cases = 0;
    for file in &files {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let text = std::fs::read_to_string(file).expect("readable");
        for (k, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let at = format!("{name}:{}", k + 1);
            let row: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{at}: {e}"));
            let item = Item::from_value(&row).unwrap_or_else(|e| panic!("{at}: {}", e.reason));
            let mut got = Vec::new();
            engine.score_each(&item, true, &mut GoldCache::default(), |s| got.push(s));
            let v = &got[0].verdict;
            let (reward, verdict) = (&row["want"]["reward"], &row["want"]["verdict"]);
            cases += 1;
            if reward.as_f64() != Some(v.reward) || verdict.as_str() != Some(v.verdict.as_str()) {
                failures.push(format!(
                    "{at} ({}): got {} {} ({}), want {reward} {verdict}",
                    row["bug"],
                    v.reward,
                    v.verdict.as_str(),
                    v.reason
                ));
            }
        }
    }
    assert!(cases >= 10, "only {cases} regression cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
