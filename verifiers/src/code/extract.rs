//! Where the program sits in a response: the last fenced code block (```python, ```py, ```
//! or ```python3), else the whole response. Text after a closing `</think>` is preferred when
//! the response has one, so code sketched while thinking does not count.

/// The program in `response`; `None` when there is none (empty, whitespace only, or an
/// unterminated fence with nothing after it).
pub fn extract_code(response: &str) -> Option<String> {
    let body = match response.rfind("</think>") {
        Some(i)
            if !response[i..]
                .trim_start_matches("</think>")
                .trim()
                .is_empty() =>
        {
            &response[i + "</think>".len()..]
        }
        _ => response,
    };
    if let Some(block) = last_fenced_block(body) {
        return (!block.trim().is_empty()).then(|| block.to_string());
    }
    let t = body.trim_matches(|c| c == '\n' || c == '\r');
    (!t.trim().is_empty()).then(|| t.to_string())
}

/// Languages a fence may name for its contents to count as Python; anything else (```cpp,
/// ```text) is skipped in favour of an earlier Python or unlabelled block.
fn is_python_tag(tag: &str) -> bool {
    matches!(
        tag.to_ascii_lowercase().as_str(),
        "" | "python" | "py" | "python3" | "py3"
    )
}

/// The body of the last complete fenced block whose info string is Python or empty.
fn last_fenced_block(s: &str) -> Option<&str> {
    // Walk line starts, pairing fences in order (an opening fence, then the next fence line).
    let mut blocks: Vec<(&str, &str)> = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    let mut pos = 0;
    for line in s.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let t = line.trim();
        if !t.starts_with("```") {
            continue;
        }
        match open {
            None => open = Some((pos, t.trim_start_matches('`').trim())),
            Some((body_start, tag)) if t.trim_start_matches('`').trim().is_empty() => {
                blocks.push((tag, &s[body_start..start]));
                open = None;
            }
            // A fence line with an info string while a block is open: treat the old block as
            // unterminated and start again here.
            Some(_) => open = Some((pos, t.trim_start_matches('`').trim())),
        }
    }
    // An unterminated last block (the model ran out of tokens after a complete program is
    // rare; after a partial one common): use it only if there is no complete block.
    let complete = blocks.iter().rev().find(|(tag, _)| is_python_tag(tag));
    match (complete, open) {
        (Some((_, body)), _) => Some(body),
        (None, Some((body_start, tag))) if is_python_tag(tag) => Some(&s[body_start..]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_last_python_block() {
        let r = "a\n```python\nprint(1)\n```\nthen\n```py\nprint(2)\n```\nend";
        assert_eq!(extract_code(r).as_deref(), Some("print(2)\n"));
    }

    #[test]
    fn skips_other_languages_and_falls_back_to_the_whole_text() {
        let r = "```python\nx=1\n```\n```text\noutput\n```";
        assert_eq!(extract_code(r).as_deref(), Some("x=1\n"));
        assert_eq!(extract_code("print(3)").as_deref(), Some("print(3)"));
        assert_eq!(extract_code("  \n "), None);
        assert_eq!(extract_code("```python\n\n```"), None);
    }

    #[test]
    fn prefers_the_answer_after_thinking() {
        let r = "<think>```python\nprint(0)\n```</think>\n```python\nprint(9)\n```";
        assert_eq!(extract_code(r).as_deref(), Some("print(9)\n"));
    }
}
