//! IFBench's 58 out-of-domain ids and open-instruct IFEvalG's 29 training ids.
//!
//! Agreement with the reference on their fixtures is checked, with every other row, by
//! `ifeval_fixtures`; here: each id is listed by `supported_ids`, has >= 40 labelled rows
//! with both a pass and a fail, per-family agreement is >= 99.5% strict and loose, bad
//! arguments are error verdicts, and a long response is scored by every id in bounded time.

use rlvr_verifiers::ifeval::{self, Options};
use rlvr_verifiers::Outcome;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

fn rows(file: &str) -> Vec<Value> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/ifeval")
        .join(file);
    std::fs::read_to_string(p)
        .expect("fixture file")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn score(case: &Value) -> Vec<(bool, bool)> {
    let row = ifeval::row_from_item(case.as_object().expect("object")).expect("row");
    let v = ifeval::verify(
        case["response"].as_str().unwrap_or(""),
        &row,
        &Options::default(),
    );
    v.detail
        .as_ref()
        .map(|d| d.to_value())
        .as_ref()
        .and_then(|d| d.get("instructions"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| (e["strict"] == true, e["loose"] == true))
                .collect()
        })
        .unwrap_or_default()
}

/// id -> (rows, passes, fails, strict agreements, loose agreements, instructions).
fn tally(files: &[&str]) -> (HashMap<String, [usize; 3]>, [usize; 3]) {
    let mut per: HashMap<String, [usize; 3]> = HashMap::new();
    let mut total = [0usize; 3];
    for f in files {
        for case in rows(f) {
            let ids: Vec<String> = case["instruction_id_list"]
                .as_array()
                .expect("ids")
                .iter()
                .map(|x| x.as_str().unwrap_or("").to_string())
                .collect();
            let got = score(&case);
            for (k, id) in ids.iter().enumerate() {
                let ws = case["strict"][k] == true;
                let wl = case["loose"][k] == true;
                let (gs, gl) = got.get(k).copied().unwrap_or((false, false));
                total[0] += 1;
                total[1] += usize::from(gs == ws);
                total[2] += usize::from(gl == wl);
                if ids.len() == 1 {
                    let e = per.entry(id.clone()).or_default();
                    e[0] += 1;
                    e[1] += usize::from(ws);
                    e[2] += usize::from(!ws);
                }
            }
        }
    }
    (per, total)
}

fn family(files: &[&str], prefix_ids: &[&str], label: &str) {
    let (per, total) = tally(files);
    let s = 100.0 * total[1] as f64 / total[0] as f64;
    let l = 100.0 * total[2] as f64 / total[0] as f64;
    eprintln!(
        "{label}: {} instructions, strict agreement {s:.2}%, loose {l:.2}%",
        total[0]
    );
    assert!(
        s >= 99.5 && l >= 99.5,
        "{label}: strict {s:.2}% loose {l:.2}%"
    );
    let supported: Vec<&str> = ifeval::supported_ids().collect();
    for id in prefix_ids {
        assert!(supported.contains(id), "{id} not listed by supported_ids");
        let e = per.get(*id).copied().unwrap_or_default();
        assert!(
            e[0] >= 40 && e[1] > 0 && e[2] > 0,
            "{id}: {} rows, {} passing, {} failing",
            e[0],
            e[1],
            e[2]
        );
    }
}

const IFBENCH: [&str; 58] = [
    "count:word_count_range",
    "count:unique_word_count",
    "ratio:stop_words",
    "ratio:sentence_type",
    "ratio:sentence_balance",
    "count:conjunctions",
    "count:person_names",
    "ratio:overlap",
    "count:numbers",
    "words:alphabet",
    "words:vowel",
    "words:consonants",
    "sentence:alliteration_increment",
    "words:palindrome",
    "count:punctuation",
    "format:parentheses",
    "format:quotes",
    "words:prime_lengths",
    "format:options",
    "format:newline",
    "format:emoji",
    "ratio:sentence_words",
    "count:words_japanese",
    "words:start_verb",
    "words:repeats",
    "sentence:keyword",
    "count:pronouns",
    "words:odd_even_syllables",
    "words:last_first",
    "words:paragraph_last_first",
    "sentence:increment",
    "words:no_consecutive",
    "format:line_indent",
    "format:quote_unquote",
    "format:list",
    "format:thesis",
    "format:sub-bullets",
    "format:no_bullets_bullets",
    "custom:multiples",
    "custom:mcq_count_length",
    "custom:reverse_newline",
    "custom:word_reverse",
    "custom:character_reverse",
    "custom:sentence_alphabet",
    "custom:european_capitals_sort",
    "custom:csv_city",
    "custom:csv_special_character",
    "custom:csv_quotes",
    "custom:date_format_list",
    "count:keywords_multiple",
    "words:keywords_specific_position",
    "words:words_position",
    "repeat:repeat_change",
    "repeat:repeat_simple",
    "repeat:repeat_span",
    "format:title_case",
    "format:output_template",
    "format:no_whitespace",
];

