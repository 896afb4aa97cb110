//! A checkpoint's own chat template, rendered as transformers' `apply_chat_template` renders it.
//!
//! Chat templates are Jinja source shipped with a model (`chat_template` in
//! `tokenizer_config.json`, `tokenizer.chat_template` in a GGUF file). They decide the system
//! prompt, the turn markers and the generation prompt, so a model trained on prompts rendered
//! any other way sees text it was never tuned on. transformers renders them with jinja2 under
//! fixed settings, reproduced here on minijinja:
//!
//! - `trim_blocks` and `lstrip_blocks` on, a single trailing newline dropped, `{% break %}` /
//!   `{% continue %}` allowed;
//! - Python's string and dict methods (`.strip()`, `.split()`, `.startswith()`, `.items()`, ...);
//! - `raise_exception(msg)` fails the rendering with `msg`; `strftime_now(fmt)` formats the
//!   current UTC time; `tojson` writes JSON as Python's `json.dumps` does (no HTML escaping,
//!   `", "` and `": "` separators, optional `indent`);
//! - `{% generation %}` / `{% endgeneration %}` (transformers' assistant-mask markers) render
//!   their body;
//! - the context has `messages`, `add_generation_prompt`, `tools` and `documents` (both none)
//!   and the special tokens the checkpoint names (`bos_token`, `eos_token`, ...).

use minijinja::value::{Kwargs, Serde, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

use crate::tokenizer::Message;
use crate::{Result, TrainError};

/// The special-token strings a template may use (`{{ bos_token }}`); unset ones are undefined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecialTokens {
    pub bos_token: Option<String>,
    pub eos_token: Option<String>,
    pub unk_token: Option<String>,
    pub pad_token: Option<String>,
}

/// A compiled chat template.
pub struct ChatTemplate {
    env: Environment<'static>,
    source: String,
    tokens: SpecialTokens,
}

impl std::fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatTemplate")
            .field("source", &self.source)
            .field("tokens", &self.tokens)
            .finish()
    }
}

fn template_err(e: Error) -> TrainError {
    let mut msg = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        msg.push_str(&format!(": {c}"));
        cause = c.source();
    }
    TrainError::ChatTemplate(msg)
}

impl ChatTemplate {
    /// Compiles `source`; a template that does not parse is an error naming where.
    pub fn new(source: &str, tokens: SpecialTokens) -> Result<Self> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .map_err(template_err)?,
        );
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> std::result::Result<Value, Error> {
                Err(Error::new(ErrorKind::InvalidOperation, msg))
            },
        );
        env.add_function("strftime_now", |fmt: String| strftime_now(&fmt));
        env.add_filter("tojson", tojson);
        env.add_template_owned("chat", without_generation_tags(source))
            .map_err(template_err)?;
        Ok(ChatTemplate {
            env,
            source: source.to_string(),
            tokens,
        })
    }

    /// The template's Jinja source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The conversation as the model sees it; with `add_generation_prompt` the text ends where
    /// the assistant's reply starts.
    pub fn render(&self, messages: &[Message], add_generation_prompt: bool) -> Result<String> {
        let t = &self.tokens;
        let tok = |x: &Option<String>| x.as_deref().map_or(Value::UNDEFINED, Value::from);
        let ctx = minijinja::context! {
            messages => Value::from(Serde(messages)),
            add_generation_prompt => add_generation_prompt,
            tools => Value::from(()),
            documents => Value::from(()),
            bos_token => tok(&t.bos_token),
            eos_token => tok(&t.eos_token),
            unk_token => tok(&t.unk_token),
            pad_token => tok(&t.pad_token),
        };
        self.env
            .get_template("chat")
            .and_then(|tpl| tpl.render(ctx))
            .map_err(template_err)
    }
}

