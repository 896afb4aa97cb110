//! The trainer's configuration: one TOML file with every knob, each with the default of the
//! embedded demo (a tiny character-level model learning addition on two CPU cores) or of the
//! ProRL recipe where the demo keeps it (clip 0.2/0.4, KL k3 in the loss, token-mean, dynamic
//! sampling; the demo samples 8 responses per prompt at temperature 1.5 where the recipe
//! uses 16 at 1.2, see the README).
//!
//! Unknown keys are an error, so a typo never silently trains with a default.

use rlvr_train::grpo::{GroupFilter, GrpoConfig, ResetPolicy, Truncation};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The whole configuration. `rlvr train --config FILE` overrides any subset of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Seed of every random draw (initial weights, data order, sampling).
    pub seed: u64,
    /// RL steps (one rollout batch each). Not part of the config hash, so a run can be extended.
    pub steps: u64,
    pub model: ModelSection,
    pub data: DataSection,
    pub warmup: WarmupSection,
    pub rollout: RolloutSection,
    pub update: UpdateSection,
    pub grpo: GrpoConfig,
    pub dynamic_sampling: GroupFilter,
    pub truncation: Truncation,
    pub reference: ResetPolicy,
    pub reward: RewardSection,
    pub log: LogSection,
    /// How the update holds its activations. Last, and left out of the config hash: these
    /// settings change what is in memory, not the numbers a step computes.
    pub memory: MemorySection,
}

/// A named starting point for every setting; a `--config` file overrides any subset of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Recipe {
    /// The embedded tiny model's settings: warm-up, 8 responses of 8 tokens at temperature
    /// 1.5, learning rate 3e-4 (right for ~1M parameters learning addition, wrong for a real
    /// model).
    Demo,
    /// ProRL's settings for a pretrained model ("Scaling Up RL", NVIDIA 2025): no warm-up, 16
    /// responses per prompt at temperature 1.2, up to 1,024 new tokens, learning rate 1e-6;
    /// clip 0.2/0.4 and KL 1e-4 as in every recipe.
    Prorl,
}

impl Recipe {
    pub fn name(self) -> &'static str {
        match self {
            Recipe::Demo => "demo",
            Recipe::Prorl => "prorl",
        }
    }
}

/// Adds `over`'s keys to `base`, tables merged key by key.
fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(b), toml::Value::Table(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            seed: 1,
            steps: 400,
            model: ModelSection::default(),
            data: DataSection::default(),
            warmup: WarmupSection::default(),
            rollout: RolloutSection::default(),
            update: UpdateSection::default(),
            grpo: GrpoConfig::default(),
            dynamic_sampling: GroupFilter::default(),
            truncation: Truncation::Keep,
            reference: ResetPolicy {
                every_steps: 0,
                kl_threshold: None,
            },
            reward: RewardSection::default(),
            log: LogSection::default(),
            memory: MemorySection::default(),
        }
    }
}

/// Which policy to train.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelSection {
    /// A Hugging Face checkpoint directory (config.json, *.safetensors, tokenizer.json). When
    /// absent a tiny Qwen2-style model with the character-level tokenizer is built from `tiny`.
    pub path: Option<PathBuf>,
    pub tiny: TinyModel,
}

/// The shape of the embedded demo's model (about 1.2M parameters by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TinyModel {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub ffn: usize,
}

impl Default for TinyModel {
    fn default() -> Self {
        TinyModel {
            hidden: 128,
            layers: 4,
            heads: 4,
            kv_heads: 2,
            ffn: 512,
        }
    }
}

/// Where prompts come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataSection {
    /// A JSONL file of rows with `prompt` and the item fields the router needs (`ground_truth`,
    /// `domain`, `task`, `metadata`; verl's `reward_model.ground_truth` too). When absent, the
    /// built-in addition task is generated in-process.
    pub path: Option<PathBuf>,
    /// Built-in task: operands have between 1 and this many digits.
    pub max_digits: u32,
    /// Wrap each prompt in the ChatML template (Hugging Face models; off for the char model).
    pub chat_template: bool,
}

impl Default for DataSection {
    fn default() -> Self {
        DataSection {
            path: None,
            max_digits: 2,
            chat_template: true,
        }
    }
}

/// Supervised warm-up on the built-in task's answers before RL (0 steps: none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WarmupSection {
    pub steps: u64,
    pub batch: usize,
    pub lr: f32,
}

impl Default for WarmupSection {
    fn default() -> Self {
        WarmupSection {
            steps: 400,
            batch: 64,
            lr: 1e-3,
        }
    }
}

