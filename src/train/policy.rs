//! The policy being trained: the model, its tokenizer, how prompts are rendered and which
//! tokens end a response. Either a Hugging Face checkpoint (`--model DIR`) or the embedded
//! demo's tiny character-level model.

use super::config::TrainConfig;
use super::data::Example;
use anyhow::Context;
use rlvr_train::model::{Model, ModelConfig};
use rlvr_train::tokenizer::{chatml, CharTokenizer, Message, Tokenizer, ENDOFTEXT, IM_END};
use std::path::Path;

pub struct Policy {
    pub model: Model,
    pub tokenizer: Tokenizer,
    /// Generation stops after any of these (the token is kept and trained on).
    pub stop: Vec<u32>,
    /// Render prompts with the ChatML template.
    pub chat: bool,
}

impl Policy {
    /// The policy a config describes: `model.path` (a checkpoint) or the tiny demo model with
    /// random weights from `seed`.
    pub fn build(cfg: &TrainConfig) -> anyhow::Result<Policy> {
        match &cfg.model.path {
            Some(dir) => Self::load(dir, cfg.data.chat_template),
            None => {
                let tok = CharTokenizer::demo();
                let t = &cfg.model.tiny;
                let mc = ModelConfig::tiny(
                    tok.vocab_size(),
                    t.hidden,
                    t.layers,
                    t.heads,
                    t.kv_heads,
                    t.ffn,
                )?;
                let model = Model::new_random(&mc, cfg.seed)?;
                Ok(Self::char_policy(model, tok))
            }
        }
    }

    fn char_policy(model: Model, tok: CharTokenizer) -> Policy {
        let stop = tok.token_id(ENDOFTEXT).into_iter().collect();
        Policy {
            model,
            tokenizer: Tokenizer::Char(tok),
            stop,
            chat: false,
        }
    }

    /// Loads weights and `tokenizer.json` from `dir`, or uses the demo's character tokenizer
    /// when there is no `tokenizer.json` (the demo's own checkpoints).
    pub fn load(dir: &Path, chat: bool) -> anyhow::Result<Policy> {
        let model = Model::load(dir)
            .with_context(|| format!("loading the model from {}", dir.display()))?;
        let tok_path = dir.join("tokenizer.json");
        if !tok_path.exists() {
            let tok = CharTokenizer::demo();
            anyhow::ensure!(
                tok.vocab_size() == model.cfg.vocab_size,
                "{} has no tokenizer.json (and is not the demo's character-level model)",
                dir.display()
            );
            return Ok(Self::char_policy(model, tok));
        }
        let tokenizer = Tokenizer::from_file(&tok_path)?;
        let mut stop = model.cfg.eos_token_ids.clone();
        for t in [IM_END, ENDOFTEXT] {
            if let Some(id) = tokenizer.token_id(t) {
                if !stop.contains(&id) {
                    stop.push(id);
                }
            }
        }
        anyhow::ensure!(
            !stop.is_empty(),
            "{}: no end-of-sequence token is known",
            dir.display()
        );
        Ok(Policy {
            model,
            tokenizer,
            stop,
            chat,
        })
    }

    /// Token ids of an example's prompt as the model sees it: with the ChatML template, a
    /// chat prompt's whole message list (or the text as one user turn); without it, the text.
    pub fn encode_prompt(&self, ex: &Example) -> anyhow::Result<Vec<u32>> {
        let prompt = &ex.prompt;
        let text = if self.chat {
            if ex.messages.is_empty() {
                let msg = Message {
                    role: "user".into(),
                    content: prompt.to_string(),
                };
                chatml(&[msg], true)
            } else {
                chatml(&ex.messages, true)
            }
        } else {
            prompt.to_string()
        };
        let ids = self.tokenizer.encode(&text)?;
        anyhow::ensure!(!ids.is_empty(), "prompt {prompt:?} encodes to no tokens");
        Ok(ids)
    }

    /// The text of a response, special tokens dropped.
    pub fn decode(&self, ids: &[u32]) -> anyhow::Result<String> {
        Ok(self.tokenizer.decode(ids, true)?)
    }

    /// The answer tokens the warm-up teaches: the answer then the first stop token.
    pub fn encode_answer(&self, answer: &str) -> anyhow::Result<Vec<u32>> {
        let mut ids = self.tokenizer.encode(answer)?;
        ids.extend(self.stop.first());
        Ok(ids)
    }
}
