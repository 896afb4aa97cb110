//! rlvr-train: the trainer's numerical core, kept in its own crate so it builds and tests
//! without the server, the sandbox or the grader.
//!
//! - [`model`]: the Qwen2/Llama-family transformer (config, weights, forward, backward, KV
//!   cache), generic over a [`backend::Backend`];
//! - [`backend`]: the operations, with the CPU reference in [`backend::cpu`];
//! - [`sample`]: batched sampling (token generation) with a counter-based RNG;
//! - [`grpo`]: the GRPO algorithm (advantages, clipped surrogate, KL, aggregation, dynamic
//!   sampling, reference resets), pure arithmetic on per-token log-probs;
//! - [`optim`]: AdamW with gradient-norm clipping;
//! - [`tokenizer`]: `tokenizer.json`, the ChatML template and a character-level tokenizer;
//! - [`chat`]: a checkpoint's own Jinja chat template, rendered as transformers renders it.

pub mod backend;
pub mod chat;
pub mod error;
pub mod grpo;
pub mod memory;
pub mod model;
pub mod optim;
pub mod rng;
pub mod sample;
pub mod tokenizer;

pub use error::{Result, TrainError};