/// Sampling of the rollouts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RolloutSection {
    /// Informative prompt groups per step (after dynamic sampling).
    pub prompts_per_step: usize,
    /// Responses per prompt, G (ProRL: 16).
    pub samples_per_prompt: usize,
    /// ProRL: 1.2, chosen to fight entropy collapse. 0 is greedy (every sample of a group
    /// is then the same, so GRPO learns nothing from it; the loss uses temperature 1).
    pub temperature: f32,
    pub top_p: f32,
    pub top_k: usize,
    pub max_new_tokens: usize,
    /// Prompts per generation call; rewards of one call are scored while the next generates.
    pub chunk_prompts: usize,
}

impl Default for RolloutSection {
    fn default() -> Self {
        RolloutSection {
            prompts_per_step: 16,
            samples_per_prompt: 8,
            temperature: 1.5,
            top_p: 1.0,
            top_k: 0,
            max_new_tokens: 8,
            chunk_prompts: 4,
        }
    }
}

/// The policy update of each step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpdateSection {
    /// Mini-batches per rollout batch (ProRL: 256 / 64 = 4); each is one optimizer step, the
    /// later ones slightly off-policy against the rollout's old log-probs.
    pub mini_batches: usize,
    /// Passes over the rollout batch (verl `ppo_epochs`).
    pub epochs: usize,
    /// AdamW, constant learning rate (ProRL: 2e-6 for a 1.5B model; the tiny demo needs more).
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub weight_decay: f32,
    pub max_grad_norm: Option<f32>,
}

impl Default for UpdateSection {
    fn default() -> Self {
        UpdateSection {
            mini_batches: 1,
            epochs: 1,
            lr: 3e-4,
            beta1: 0.9,
            beta2: 0.999,
            weight_decay: 0.0,
            max_grad_norm: Some(1.0),
        }
    }
}

/// How rewards are computed: in-process (the default) or by an external `rlvr serve`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RewardSection {
    /// Reward worker threads (the in-process router; unused with `server_url`).
    pub workers: usize,
    /// Base URL of an rlvr server (`http://host:port`, optionally with a path prefix), or
    /// several replicas' URLs separated by commas (requests spread over all of them, a failed
    /// request retried on the next). When
    /// set, each rollout round's responses go to `<server_url>/v1/rewards` (in requests of at
    /// most 4,096 items and 16 MiB) instead of the in-process router.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_url: Option<String>,
    /// Seconds to wait for the server's answer to one batch (default 300).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_timeout_s: Option<f64>,
    /// Retries after a refused connection, a 5xx or a 429, with exponential backoff (default 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_retries: Option<u32>,
    /// Math: read the last number (bold text, trailing math) of a response that states no
    /// explicit answer, instead of scoring it `no_answer` (default false: in RL a policy learns
    /// to end with numbers copied from the prompt). An item's own `lenient` field wins.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub math_lenient: bool,
}

impl Default for RewardSection {
    fn default() -> Self {
        RewardSection {
            workers: 1,
            server_url: None,
            server_timeout_s: None,
            server_retries: None,
            math_lenient: false,
        }
    }
}

impl RewardSection {
    pub const DEFAULT_TIMEOUT_S: f64 = 300.0;
    pub const DEFAULT_RETRIES: u32 = 3;

    /// How long one batch may take on the server.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.server_timeout_s.unwrap_or(Self::DEFAULT_TIMEOUT_S))
    }

    pub fn retries(&self) -> u32 {
        self.server_retries.unwrap_or(Self::DEFAULT_RETRIES)
    }
}

/// Memory of the update: what bounds the activations at real model sizes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemorySection {
    /// Most tokens in one forward + backward: a mini-batch longer than this is split into
    /// micro-batches whose gradients add up before its one optimizer step (and the log-prob
    /// passes of the old and reference policies are split the same way). 0: no limit, the
    /// whole mini-batch at once. The gradients are the same sums in another order.
    pub micro_batch_tokens: usize,
    /// Keep only each layer's input and recompute the layer in the backward (about one more
    /// forward per update; the same gradients). For long sequences on a GPU.
    pub recompute: bool,
}

/// Outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSection {
    /// Responses written to samples.jsonl per step.
    pub samples_per_step: usize,
    /// Write a checkpoint every this many steps (0: only at the end).
    pub checkpoint_every: u64,
    /// The dtype of the checkpoints' weights: `f32` (the master weights; a resume continues
    /// bit for bit) or `bf16` (half the size; a resume starts from the rounded weights).
    pub save_dtype: SaveDtypeName,
}

/// `log.save_dtype` / `--save-dtype`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SaveDtypeName {
    #[default]
    F32,
    Bf16,
}

impl SaveDtypeName {
    pub fn dtype(self) -> rlvr_train::model::SaveDtype {
        match self {
            SaveDtypeName::F32 => rlvr_train::model::SaveDtype::F32,
            SaveDtypeName::Bf16 => rlvr_train::model::SaveDtype::Bf16,
        }
    }
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            samples_per_step: 4,
            checkpoint_every: 0,
            save_dtype: SaveDtypeName::F32,
        }
    }
}

