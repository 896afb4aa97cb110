//! `rlvr train`: GRPO on verifiable rewards, with the seed paper's recipe as the defaults.
//!
//! A step: sample G responses for each prompt of the batch ([`rollout`]), score them with the
//! same router as `rlvr grade` on a worker pool while generation continues ([`scoring`]), drop
//! groups whose rewards are all equal and refill (dynamic sampling), compute group-relative
//! advantages and update the policy with the clipped surrogate plus a KL penalty to a
//! reference policy ([`update`], the algorithm itself in `rlvr_train::grpo`), then reset the
//! reference and the optimizer when the reset policy says so. Every step is logged
//! ([`metrics`]); checkpoints ([`checkpoint`]) continue a run bit for bit.
//!
//! With no arguments it trains the embedded default: a ~1M-parameter character-level model,
//! a short supervised warm-up on "a+b=" problems, then GRPO with rewards from the math
//! verifier, on the CPU.
//!
//! The loop is generic over the model's [`Backend`]: `--device` ([`Device`]) picks the CPU
//! reference or a CUDA device once at start and every step runs the same code on it.

mod alloc;
mod checkpoint;
mod command;
mod config;
mod data;
mod device;
mod generate_text;
mod glyphs;
mod metrics;
mod plot;
mod policy;
mod rollout;
mod scoring;
#[cfg(test)]
mod tests;
mod update;

pub use config::TrainConfig;
pub use device::Device;
pub use generate_text::{run as run_generate_text, GenerateTextArgs};
pub use metrics::StepMetrics;

use checkpoint::RunState;
use rlvr_train::backend::cpu::Cpu;
use rlvr_train::backend::cuda::Precision;
use rlvr_train::backend::Backend;
use rlvr_train::memory::{self, MemoryEstimate, RunShape};
use rlvr_train::model::Model;
use rlvr_train::optim::{AdamW, AdamWConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `rlvr train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// TOML file with any subset of the settings (see `--print-config` for all of them).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Output directory: metrics.jsonl, samples.jsonl, curves.png, config.toml, checkpoints/.
    #[arg(long, default_value = "rlvr-train-out")]
    pub out: PathBuf,
    /// Where the model runs: `cpu`, `cuda` (device 0) or `cuda:N`. Without a usable GPU,
    /// `cuda` fails at once naming what is missing.
    #[arg(long, default_value = "cpu", value_name = "cpu|cuda|cuda:N")]
    pub device: Device,
    /// Precision of the matrix products on CUDA: `bf16` operands with f32 accumulation (the
    /// default there) or `f32` (the parity path). Weights, optimizer state and activations are
    /// f32 either way; the CPU computes in f32 only.
    #[arg(long, value_name = "f32|bf16")]
    pub precision: Option<Precision>,
    /// Train this Hugging Face checkpoint directory (config.json, *.safetensors,
    /// tokenizer.json) or GGUF file instead of the embedded tiny model.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Dataset: JSONL, or verl Parquet (`.parquet`), rows with `prompt` and the item fields
    /// the router scores with.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Score rollouts on this rlvr server (`http://host:port`, POST /v1/rewards) instead of
    /// in-process (sets reward.server_url).
    #[arg(long, value_name = "URL")]
    pub reward_url: Option<String>,
    /// Number of RL steps (overrides the config).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Seed (overrides the config).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The settings to start from: `prorl` (a real model's; the default with `--model` or a
    /// model in the config) or `demo` (the embedded tiny model's; the default otherwise).
    /// `--config` overrides any subset; `--print-config` shows the result.
    #[arg(long, value_enum)]
    pub recipe: Option<config::Recipe>,
    /// Checkpoint weights in f32 (exact, the default) or bf16 (half the size; a resume then
    /// starts from rounded weights). Sets log.save_dtype.
    #[arg(long, value_enum)]
    pub save_dtype: Option<config::SaveDtypeName>,
    /// Continue from a checkpoint directory, or from a run directory's latest checkpoint.
    #[arg(long)]
    pub resume: Option<PathBuf>,
    /// Print the resolved configuration as TOML and exit.
    #[arg(long)]
    pub print_config: bool,
    /// No progress line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also list the model config's keys that are not used (none of them changes the model).
    #[arg(long, short)]
    pub verbose: bool,
}

