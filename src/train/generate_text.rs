//! `rlvr generate-text`: completions of a prompt file by a model (a Hugging Face checkpoint
//! directory or a GGUF file), greedy or sampled, with per-token log-probs on request and,
//! with `--score`, the reward engine's verdict on each completion. It exists to check a model
//! against another implementation (greedy tokens and log-probs are comparable token for
//! token) and to evaluate a model with the same rewards `rlvr train` optimizes.
//!
//! Output: one JSON line per prompt (per sample with `--n` above 1) on stdout or `--out`: the
//! input row's fields, then `completion` (text, special tokens dropped), `tokens` (ids, the stop
//! token included), `finish` (`stop` or `length`), `prompt_tokens`, and on request `logprobs`
//! (each token's log-prob under the sampling distribution, logits / temperature before top-k /
//! top-p truncation; at temperature 0 the untempered log-prob) and `reward` + `verdict`.

use super::data;
use super::device::{Device, OnBackend};
use super::policy::Policy;
use crate::reward::{Engine, GoldCache};
use anyhow::Context;
use rlvr_train::backend::cuda::Precision;
use rlvr_train::backend::Backend;
use rlvr_train::sample::{generate, Finish, RngKey, SamplingParams};
use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `rlvr generate-text`.
#[derive(Debug, clap::Args)]
pub struct GenerateTextArgs {
    /// The model: a Hugging Face checkpoint directory (config.json, *.safetensors,
    /// tokenizer.json) or a GGUF file.
    #[arg(long)]
    pub model: PathBuf,
    /// JSONL, one row per prompt: `prompt` (a string, or a list of chat messages) and, for
    /// `--score`, the item fields the router scores with (as `rlvr train --data`).
    #[arg(long)]
    pub prompts: PathBuf,
    /// Most tokens generated per completion (the stop token included).
    #[arg(long, default_value_t = 256)]
    pub max_new_tokens: usize,
    /// Sampling temperature; 0 is greedy (argmax).
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    /// Keep the k most likely tokens when sampling (0 = off).
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    /// Nucleus sampling threshold in (0, 1] (1 = off).
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f32,
    /// Completions per prompt.
    #[arg(long, default_value_t = 1)]
    pub n: usize,
    /// Seed of the sampling draws (with the batch size, it fixes every sampled completion).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Prompts decoded together (the KV cache holds batch × n × (prompt + max_new_tokens)
    /// positions).
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Write each token's log-prob (`logprobs`).
    #[arg(long)]
    pub logprobs: bool,
    /// Score each completion with the reward engine (`reward`, `verdict`).
    #[arg(long)]
    pub score: bool,
    /// Give the model the prompt text as it is, without the ChatML template.
    #[arg(long)]
    pub raw: bool,
    /// Write the lines here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Where the model runs: `cpu`, `cuda` (device 0) or `cuda:N`. Without a usable GPU,
    /// `cuda` fails at once naming what is missing.
    #[arg(long, default_value = "cpu", value_name = "cpu|cuda|cuda:N")]
    pub device: Device,
    /// Precision of the matrix products on CUDA: `bf16` operands with f32 accumulation (the
    /// default there) or `f32` (the parity path). Weights, optimizer state and activations are
    /// f32 either way; the CPU computes in f32 only.
    #[arg(long, value_name = "f32|bf16")]
    pub precision: Option<Precision>,
    /// No progress line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Reads the prompt rows (JSON objects) and their examples.
fn read_rows(path: &std::path::Path, score: bool) -> anyhow::Result<Vec<(Value, data::Example)>> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut rows = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), i + 1);
        let v: Value = serde_json::from_str(&line).with_context(at)?;
        anyhow::ensure!(v.is_object(), "{}: not a JSON object", at());
        // Without --score a row needs only its prompt: the item it would be scored with
        // gets an empty gold it never uses.
        let mut item = v.clone();
        if !score {
            if let Some(o) = item.as_object_mut() {
                o.entry("ground_truth").or_insert(json!(""));
            }
        }
        let ex = data::example(item).with_context(at)?;
        rows.push((v, ex));
    }
    anyhow::ensure!(!rows.is_empty(), "{}: no prompts", path.display());
    Ok(rows)
}

