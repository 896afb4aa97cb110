//! The one list of instruction ids: id -> checker builder.
//!
//! It drives scoring ([`build`]), the supported-id listing ([`ids`]) and the prompt generator.
//! Ids outside it are an error, never a pass (the reference's unregistered classes such as
//! `multi-turn:constrained_start` included).

use super::kwargs::Kwargs;
use super::pyhelp::FastBuild;
use super::{format, ifbench, ifevalg, keywords, length, misc, tulu, Check, Ctx};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

type Builder = fn(&Kwargs, &Ctx) -> Result<Check, String>;

/// IFEval's 25 ids (Google's `instructions_registry.INSTRUCTION_DICT`).
pub const IFEVAL: [(&str, Builder); 25] = [
    ("keywords:existence", keywords::existence),
    ("keywords:frequency", keywords::frequency),
    ("keywords:forbidden_words", keywords::forbidden_words),
    ("keywords:letter_frequency", keywords::letter_frequency),
    ("language:response_language", misc::response_language),
    (
        "length_constraints:number_sentences",
        length::number_sentences,
    ),
    (
        "length_constraints:number_paragraphs",
        length::number_paragraphs,
    ),
    ("length_constraints:number_words", length::number_words),
    (
        "length_constraints:nth_paragraph_first_word",
        length::nth_paragraph_first_word,
    ),
    (
        "detectable_content:number_placeholders",
        format::number_placeholders,
    ),
    ("detectable_content:postscript", format::postscript),
    (
        "detectable_format:number_bullet_lists",
        format::number_bullet_lists,
    ),
    (
        "detectable_format:constrained_response",
        format::constrained_response,
    ),
    (
        "detectable_format:number_highlighted_sections",
        format::number_highlighted_sections,
    ),
    (
        "detectable_format:multiple_sections",
        format::multiple_sections,
    ),
    ("detectable_format:json_format", format::json_format),
    ("detectable_format:title", format::title),
    ("combination:two_responses", misc::two_responses),
    ("combination:repeat_prompt", misc::repeat_prompt),
    ("startend:end_checker", misc::end_checker),
    (
        "change_case:capital_word_frequency",
        misc::capital_word_frequency,
    ),
    ("change_case:english_capital", misc::english_capital),
    ("change_case:english_lowercase", misc::english_lowercase),
    ("punctuation:no_comma", misc::no_comma),
    ("startend:quotation", misc::quotation),
];

/// Every supported id: IFEval's, IFEvalG's 29, IFBench's 58, then Tülu 3's `func_name`s.
pub fn ids() -> impl Iterator<Item = &'static str> {
    IFEVAL
        .iter()
        .chain(ifevalg::IDS.iter())
        .chain(ifbench::IDS.iter())
        .map(|(id, _)| *id)
        .chain(tulu::IDS.iter().copied())
}

type Table = HashMap<&'static str, Builder, FastBuild>;

/// id -> builder for IFEval's, IFEvalG's and IFBench's ids (the first list holding an id wins,
/// as the sequential search did), looked up once per instruction instead of scanned.
fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = Table::default();
        for (k, b) in IFEVAL
            .iter()
            .chain(ifevalg::IDS.iter())
            .chain(ifbench::IDS.iter())
        {
            m.entry(*k).or_insert(*b);
        }
        m
    })
}

/// Build the checker for one instruction, with the registry's copy of its id (for a detail
/// that names it without a copy).
pub fn build(
    id: &str,
    kwargs: &Map<String, Value>,
    ctx: &Ctx,
) -> Result<(&'static str, Check), String> {
    let kw = Kwargs(kwargs);
    if let Some((&name, b)) = table().get_key_value(id) {
        return b(&kw, ctx).map(|c| (name, c));
    }
    if let Some(&name) = tulu::IDS.iter().find(|&&t| t == id) {
        return tulu::build(id, &kw, ctx).map(|c| (name, c));
    }
    Err("unknown instruction id".to_string())
}