/// Runs `rlvr train`.
pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    command::run(args)
}

/// A training run's whole state, its model, reference and optimizer on backend `B`.
pub struct Trainer<B: Backend = Cpu> {
    pub cfg: TrainConfig,
    pub policy: policy::Policy<B>,
    /// The reference policy (present when the KL coefficient is above 0).
    pub reference: Option<Model<B>>,
    pub opt: AdamW<B>,
    pub state: RunState,
    /// The last step's logged responses (for samples.jsonl).
    pub last_samples: Vec<serde_json::Value>,
    source: data::Source,
    pool: scoring::RewardPool,
}

fn adamw(cfg: &TrainConfig) -> AdamWConfig {
    let u = &cfg.update;
    AdamWConfig {
        lr: u.lr,
        beta1: u.beta1,
        beta2: u.beta2,
        eps: 1e-8,
        weight_decay: u.weight_decay,
        max_grad_norm: u.max_grad_norm,
    }
}

fn source(cfg: &TrainConfig) -> anyhow::Result<data::Source> {
    Ok(match &cfg.data.path {
        Some(p) => data::Source::rows(data::load(p)?),
        None => data::Source::Addition {
            max_digits: cfg.data.max_digits,
        },
    })
}

impl Trainer<Cpu> {
    /// [`Trainer::new_on`] the CPU.
    pub fn new(cfg: TrainConfig) -> anyhow::Result<Self> {
        Self::new_on(Cpu, cfg)
    }

    /// [`Trainer::resume_on`] the CPU.
    pub fn resume(dir: &Path, cfg: TrainConfig) -> anyhow::Result<Self> {
        Self::resume_on(Cpu, dir, cfg)
    }
}

impl<B: Backend> Trainer<B> {
    /// A fresh run on `backend` (before the warm-up).
    pub fn new_on(backend: B, cfg: TrainConfig) -> anyhow::Result<Self> {
        cfg.validate()?;
        let mut policy = policy::Policy::build_on(backend, &cfg)?;
        policy.model.set_recompute(cfg.memory.recompute);
        let opt = AdamW::new(&policy.model, adamw(&cfg))?;
        let state = RunState {
            format: 1,
            step: 0,
            data_cursor: 0,
            steps_since_reset: 0,
            resets: 0,
            seed: cfg.seed,
            config_hash: cfg.hash(),
            optimizer_step: 0,
        };
        Ok(Trainer {
            source: source(&cfg)?,
            pool: scoring::RewardPool::from_config(&cfg.reward)?,
            reference: None,
            last_samples: Vec::new(),
            cfg,
            policy,
            opt,
            state,
        })
    }

    /// Continues from checkpoint `dir` on `backend`, with `cfg` (which must hash like the
    /// checkpoint's). The checkpoint does not record a backend: one written on either loads on
    /// either.
    pub fn resume_on(backend: B, dir: &Path, cfg: TrainConfig) -> anyhow::Result<Self> {
        let state = checkpoint::read_state(dir)?;
        anyhow::ensure!(
            state.config_hash == cfg.hash(),
            "{}: the checkpoint was made with another configuration (hash {} vs {}); only `steps` and [log] may change on resume",
            dir.display(),
            state.config_hash,
            cfg.hash()
        );
        let mut policy =
            policy::Policy::load_on(backend.clone(), &dir.join("policy"), cfg.data.chat_template)?;
        policy.model.set_recompute(cfg.memory.recompute);
        let reference = if dir.join("reference").exists() {
            Some(Model::load_on(backend, &dir.join("reference"))?)
        } else {
            None
        };
        let mut opt = AdamW::new(&policy.model, adamw(&cfg))?;
        checkpoint::read_optimizer(&dir.join("optimizer.bin"), &policy.model, &mut opt)?;
        Ok(Trainer {
            source: source(&cfg)?,
            pool: scoring::RewardPool::from_config(&cfg.reward)?,
            reference,
            last_samples: Vec::new(),
            cfg,
            policy,
            opt,
            state,
        })
    }

