//! Pins every registered family's generator: `generate(seed)` must produce the same entry on
//! every run, platform and build. For each family and each of `SEEDS`, the entry is reduced to a
//! 64-bit FNV-1a digest of its canonical JSON and compared with
//! `fixtures/logic/snapshots/generators.json` (one `"family/seed": "digest"` line each, so a
//! change names the family and the seed). After an intended change to a generator, or a new
//! family, rerun with `RLVR_BLESS=1` to rewrite that file, and say why in the commit.
//!
//! The canonical JSON is `{"question":..,"answer":..,"metadata":..}` with the metadata's object
//! keys sorted at every level. That is byte for byte what `serde_json::to_string` writes for a
//! `Generated` today (serde_json's map is sorted unless its `preserve_order` feature is on), and
//! it stays the same if that feature is ever switched on, so only the generated content is
//! pinned, never the serializer's key order.
//!
//! This one format replaces three: the grid and reasoning families had a digest of
//! `serde_json::to_string` per family and seed (seeds 0, 7, 123456789 and 1, 99, 2026112800;
//! their 54 digests are kept here unchanged), the move families one digest per family folding
//! seeds 0..=3 over question, answer and key-sorted metadata. All three pinned the same thing,
//! the generated entry; now every family is pinned per seed at the union of those seeds.

use rlvr_verifiers::logic::{self, GenConfig, Generated};
use serde_json::{Map, Value};
use std::path::PathBuf;

const SEEDS: [u64; 8] = [0, 1, 2, 3, 7, 99, 123_456_789, 2_026_112_800];

fn fnv1a(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}")
}

/// JSON text with object keys sorted at every level, whatever serde_json's map order is.
fn canon(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let body: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canon(&m[k])))
                .collect();
            format!("{{{}}}", body.join(","))
        }
        Value::Array(a) => format!("[{}]", a.iter().map(canon).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// The canonical JSON of a generated entry (see the module doc).
fn canonical_entry(g: &Generated) -> String {
    format!(
        "{{\"question\":{},\"answer\":{},\"metadata\":{}}}",
        Value::String(g.question.clone()),
        Value::String(g.answer.clone()),
        canon(&g.metadata)
    )
}

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/logic/snapshots/generators.json")
}

#[test]
fn generators_match_pinned_digests() {
    let mut now = Map::new();
    let mut failures = Vec::new();
    for f in logic::families() {
        for seed in SEEDS {
            let config = GenConfig {
                seed,
                ..GenConfig::default()
            };
            match (f.generate)(&config) {
                Ok(g) => {
                    let digest = fnv1a(canonical_entry(&g).as_bytes());
                    now.insert(format!("{}/{seed}", f.name), Value::String(digest));
                }
                Err(e) => failures.push(format!("{}/{seed}: generate failed: {e}", f.name)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let path = snapshot_path();
    if std::env::var_os("RLVR_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&Value::Object(now)).expect("serializable");
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, text + "\n").expect("write snapshot");
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (RLVR_BLESS=1 writes it)", path.display()));
    let pinned: Map<String, Value> = serde_json::from_str(&text).expect("snapshot is JSON");
    let changed = now
        .iter()
        .filter(|(k, v)| pinned.get(*k) != Some(v))
        .map(|(k, v)| match pinned.get(k) {
            Some(p) => format!("{k}: now {v}, pinned {p}"),
            None => format!("{k}: now {v}, not pinned"),
        });
    let gone = pinned
        .keys()
        .filter(|k| !now.contains_key(*k))
        .map(|k| format!("{k}: pinned, no longer generated"));
    let diffs: Vec<String> = changed.chain(gone).collect();
    assert!(
        diffs.is_empty(),
        "generator output differs from {} (if intended, rerun with RLVR_BLESS=1):\n{}",
        path.display(),
        diffs.join("\n")
    );
}
