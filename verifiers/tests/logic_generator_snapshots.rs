//! Pins the generators of the grid families (the registry's `Group::Grid`): `generate(seed)` must produce the same bytes on
//! every run, platform and build. Each family's output for a few seeds is reduced to an FNV-1a
//! hash of its JSON serialization and compared with
//! `fixtures/logic/snapshots/grid_generators.json`. After an intended change to a generator,
//! rerun with `RLVR_BLESS=1` to rewrite that file, and say why in the commit.

use rlvr_verifiers::logic::{self, GenConfig, Group};
use serde_json::{Map, Value};
use std::path::PathBuf;

const SEEDS: [u64; 3] = [0, 7, 123_456_789];

fn fnv1a(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/logic/snapshots/grid_generators.json")
}

#[test]
fn generators_match_pinned_hashes() {
    let mut now = Map::new();
    let grid = logic::families().iter().filter(|f| f.group == Group::Grid);
    for f in grid {
        let fam = f.name;
        for seed in SEEDS {
            let g = (f.generate)(&GenConfig {
                seed,
                ..GenConfig::default()
            })
            .expect("default settings generate");
            let json = serde_json::to_string(&g).expect("serializable");
            now.insert(
                format!("{fam}/{seed}"),
                Value::String(fnv1a(json.as_bytes())),
            );
        }
    }
    let path = snapshot_path();
    if std::env::var_os("RLVR_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&Value::Object(now)).expect("serializable");
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, text + "\n").expect("write snapshot");
        return;
    }
    let text = std::fs::read_to_string(&path).expect("snapshot file (RLVR_BLESS=1 writes it)");
    let pinned: Map<String, Value> = serde_json::from_str(&text).expect("snapshot is JSON");
    let diffs: Vec<String> = now
        .iter()
        .filter(|(k, v)| pinned.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: now {v}, pinned {:?}", pinned.get(k)))
        .collect();
    assert!(
        diffs.is_empty(),
        "generator output changed:\n{}",
        diffs.join("\n")
    );
}