    /// The memory this run needs on its backend ([`rlvr_train::memory`]), for prompts as
    /// long as the longest of the first 1,000 (returned too): the update's largest forward is
    /// one micro-batch (`memory.micro_batch_tokens`) or a whole mini-batch of sequences of
    /// that prompt plus `rollout.max_new_tokens`.
    pub fn memory_estimate(&self) -> anyhow::Result<(MemoryEstimate, usize)> {
        let cfg = &self.cfg;
        let n_prompts = match &self.source {
            data::Source::Rows { rows, .. } => rows.len().min(1000),
            data::Source::Addition { .. } => 64,
        };
        let mut prompt = 1;
        for i in 0..n_prompts as u64 {
            let ex = self.source.get(cfg.seed, i)?;
            prompt = prompt.max(self.policy.encode_prompt(&ex)?.len());
        }
        let r = &cfg.rollout;
        let seq = prompt + r.max_new_tokens;
        let batch = r.prompts_per_step * r.samples_per_prompt;
        let per_mini_batch = batch.div_ceil(cfg.update.mini_batches.max(1));
        let per_forward = match cfg.memory.micro_batch_tokens {
            0 => per_mini_batch,
            m => (m / seq).clamp(1, per_mini_batch),
        };
        let chunk = r.chunk_prompts.min(r.prompts_per_step);
        let shape = RunShape {
            train_seqs: vec![seq; per_forward],
            recompute: cfg.memory.recompute,
            reference: cfg.grpo.kl.coef > 0.0,
            gen_seqs: chunk * r.samples_per_prompt,
            gen_capacity: seq,
            prefill_seqs: vec![prompt; chunk],
        };
        let m = &self.policy.model;
        Ok((memory::estimate(&m.backend, &m.cfg, &shape), prompt))
    }

    /// The supervised warm-up, then the reference snapshot RL starts from.
    pub fn warmup(&mut self, on_step: &mut dyn FnMut(u64, f64)) -> anyhow::Result<Option<f64>> {
        let loss = if self.cfg.warmup.steps > 0 {
            Some(update::warmup(
                &self.cfg,
                &mut self.policy,
                &self.source,
                on_step,
            )?)
        } else {
            None
        };
        self.start_rl()?;
        Ok(loss)
    }

    fn start_rl(&mut self) -> anyhow::Result<()> {
        if self.cfg.grpo.kl.coef > 0.0 && self.reference.is_none() {
            self.reference = Some(self.policy.model.try_clone()?);
        }
        Ok(())
    }

    /// One RL step: rollouts, update, and a reset if one is due.
    pub fn step(&mut self) -> anyhow::Result<StepMetrics> {
        self.start_rl()?;
        let t0 = Instant::now();
        let r = rollout::collect(
            &self.cfg,
            &self.policy,
            &self.source,
            &mut self.state.data_cursor,
            self.state.step,
            &mut self.pool,
        )?;
        let t1 = Instant::now();
        let u = update::grpo_step(
            &self.cfg,
            &mut self.policy,
            self.reference.as_ref(),
            &mut self.opt,
            &r,
        )?;
        let times = metrics::Times {
            update: t1.elapsed().as_secs_f64(),
            step: t0.elapsed().as_secs_f64(),
        };
        self.state.step += 1;
        self.state.steps_since_reset += 1;
        let lr: f64 = self.cfg.update.lr.to_string().parse().unwrap_or(0.0);
        let mut m = StepMetrics::new(self.state.step, lr, &r, &u, times);
        if let Some(why) = self.cfg.reference.due(self.state.steps_since_reset, u.kl) {
            self.reset_reference()?;
            m.reference_reset = Some(why);
        }
        self.state.optimizer_step = self.opt.step_count();
        self.last_samples = metrics::samples(self.state.step, &r, self.cfg.log.samples_per_step);
        Ok(m)
    }

    /// pi_ref <- pi_theta, and the optimizer's moments and step back to zero (ProRL).
    pub fn reset_reference(&mut self) -> anyhow::Result<()> {
        if let Some(r) = &mut self.reference {
            r.copy_weights_from(&self.policy.model)?;
        }
        self.opt.reset(&self.policy.model.backend)?;
        self.state.steps_since_reset = 0;
        self.state.resets += 1;
        Ok(())
    }

    /// Writes a checkpoint under `out`.
    pub fn save(&self, out: &Path) -> anyhow::Result<PathBuf> {
        checkpoint::save(
            out,
            &self.cfg,
            &self.state,
            &self.policy,
            self.reference.as_ref(),
            &self.opt,
        )
    }
}