const IFEVALG: [&str; 29] = [
    "copy:repeat_phrase",
    "copy:copy",
    "new:copy_span_idx",
    "detectable_format:sentence_hyphens",
    "keywords:no_adjacent_consecutive",
    "detectable_format:square_brackets",
    "keywords:word_once",
    "keywords:word_count_different_numbers",
    "keywords:exclude_word_harder",
    "paragraphs:paragraphs",
    "paragraphs:paragraphs2",
    "first_word:first_word_sent",
    "first_word:first_word_answer",
    "last_word:last_word_sent",
    "last_word:last_word_answer",
    "detectable_format:bigram_wrapping",
    "copy:copying_simple",
    "copy:copying_multiple",
    "punctuation:punctuation_dot",
    "punctuation:punctuation_exclamation",
    "count:lowercase_counting",
    "letters:letter_counting",
    "letters:letter_counting2",
    "count:counting_composition",
    "count:count_unique",
    "count:count_increment_word",
    "keywords:palindrome",
    "keywords:keyword_specific_position",
    "keywords:start_end",
];

#[test]
fn ifbench_ids_agree_with_the_reference() {
    family(
        &["ifbench.jsonl", "ifbench_sample.jsonl"],
        &IFBENCH,
        "IFBench",
    );
}

#[test]
fn ifevalg_ids_agree_with_the_reference() {
    family(&["ifevalg.jsonl"], &IFEVALG, "IFEvalG");
}

fn verdict(id: &str, kwargs: Value, response: &str) -> rlvr_verifiers::Verdict {
    let item = json!({"instruction_id_list": [id], "kwargs": [kwargs], "prompt": "p"});
    let row = ifeval::row_from_item(item.as_object().expect("object")).expect("row");
    ifeval::verify(response, &row, &Options::default())
}

#[test]
fn bad_arguments_fail_closed() {
    let cases = [
        ("count:word_count_range", json!({"min_words": 10})),
        (
            "count:word_count_range",
            json!({"min_words": 10, "max_words": 5}),
        ),
        ("count:words_japanese", json!({"N": 0})),
        ("sentence:keyword", json!({"word": "cat", "N": 0})),
        ("sentence:keyword", json!({"word": "", "N": 1})),
        ("ratio:stop_words", json!({"percentage": "ten"})),
        ("ratio:overlap", json!({"percentage": 10})),
        ("format:list", json!({"sep": ""})),
        ("count:keywords_multiple", json!({"keyword1": "a"})),
        (
            "words:keywords_specific_position",
            json!({"keyword": "a", "n": 0, "m": 1}),
        ),
        ("repeat:repeat_change", json!({})),
        (
            "repeat:repeat_span",
            json!({"prompt_to_repeat": "abc", "n_start": 2, "n_end": 1}),
        ),
        (
            "copy:repeat_phrase",
            json!({"phrase": "a b c", "small_n": 0}),
        ),
        ("copy:copy", json!({"prompt_to_repeat": "  "})),
        (
            "new:copy_span_idx",
            json!({"prompt_to_repeat": "abc", "n_start": 2, "n_end": 2}),
        ),
        ("keywords:word_once", json!({})),
        (
            "keywords:word_count_different_numbers",
            json!({"keyword": "a", "frequency": 1, "relation": "exactly"}),
        ),
        (
            "keywords:exclude_word_harder",
            json!({"instruction": "pick one of these words"}),
        ),
        (
            "letters:letter_counting",
            json!({"N": 3, "relation": "about"}),
        ),
        (
            "letters:letter_counting2",
            json!({"letter": "ab", "let_frequency": 1, "let_relation": "at least"}),
        ),
        ("count:counting_composition", json!({"n_sent": 2})),
        (
            "keywords:keyword_specific_position",
            json!({"keyword": [], "n": 1, "m": 1}),
        ),
        (
            "copy:copying_multiple",
            json!({"prompt_to_repeat": "x", "N": 0}),
        ),
    ];
    for (id, kw) in cases {
        let v = verdict(id, kw.clone(), "Some answer text.");
        assert_eq!(v.verdict, Outcome::Error, "{id} {kw}: {:?}", v.reason);
        assert_eq!(v.reward, 0.0);
    }
}

