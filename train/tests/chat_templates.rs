//! Chat templates rendered as transformers renders them: every template of
//! `fixtures/train/chat_templates/templates.jsonl` on every conversation of
//! `conversations.jsonl`, with and without the generation prompt, against `expected.jsonl`
//! (transformers 5.25's own renderer, `make_reference.py` beside the fixtures). A case the
//! reference rejects (`raise_exception`) must be an error here too, with the same message.

use std::path::{Path, PathBuf};

use rlvr_train::chat::{ChatTemplate, SpecialTokens};
use rlvr_train::tokenizer::Message;
use serde_json::Value;

fn fixture(name: &str) -> Vec<Value> {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/train/chat_templates")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("one JSON value per line"))
        .collect()
}

fn conversation(v: &Value) -> Vec<Message> {
    v.as_array()
        .expect("messages")
        .iter()
        .map(|m| Message {
            role: m["role"].as_str().expect("role").into(),
            content: m["content"].as_str().expect("content").into(),
        })
        .collect()
}

#[test]
fn every_case_renders_as_transformers_renders_it() {
    let templates = fixture("templates.jsonl");
    let conversations: Vec<Vec<Message>> = fixture("conversations.jsonl")
        .iter()
        .map(conversation)
        .collect();
    let expected = fixture("expected.jsonl");
    assert_eq!(expected.len(), templates.len() * conversations.len() * 2);
    let (mut texts, mut errors) = (0, 0);
    for case in &expected {
        let name = case["template"].as_str().expect("template");
        let t = templates
            .iter()
            .find(|t| t["name"] == name)
            .expect("template named by the case");
        let tokens = SpecialTokens {
            bos_token: t["bos_token"].as_str().map(str::to_string),
            eos_token: t["eos_token"].as_str().map(str::to_string),
            ..SpecialTokens::default()
        };
        let tpl = ChatTemplate::new(t["template"].as_str().expect("source"), tokens)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let i = case["conversation"].as_u64().expect("index") as usize;
        let agp = case["add_generation_prompt"].as_bool().expect("bool");
        let got = tpl.render(&conversations[i], agp);
        match (case.get("text").and_then(Value::as_str), got) {
            (Some(want), Ok(got)) => {
                assert_eq!(got, want, "{name} conversation {i} generation prompt {agp}");
                texts += 1;
            }
            (None, Err(e)) => {
                let want = case["error"].as_str().expect("error");
                assert!(e.to_string().contains(want), "{name} {i}: {e} vs {want}");
                errors += 1;
            }
            (want, got) => panic!("{name} conversation {i} ({agp}): want {want:?}, got {got:?}"),
        }
    }
    eprintln!("{texts} renderings equal to transformers', {errors} rejections alike");
}
