//! Pins the generators of the reasoning families (the registry's `Group::Reasoning`): for a few
//! seeds, the 64-bit FNV-1a digest of `generate(seed)`'s JSON must equal the one in
//! `fixtures/logic/snapshots/reasoning_generators.json`, so output stays byte-identical across
//! runs, platforms and builds. After an intended generator change, run with
//! `RLVR_BLESS=1` to rewrite the file and say why in the commit.

use rlvr_verifiers::logic::{self, GenConfig, Group};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// The families pinned here: the registry's reasoning group.
fn families() -> impl Iterator<Item = &'static logic::Family> {
    logic::families()
        .iter()
        .copied()
        .filter(|f| f.group == Group::Reasoning)
}
const SEEDS: [u64; 3] = [1, 99, 2_026_112_800];

fn digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/logic/snapshots/reasoning_generators.json")
}

fn current() -> Value {
    let mut out = Map::new();
    for fam in families() {
        let name = fam.name;
        let digests: Vec<Value> = SEEDS
            .iter()
            .map(|&seed| {
                let g = (fam.generate)(&GenConfig {
                    seed,
                    ..GenConfig::default()
                })
                .expect("default generation works");
                Value::String(digest(&serde_json::to_string(&g).expect("serializable")))
            })
            .collect();
        out.insert(name.to_string(), Value::Array(digests));
    }
    Value::Object(out)
}

#[test]
fn reasoning_generators_are_pinned() {
    let now = current();
    let path = snapshot_path();
    if std::env::var_os("RLVR_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        let text = serde_json::to_string_pretty(&now).expect("serializable") + "\n";
        std::fs::write(&path, text).expect("write snapshot");
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with RLVR_BLESS=1)", path.display()));
    let want: Value = serde_json::from_str(&text).expect("snapshot is JSON");
    for name in families().map(|f| f.name) {
        assert_eq!(
            now[name],
            want[name],
            "{name}: generator output changed for seeds {SEEDS:?}; if intended, rerun with RLVR_BLESS=1"
        );
    }
}