/// Runs `rlvr generate-text`.
pub fn run(args: GenerateTextArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.temperature >= 0.0 && args.temperature.is_finite(),
        "--temperature must be >= 0 (0 is greedy)"
    );
    anyhow::ensure!(
        args.top_p > 0.0 && args.top_p <= 1.0,
        "--top-p must be in (0, 1]"
    );
    anyhow::ensure!(
        args.n >= 1 && args.batch >= 1,
        "--n and --batch must be >= 1"
    );
    super::alloc::keep_freed_memory();
    // The backend is opened first: without a usable GPU, `--device cuda` stops before the
    // prompts or the model are read.
    args.device.run(args.precision, GenerateText(&args))
}

/// The command's body, written once for every backend.
struct GenerateText<'a>(&'a GenerateTextArgs);

impl OnBackend for GenerateText<'_> {
    type Output = ExitCode;

    fn run<B: Backend>(self, backend: B) -> anyhow::Result<ExitCode> {
        generate_on(backend, self.0)
    }
}

fn generate_on<B: Backend>(backend: B, args: &GenerateTextArgs) -> anyhow::Result<ExitCode> {
    let rows = read_rows(&args.prompts, args.score)?;
    let t0 = Instant::now();
    let policy = Policy::load_on(backend, &args.model, !args.raw)?;
    if !args.quiet {
        eprintln!(
            "loaded {} ({:.1}M parameters, on {}) in {:.2} s",
            args.model.display(),
            policy.model.num_params() as f64 / 1e6,
            args.device,
            t0.elapsed().as_secs_f64()
        );
    }
    let params = SamplingParams {
        n: args.n,
        temperature: args.temperature,
        top_p: args.top_p,
        top_k: args.top_k,
        max_new_tokens: args.max_new_tokens,
        stop_tokens: policy.stop.clone(),
    };
    let mut out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let engine = Engine::default();
    let mut golds = GoldCache::default();
    let (mut n_tokens, started) = (0usize, Instant::now());
    for (b, chunk) in rows.chunks(args.batch).enumerate() {
        let prompts = chunk
            .iter()
            .map(|(_, ex)| policy.encode_prompt(ex))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let key = RngKey {
            seed: args.seed,
            step: b as u64,
        };
        let completions = generate(&policy.model, &prompts, &params, key)?;
        for c in completions {
            let (row, ex) = &chunk[c.prompt_index];
            n_tokens += c.tokens.len();
            let text = policy.decode(&c.tokens)?;
            let mut o = row.as_object().cloned().unwrap_or_default();
            if args.n > 1 {
                o.insert("sample".into(), json!(c.sample_index));
            }
            o.insert("prompt_tokens".into(), json!(prompts[c.prompt_index].len()));
            let finish = match c.finish {
                Finish::Stop => "stop",
                Finish::Length => "length",
            };
            o.insert("finish".into(), json!(finish));
            o.insert("tokens".into(), json!(c.tokens));
            if args.logprobs {
                o.insert("logprobs".into(), json!(c.logprobs));
            }
            if args.score {
                let v = engine.score_response(&ex.item, &text, &mut golds);
                o.insert("reward".into(), json!(v.reward));
                o.insert("verdict".into(), serde_json::to_value(&v)?);
            }
            o.insert("completion".into(), json!(text));
            serde_json::to_writer(&mut out, &Value::Object(o))?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        if !args.quiet {
            let s = started.elapsed().as_secs_f64();
            eprintln!(
                "{}/{} prompts, {n_tokens} tokens in {s:.1} s ({:.1} tokens/s)",
                (b * args.batch + chunk.len()),
                rows.len(),
                n_tokens as f64 / s.max(1e-9)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