/// Rewrites transformers' `{% generation %}` / `{% endgeneration %}` markers (whitespace
/// control kept) as an always-true `if`, so their body renders.
fn without_generation_tags(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find("{%") {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        let Some(end) = tag.find("%}") else {
            out.push_str(tag);
            return out;
        };
        let inner = &tag[2..end];
        let lead = inner.starts_with('-');
        let trail = inner.ends_with('-') && inner.len() > usize::from(lead);
        let word = inner.trim_start_matches('-').trim_end_matches('-').trim();
        let (l, r) = (if lead { "-" } else { "" }, if trail { "-" } else { "" });
        match word {
            "generation" => out.push_str(&format!("{{%{l} if true {r}%}}")),
            "endgeneration" => out.push_str(&format!("{{%{l} endif {r}%}}")),
            _ => out.push_str(&tag[..end + 2]),
        }
        rest = &tag[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `tojson` as transformers defines it: `json.dumps(x, ensure_ascii=False, indent=indent)`.
fn tojson(value: Value, kwargs: Kwargs) -> std::result::Result<Value, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let _: Option<bool> = kwargs.get("ensure_ascii")?;
    let _: Option<bool> = kwargs.get("sort_keys")?;
    kwargs.assert_all_used()?;
    let mut out = String::new();
    python_json(&value, indent, 0, &mut out)?;
    Ok(Value::from_safe_string(out))
}

/// Writes `v` as Python's `json.dumps` does: keys in insertion order, `", "` / `": "`
/// separators on one line, or `indent` spaces per level with `","` / `": "`.
fn python_json(
    v: &Value,
    indent: Option<usize>,
    level: usize,
    out: &mut String,
) -> std::result::Result<(), Error> {
    let newline = |out: &mut String, level: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.push_str(&" ".repeat(n * level));
        }
    };
    let sep = if indent.is_some() { "," } else { ", " };
    let (open, close, is_map) = match v.kind() {
        ValueKind::Seq | ValueKind::Iterable => ('[', ']', false),
        ValueKind::Map => ('{', '}', true),
        ValueKind::Undefined | ValueKind::None => {
            out.push_str("null");
            return Ok(());
        }
        _ => {
            let j = serde_json::to_string(v)
                .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
            out.push_str(&j);
            return Ok(());
        }
    };
    let items: Vec<Value> = v.try_iter()?.collect();
    out.push(open);
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        newline(out, level + 1);
        if is_map {
            python_json(&Value::from(x.to_string()), None, 0, out)?;
            out.push_str(": ");
            python_json(&v.get_item(x)?, indent, level + 1, out)?;
        } else {
            python_json(x, indent, level + 1, out)?;
        }
    }
    if !items.is_empty() {
        newline(out, level);
    }
    out.push(close);
    Ok(())
}

/// `strftime_now(fmt)`: the current UTC time through the common `strftime` directives
/// (`%Y %m %d %e %B %b %A %a %H %M %S %j %%`); others are kept as written.
fn strftime_now(fmt: &str) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    strftime(fmt, secs)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];

/// Formats `secs` since the Unix epoch (UTC).
fn strftime(fmt: &str, secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    let sod = secs % 86_400;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let before: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = before[(m - 1) as usize] + d + i64::from(leap && m > 2);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month = MONTHS[(m - 1) as usize];
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&y.to_string()),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('e') => out.push_str(&format!("{d:>2}")),
            Some('B') => out.push_str(month),
            Some('b') => out.push_str(&month[..3]),
            Some('A') => out.push_str(weekday),
            Some('a') => out.push_str(&weekday[..3]),
            Some('H') => out.push_str(&format!("{:02}", sod / 3600)),
            Some('M') => out.push_str(&format!("{:02}", sod / 60 % 60)),
            Some('S') => out.push_str(&format!("{:02}", sod % 60)),
            Some('j') => out.push_str(&format!("{yday:03}")),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(role: &str, content: &str) -> Message {
        Message {
            role: role.into(),
            content: content.into(),
        }
    }

    #[test]
    fn dates_are_formatted_as_strftime_does() {
        // 2024-07-26 13:05:09 UTC, a Friday, day 208 of a leap year.
        let t = 1_721_999_109;
        assert_eq!(
            strftime("%d %b %Y %H:%M:%S %A %j %%", t),
            "26 Jul 2024 13:05:09 Friday 208 %"
        );
        assert_eq!(strftime("%B %e, %Y", 0), "January  1, 1970");
        assert_eq!(strftime("%Y-%m-%d %q", 951_782_400), "2000-02-29 %q");
    }

    #[test]
    fn generation_markers_render_their_body() {
        let src = "{% for m in messages %}{%- generation -%} {{ m.content }} {%- endgeneration %}\
                   {% endfor %}";
        let t = ChatTemplate::new(src, SpecialTokens::default()).unwrap();
        assert_eq!(
            t.render(&[msg("user", "a"), msg("user", "b")], false)
                .unwrap(),
            "ab"
        );
    }

    #[test]
    fn errors_name_the_cause() {
        let bad = ChatTemplate::new("{% for m in messages %}", SpecialTokens::default());
        assert!(matches!(bad, Err(TrainError::ChatTemplate(_))), "{bad:?}");
        let t = ChatTemplate::new(
            "{% if messages[0].role != 'system' %}{{ raise_exception('need a system turn') }}\
             {% endif %}",
            SpecialTokens::default(),
        )
        .unwrap();
        let e = t.render(&[msg("user", "x")], true).unwrap_err().to_string();
        assert!(e.contains("need a system turn"), "{e}");
    }

    #[test]
    fn tojson_writes_what_python_json_dumps_writes() {
        let t = ChatTemplate::new(
            "{{ messages | tojson }}|{{ messages[0] | tojson(indent=2) }}|{{ '<&é>' | tojson }}",
            SpecialTokens::default(),
        )
        .unwrap();
        assert_eq!(
            t.render(&[msg("user", "a \"q\"")], false).unwrap(),
            "[{\"role\": \"user\", \"content\": \"a \\\"q\\\"\"}]|{\n  \"role\": \"user\",\n  \
             \"content\": \"a \\\"q\\\"\"\n}|\"<&é>\""
        );
    }
}
