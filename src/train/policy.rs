//! The policy being trained: the model, its tokenizer, how prompts are rendered and which
//! tokens end a response. Either a Hugging Face checkpoint (`--model DIR`), a llama.cpp GGUF
//! file (`--model FILE.gguf`: weights, tokenizer and chat template from the one file) or the
//! embedded demo's tiny character-level model.

use super::config::TrainConfig;
use super::data::Example;
use anyhow::Context;
use rlvr_train::backend::cpu::Cpu;
use rlvr_train::backend::Backend;
use rlvr_train::chat::{ChatTemplate, SpecialTokens};
use rlvr_train::model::{GgufModel, Model, ModelConfig, SaveDtype};
use rlvr_train::tokenizer::{chatml, CharTokenizer, Message, Tokenizer, ENDOFTEXT, IM_END};
use std::path::Path;

/// The ChatML template as Jinja source (what [`chatml`] renders), for checkpoints that have
/// no template of their own.
const CHATML_TEMPLATE: &str = "{% for message in messages %}{{ '<|im_start|>' + message['role'] \
    + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt \
    %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/// `chat_template` of `dir/tokenizer_config.json`, when there is one, and the special tokens
/// it names (a string, or an object with its `content`).
fn read_chat_template(dir: &Path) -> (Option<String>, SpecialTokens) {
    let v: serde_json::Value = std::fs::read_to_string(dir.join("tokenizer_config.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let token = |key: &str| match v.get(key) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(o) => o
            .get("content")
            .and_then(|c| c.as_str())
            .map(str::to_string),
        None => None,
    };
    let tokens = SpecialTokens {
        bos_token: token("bos_token"),
        eos_token: token("eos_token"),
        unk_token: token("unk_token"),
        pad_token: token("pad_token"),
    };
    let source = v
        .get("chat_template")
        .and_then(|t| t.as_str())
        .map(str::to_string);
    (source, tokens)
}

/// The policy on backend `B` (the model's weights live there; tokenizer and template on the
/// host).
pub struct Policy<B: Backend = Cpu> {
    pub model: Model<B>,
    pub tokenizer: Tokenizer,
    /// Generation stops after any of these (the token is kept and trained on).
    pub stop: Vec<u32>,
    /// Render prompts with the ChatML template.
    pub chat: bool,
    /// The checkpoint's own chat template (Jinja source), when it has one.
    pub chat_template: Option<String>,
    /// That template compiled, when prompts are rendered with it (`chat`); ChatML otherwise.
    renderer: Option<ChatTemplate>,
}

impl Policy<Cpu> {
    /// [`Policy::build_on`] the CPU.
    pub fn build(cfg: &TrainConfig) -> anyhow::Result<Self> {
        Self::build_on(Cpu, cfg)
    }
}

impl<B: Backend> Policy<B> {
    /// The policy a config describes, on `backend`: `model.path` (a checkpoint) or the tiny
    /// demo model with random weights from `seed`.
    pub fn build_on(backend: B, cfg: &TrainConfig) -> anyhow::Result<Self> {
        match &cfg.model.path {
            Some(dir) => Self::load_on(backend, dir, cfg.data.chat_template),
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
                let model = Model::new_random_on(backend, &mc, cfg.seed)?;
                Ok(Self::char_policy(model, tok))
            }
        }
    }

    fn char_policy(model: Model<B>, tok: CharTokenizer) -> Self {
        let stop = tok.token_id(ENDOFTEXT).into_iter().collect();
        Policy {
            model,
            tokenizer: Tokenizer::Char(tok),
            stop,
            chat: false,
            chat_template: None,
            renderer: None,
        }
    }

    /// Loads weights (onto `backend`) and `tokenizer.json` from `dir`, or uses the demo's
    /// character tokenizer when there is no `tokenizer.json` (the demo's own checkpoints). A
    /// file (not a directory) is read as GGUF.
    pub fn load_on(backend: B, dir: &Path, chat: bool) -> anyhow::Result<Self> {
        if dir.is_file() {
            let mut g = GgufModel::read(dir)
                .with_context(|| format!("loading the GGUF model {}", dir.display()))?;
            let model = g.model_on(backend)?;
            let text = |id: Option<u32>| id.and_then(|id| g.tokenizer.token_text(id));
            let tokens = SpecialTokens {
                bos_token: text(model.cfg.bos_token_id),
                eos_token: text(model.cfg.eos_token_ids.first().copied()),
                ..SpecialTokens::default()
            };
            let template = g.chat_template.take();
            return Self::hf_policy(dir, model, g.tokenizer, chat, template, tokens);
        }
        let model = Model::load_on(backend, dir)
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
        let (chat_template, tokens) = read_chat_template(dir);
        Self::hf_policy(dir, model, tokenizer, chat, chat_template, tokens)
    }

    /// Writes the policy as a Hugging Face checkpoint that loads back anywhere: config.json,
    /// the weights, and (with a real tokenizer) tokenizer.json, tokenizer_config.json (special
    /// tokens and the chat template: the checkpoint's own, else ChatML when prompts are
    /// rendered with it) and generation_config.json (the end-of-sequence ids generation stops
    /// at), so transformers loads it with its `eos` and template.
    pub fn save(&self, dir: &Path, dtype: SaveDtype) -> anyhow::Result<()> {
        self.model.save_as(dir, dtype)?;
        if matches!(self.tokenizer, Tokenizer::Char(_)) {
            return Ok(());
        }
        self.tokenizer.save(&dir.join("tokenizer.json"))?;
        let name = |id: u32| self.tokenizer.decode(&[id], false).ok();
        let template = self
            .chat_template
            .clone()
            .or_else(|| self.chat.then(|| CHATML_TEMPLATE.to_string()));
        let cfg = &self.model.cfg;
        let eos = self.stop.first().copied();
        let mut tc = serde_json::json!({
            "tokenizer_class": "PreTrainedTokenizerFast",
            "clean_up_tokenization_spaces": false,
            "model_max_length": cfg.max_position_embeddings,
            "eos_token": eos.and_then(name),
            "bos_token": cfg.bos_token_id.and_then(name),
            "pad_token": cfg.raw.get("pad_token_id").and_then(|v| v.as_u64()).and_then(|i| name(i as u32)).or_else(|| eos.and_then(name)),
        });
        if let Some(t) = template {
            tc["chat_template"] = t.into();
        }
        std::fs::write(
            dir.join("tokenizer_config.json"),
            serde_json::to_string_pretty(&tc)?,
        )?;
        let gc = serde_json::json!({
            "bos_token_id": cfg.bos_token_id,
            "eos_token_id": self.stop,
            "pad_token_id": eos,
            "do_sample": true,
        });
        std::fs::write(
            dir.join("generation_config.json"),
            serde_json::to_string_pretty(&gc)?,
        )?;
        Ok(())
    }

    /// A policy with a real tokenizer: generation stops at the config's end-of-sequence ids
    /// and at `<|im_end|>` / `<|endoftext|>` when the vocabulary has them.
    fn hf_policy(
        dir: &Path,
        model: Model<B>,
        tokenizer: Tokenizer,
        chat: bool,
        chat_template: Option<String>,
        tokens: SpecialTokens,
    ) -> anyhow::Result<Self> {
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
        let renderer = match chat_template.as_deref().filter(|_| chat) {
            Some(src) => Some(ChatTemplate::new(src, tokens).with_context(|| {
                format!(
                    "{}: the model's chat template cannot be used (--raw / \
                     data.chat_template = false sends prompts as plain text)",
                    dir.display()
                )
            })?),
            None => {
                if chat {
                    eprintln!(
                        "warning: {}: the model has no chat template; prompts are rendered \
                         as ChatML",
                        dir.display()
                    );
                }
                None
            }
        };
        Ok(Policy {
            model,
            tokenizer,
            stop,
            chat,
            chat_template,
            renderer,
        })
    }

    /// Token ids of an example's prompt as the model sees it: rendered by the model's own chat
    /// template (ChatML when it has none), a chat prompt's whole message list (or the text as
    /// one user turn) with the generation prompt; without chat rendering, the text.
    pub fn encode_prompt(&self, ex: &Example) -> anyhow::Result<Vec<u32>> {
        let prompt = &ex.prompt;
        let text = if self.chat {
            let msgs = if ex.messages.is_empty() {
                vec![Message {
                    role: "user".into(),
                    content: prompt.to_string(),
                }]
            } else {
                ex.messages.clone()
            };
            match &self.renderer {
                Some(t) => t
                    .render(&msgs, true)
                    .with_context(|| format!("rendering prompt {prompt:?}"))?,
                None => chatml(&msgs, true),
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