fn sample_kwargs(id: &str) -> Value {
    match id {
        "count:word_count_range" => json!({"min_words": 1, "max_words": 5}),
        "count:unique_word_count"
        | "count:person_names"
        | "count:numbers"
        | "count:pronouns"
        | "count:words_japanese"
        | "count:lowercase_counting" => json!({"N": 3}),
        "ratio:stop_words" => json!({"percentage": 40}),
        "count:conjunctions" | "words:repeats" | "sentence:increment" => json!({"small_n": 2}),
        "ratio:overlap" => json!({"reference_text": "the quick brown fox", "percentage": 50}),
        "format:options" => json!({"options": "yes/no/maybe"}),
        "sentence:keyword" => json!({"word": "cat", "N": 2}),
        "format:list" => json!({"sep": "..."}),
        "count:keywords_multiple" => {
            json!({"keyword1": "a", "keyword2": "b", "keyword3": "c", "keyword4": "d", "keyword5": "e"})
        }
        "words:keywords_specific_position" | "keywords:keyword_specific_position" => {
            json!({"keyword": "cat", "n": 3, "m": 2})
        }
        "words:words_position" | "keywords:word_once" | "keywords:exclude_word_harder" => {
            json!({"keyword": "cat"})
        }
        "repeat:repeat_change" | "copy:copy" | "copy:copying_simple" => {
            json!({"prompt_to_repeat": "Write a poem."})
        }
        "repeat:repeat_span" | "new:copy_span_idx" => {
            json!({"prompt_to_repeat": "Write a poem.", "n_start": 1, "n_end": 5})
        }
        "copy:repeat_phrase" => json!({"phrase": "the cat sat", "small_n": 2}),
        "keywords:word_count_different_numbers" => {
            json!({"keyword": "cat", "frequency": 2, "relation": "at least"})
        }
        "first_word:first_word_sent" | "first_word:first_word_answer" => {
            json!({"first_word": "the"})
        }
        "last_word:last_word_sent" | "last_word:last_word_answer" => json!({"last_word": "end"}),
        "copy:copying_multiple" => json!({"prompt_to_repeat": "Hi.", "N": 2}),
        "letters:letter_counting" => json!({"N": 5, "relation": "at least"}),
        "letters:letter_counting2" => {
            json!({"letter": "a", "let_frequency": 2, "let_relation": "at least"})
        }
        "count:counting_composition" => json!({"n_sent": 2, "n_words": 3}),
        "count:count_increment_word" => json!({"keyword1": "cat", "keyword2": "dog"}),
        _ => json!({}),
    }
}

#[test]
fn every_new_id_scores_a_long_response_in_bounded_time() {
    let unit = "The cat (sat) on the \"mat\" 12 times... Is it \u{1F600}? Yes! * item - sub\n  <i>x</i>, 14; a: b\t\u{732B}\n\n";
    let big: String = unit.repeat((1 << 18) / unit.len() + 1);
    let mut slowest = (Duration::ZERO, "");
    for id in IFBENCH.iter().chain(IFEVALG.iter()) {
        let t = Instant::now();
        let v = verdict(id, sample_kwargs(id), &big);
        let dt = t.elapsed();
        assert_ne!(v.verdict, Outcome::Error, "{id}: {}", v.reason);
        if dt > slowest.0 {
            slowest = (dt, id);
        }
    }
    eprintln!("slowest id on 256 KB: {} ({:?})", slowest.1, slowest.0);
    // Strict plus up to 7 loose variants of 256 KB each, unoptimised build; all work is
    // linear (1 MB measured: 9 s for the slowest id, count:count_unique, in a debug build).
    assert!(slowest.0 < Duration::from_secs(30), "{slowest:?}");
}