impl TrainConfig {
    /// Parse a TOML document (keys not given keep their defaults).
    /// Every setting of a recipe.
    pub fn recipe(recipe: Recipe) -> TrainConfig {
        let mut c = TrainConfig::default();
        if recipe == Recipe::Prorl {
            c.warmup.steps = 0;
            c.rollout.samples_per_prompt = 16;
            c.rollout.temperature = 1.2;
            c.rollout.max_new_tokens = 1024;
            c.update.lr = 1e-6;
        }
        c
    }

    /// Settings that are likely wrong for a model of `params` parameters (warnings, not
    /// errors: a user may mean them).
    pub fn warnings(&self, params: usize) -> Vec<String> {
        let mut w = Vec::new();
        let m = params as f64 / 1e6;
        if params > 100_000_000 && self.update.lr > 1e-5 {
            w.push(format!(
                "update.lr = {:e} is high for a model of {m:.0}M parameters (ProRL: 1e-6 to \
                 2e-6; --recipe prorl)",
                self.update.lr
            ));
        }
        if params > 100_000_000 && self.rollout.max_new_tokens < 128 {
            w.push(format!(
                "rollout.max_new_tokens = {} will cut off most responses of a {m:.0}M-parameter \
                 model",
                self.rollout.max_new_tokens
            ));
        }
        w
    }

    /// A TOML file's settings over `base`'s (unknown keys are still errors).
    pub fn from_toml_over(base: &TrainConfig, text: &str) -> anyhow::Result<TrainConfig> {
        let mut v = toml::Value::try_from(base)?;
        let over: toml::Value = toml::from_str(text)?;
        merge(&mut v, over);
        let cfg: TrainConfig = v.try_into()?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn from_toml(text: &str) -> anyhow::Result<TrainConfig> {
        let cfg: TrainConfig = toml::from_str(text)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The resolved configuration as TOML (written next to the run's outputs).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Check ranges that would otherwise fail deep inside a step.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.grpo.validate()?;
        let r = &self.rollout;
        anyhow::ensure!(
            r.prompts_per_step > 0,
            "rollout.prompts_per_step must be > 0"
        );
        anyhow::ensure!(
            r.samples_per_prompt > 0,
            "rollout.samples_per_prompt must be > 0"
        );
        anyhow::ensure!(r.max_new_tokens > 0, "rollout.max_new_tokens must be > 0");
        anyhow::ensure!(
            r.temperature >= 0.0 && r.temperature.is_finite(),
            "rollout.temperature must be >= 0 (0 is greedy)"
        );
        anyhow::ensure!(
            r.top_p > 0.0 && r.top_p <= 1.0,
            "rollout.top_p must be in (0, 1]"
        );
        anyhow::ensure!(r.chunk_prompts > 0, "rollout.chunk_prompts must be > 0");
        let u = &self.update;
        anyhow::ensure!(
            u.mini_batches > 0 && u.epochs > 0,
            "update.mini_batches and update.epochs must be > 0"
        );
        anyhow::ensure!(u.lr >= 0.0 && u.lr.is_finite(), "update.lr must be >= 0");
        anyhow::ensure!(self.reward.workers > 0, "reward.workers must be > 0");
        if let Some(urls) = &self.reward.server_url {
            for url in urls.split(',').map(str::trim).filter(|u| !u.is_empty()) {
                crate::reward::remote::Url::parse(url)
                    .map_err(|e| anyhow::anyhow!("reward.server_url: {e}"))?;
            }
        }
        if let Some(t) = self.reward.server_timeout_s {
            anyhow::ensure!(
                t > 0.0 && t.is_finite() && t <= 86_400.0,
                "reward.server_timeout_s must be in (0, 86400]"
            );
        }
        anyhow::ensure!(
            self.reward.retries() <= 20,
            "reward.server_retries must be at most 20"
        );
        anyhow::ensure!(
            (1..=9).contains(&self.data.max_digits),
            "data.max_digits must be in 1..=9"
        );
        if let Truncation::Penalty(p) = self.truncation {
            anyhow::ensure!(p.is_finite(), "truncation penalty must be finite");
        }
        Ok(())
    }

    /// A hash of everything that changes the trajectory (`steps`, logging and where rewards
    /// are computed excluded: the server scores with the same router), stored in checkpoints so
    /// a resume with a different config is refused. FNV-1a over the TOML; the reward server
    /// keys are left out of it, so configs without them hash as before those keys existed.
    pub fn hash(&self) -> String {
        let mut c = self.clone();
        c.steps = 0;
        c.log = LogSection::default();
        c.reward.server_url = None;
        c.reward.server_timeout_s = None;
        c.reward.server_retries = None;
        // [memory] is the last table: the text before it is the hash's, exactly as before the
        // section existed (checkpoints written then still resume).
        let text = c.to_toml();
        let text = text.find("\n[memory]\n").map_or(&text[..], |i| &text[..i]);
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{h:016x}")
    }
}
