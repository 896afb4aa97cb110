//! Chat-template special tokens at the end of a response. Trainers that decode with
//! `skip_special_tokens=False` (OpenRLHF does) send `The answer is 42.<|im_end|>`, and a
//! padded batch may add `<|endoftext|>` after it; those tokens are the end of the turn, not
//! part of the answer, so every domain reads the response without them.
//!
//! Removed from the end, repeatedly, with the whitespace between them: any `<|name|>` token
//! (ChatML's `<|im_end|>`, Qwen's `<|endoftext|>`, Llama 3's `<|eot_id|>`, `<|eom_id|>` and
//! `<|end_of_text|>`, Phi's `<|end|>`, gpt-oss's `<|return|>`), DeepSeek's full-width
//! `<｜end▁of▁sentence｜>`, and the named end tokens `</s>`, `<eos>`, `<end_of_turn>`,
//! `<|end|>` and `<pad>`. Nothing inside the response is touched.

/// Named end-of-turn tokens that do not have the `<|...|>` shape.
const NAMED: &[&str] = &["</s>", "<eos>", "<end_of_turn>", "<pad>", "[EOS]"];

/// The longest name inside `<|...|>` that is taken for a special token.
const MAX_NAME: usize = 48;

/// `text` without the special tokens (and whitespace) at its end.
pub fn strip_trailing_special_tokens(text: &str) -> &str {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_end();
        let next = NAMED
            .iter()
            .find_map(|t| trimmed.strip_suffix(t))
            .or_else(|| strip_bar_token(trimmed, "<|", "|>"))
            .or_else(|| strip_bar_token(trimmed, "<｜", "｜>"));
        match next {
            Some(shorter) => rest = shorter,
            // Only whitespace that stood before a token is dropped; a response without tokens
            // comes back as it is.
            None => {
                return if rest.len() == text.len() {
                    text
                } else {
                    trimmed
                }
            }
        }
    }
}

/// `text` without a final `open name close` token whose name is a short identifier
/// (letters, digits, `_`, `-`, `.`, `▁`).
fn strip_bar_token<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let body = text.strip_suffix(close)?;
    let start = body.rfind(open)?;
    let name = &body[start + open.len()..];
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '▁'));
    ok.then(|| &body[..start])
}

#[cfg(test)]
mod tests {
    use super::strip_trailing_special_tokens as strip;

    #[test]
    fn end_of_turn_tokens_are_removed() {
        assert_eq!(strip("The answer is 42.<|im_end|>"), "The answer is 42.");
        assert_eq!(strip("#### 72<|im_end|>"), "#### 72");
        assert_eq!(
            strip("```python\nprint(1)\n```<|im_end|>"),
            "```python\nprint(1)\n```"
        );
        assert_eq!(
            strip("x\\boxed{1}<|im_end|>\n<|endoftext|><|endoftext|>"),
            "x\\boxed{1}"
        );
        assert_eq!(strip("so 3</s>"), "so 3");
        assert_eq!(strip("so 3<|eot_id|>"), "so 3");
        assert_eq!(strip("so 3<｜end▁of▁sentence｜>"), "so 3");
        assert_eq!(strip("so 3<|end▁of▁sentence|>"), "so 3");
        assert_eq!(strip("so 3<end_of_turn>\n<eos>"), "so 3");
    }

    #[test]
    fn everything_else_is_kept() {
        for s in [
            "The answer is 42.",
            "ends with spaces  \n",
            "a <|im_end|> in the middle is text",
            "|x|>3 and <|x y|>",
            "",
            "<|",
            "|>",
            "a<||>",
        ] {
            assert_eq!(strip(s), s, "{s:?}");
        }
        assert_eq!(strip("<|im_end|>"), "");
    }
}
