//! Text <-> token ids: Hugging Face `tokenizer.json` files (through the `tokenizers` crate,
//! pure-Rust features only), a tiny character-level tokenizer for the embedded demo, and the
//! ChatML chat template used by the Qwen2 family.

use std::path::Path;

use crate::{Result, TrainError};

/// ChatML markers.
pub const IM_START: &str = "<|im_start|>";
pub const IM_END: &str = "<|im_end|>";
pub const ENDOFTEXT: &str = "<|endoftext|>";

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    pub role: String,
    pub content: String,
}

/// Renders messages with the ChatML template; with `add_generation_prompt` the text ends with
/// an open assistant turn for the model to complete.
pub fn chatml(messages: &[Message], add_generation_prompt: bool) -> String {
    let mut s = String::new();
    for m in messages {
        s.push_str(&format!("{IM_START}{}\n{}{IM_END}\n", m.role, m.content));
    }
    if add_generation_prompt {
        s.push_str(&format!("{IM_START}assistant\n"));
    }
    s
}

/// A character-level tokenizer: special tokens first, then one id per character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharTokenizer {
    specials: Vec<String>,
    chars: Vec<char>,
}

impl CharTokenizer {
    /// The given special tokens, then the distinct characters of `alphabet` in order.
    pub fn new(specials: &[&str], alphabet: &str) -> Self {
        let mut chars: Vec<char> = Vec::new();
        for c in alphabet.chars() {
            if !chars.contains(&c) {
                chars.push(c);
            }
        }
        CharTokenizer {
            specials: specials.iter().map(|s| s.to_string()).collect(),
            chars,
        }
    }

    /// The demo's tokenizer: ChatML markers and end of text, digits, arithmetic, ASCII letters,
    /// punctuation, space and newline.
    pub fn demo() -> Self {
        let mut alphabet: String = ('0'..='9').collect();
        alphabet.push_str("+-*/=()<>.,:;!?'\"{}[]\\_^ \n");
        alphabet.extend('a'..='z');
        alphabet.extend('A'..='Z');
        CharTokenizer::new(&[ENDOFTEXT, IM_START, IM_END], &alphabet)
    }

    pub fn vocab_size(&self) -> usize {
        self.specials.len() + self.chars.len()
    }

    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let mut ids = Vec::with_capacity(text.len());
        let mut rest = text;
        'outer: while let Some(c) = rest.chars().next() {
            for (i, s) in self.specials.iter().enumerate() {
                if let Some(r) = rest.strip_prefix(s.as_str()) {
                    ids.push(i as u32);
                    rest = r;
                    continue 'outer;
                }
            }
            let id = self.chars.iter().position(|&x| x == c).ok_or_else(|| {
                TrainError::Tokenizer(format!("character {c:?} is not in the vocabulary"))
            })?;
            ids.push((self.specials.len() + id) as u32);
            rest = &rest[c.len_utf8()..];
        }
        Ok(ids)
    }

    pub fn decode(&self, ids: &[u32], skip_special: bool) -> Result<String> {
        let mut s = String::new();
        for &id in ids {
            let id = id as usize;
            if id < self.specials.len() {
                if !skip_special {
                    s.push_str(&self.specials[id]);
                }
            } else {
                let c = self.chars.get(id - self.specials.len()).ok_or_else(|| {
                    TrainError::Tokenizer(format!("id {id} is not in the vocabulary"))
                })?;
                s.push(*c);
            }
        }
        Ok(s)
    }

    pub fn token_id(&self, token: &str) -> Option<u32> {
        if let Some(i) = self.specials.iter().position(|s| s == token) {
            return Some(i as u32);
        }
        let mut it = token.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => self
                .chars
                .iter()
                .position(|&x| x == c)
                .map(|i| (self.specials.len() + i) as u32),
            _ => None,
        }
    }
}

/// Either a Hugging Face tokenizer or the built-in character-level one.
#[derive(Clone)]
pub enum Tokenizer {
    Hf(Box<tokenizers::Tokenizer>),
    Char(CharTokenizer),
}

fn tk_err(e: impl std::fmt::Display) -> TrainError {
    TrainError::Tokenizer(e.to_string())
}

impl Tokenizer {
    /// Loads a `tokenizer.json`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
        let t = tokenizers::Tokenizer::from_bytes(&bytes)
            .map_err(|e| tk_err(format!("{}: {e}", path.display())))?;
        Ok(Tokenizer::Hf(Box::new(t)))
    }

    /// Writes a Hugging Face tokenizer back as `tokenizer.json` (no-op for the built-in one).
    pub fn save(&self, path: &Path) -> Result<()> {
        match self {
            Tokenizer::Hf(t) => t
                .save(path, false)
                .map_err(|e| tk_err(format!("{}: {e}", path.display()))),
            Tokenizer::Char(_) => Ok(()),
        }
    }

    /// Token ids of `text`; special tokens written in the text (e.g. `<|im_start|>`) are
    /// recognized. No BOS/EOS is added.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        match self {
            Tokenizer::Hf(t) => Ok(t.encode(text, false).map_err(tk_err)?.get_ids().to_vec()),
            Tokenizer::Char(c) => c.encode(text),
        }
    }

    /// Text of `ids`, optionally without special tokens.
    pub fn decode(&self, ids: &[u32], skip_special: bool) -> Result<String> {
        match self {
            Tokenizer::Hf(t) => t.decode(ids, skip_special).map_err(tk_err),
            Tokenizer::Char(c) => c.decode(ids, skip_special),
        }
    }

    /// The id of a token given by its text, e.g. `<|im_end|>`.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        match self {
            Tokenizer::Hf(t) => t.token_to_id(token),
            Tokenizer::Char(c) => c.token_id(token),
        }
    }

    /// The text of token `id` (special tokens included), e.g. for a template's `bos_token`.
    pub fn token_text(&self, id: u32) -> Option<String> {
        match self {
            Tokenizer::Hf(t) => t.id_to_token(id),
            Tokenizer::Char(c) => c.decode(&[id], false).ok(),
        }
    }

    /// Number of ids, added tokens included.
    pub fn vocab_size(&self) -> usize {
        match self {
            Tokenizer::Hf(t) => t.get_vocab_size(true),
            Tokenizer::Char(c) => c.vocab_size(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_tokenizer_round_trips_chatml() {
        let t = Tokenizer::Char(CharTokenizer::demo());
        let msgs = [Message {
            role: "user".into(),
            content: "12+7=?".into(),
        }];
        let text = chatml(&msgs, true);
        assert_eq!(
            text,
            "<|im_start|>user\n12+7=?<|im_end|>\n<|im_start|>assistant\n"
        );
        let ids = t.encode(&text).expect("encode");
        assert_eq!(ids[0], t.token_id(IM_START).expect("special"));
        assert_eq!(ids.iter().filter(|&&i| i == 2).count(), 1, "one <|im_end|>");
        assert_eq!(t.decode(&ids, false).expect("decode"), text);
        assert_eq!(
            t.decode(&ids, true).expect("decode"),
            "user\n12+7=?\nassistant\n"
        );
        assert!(ids.iter().all(|&i| (i as usize) < t.vocab_size()));
        assert!(t.encode("é").is_err());
        assert!(t.decode(&[10_000], false).is_err());
    }
}
