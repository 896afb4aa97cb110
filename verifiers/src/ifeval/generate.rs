//! Seeded training prompts with 1-5 verifiable constraints (`rlvr generate ifeval`).
//!
//! Each item is `{"prompt", "instruction_id_list", "kwargs", "domain": "ifeval"}`: a writing
//! task followed by the constraints' English descriptions (IFEval's wording), with arguments
//! drawn from a SplitMix64 generator seeded by `seed`, so the same seed gives the same items on
//! every platform. Ids that contradict each other (a JSON answer and a title, two length rules
//! of one kind, all-caps and all-lowercase, ...) are never combined, and no id repeats.

use serde_json::{json, Map, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

const TASKS: [&str; 16] = [
    "Write a short story about a lighthouse keeper who finds a message in a bottle.",
    "Explain how vaccines train the immune system.",
    "Write a cover letter for a junior data analyst position.",
    "Describe your ideal weekend in the mountains.",
    "Write a product description for a solar-powered backpack.",
    "Summarize the causes of the French Revolution.",
    "Write a blog post about learning to cook as an adult.",
    "Give advice to a student starting university.",
    "Write a poem about the first snow of winter.",
    "Explain the difference between weather and climate.",
    "Write an email to a neighbor about a lost cat.",
    "Describe how a bill becomes a law.",
    "Write a review of a fictional restaurant called The Blue Fig.",
    "Explain why sleep matters for memory.",
    "Write a speech for a small-town library's 100th anniversary.",
    "Describe the water cycle to a ten-year-old.",
];

const WORDS: [&str; 16] = [
    "harbor", "journey", "signal", "garden", "balance", "memory", "future", "bridge", "river",
    "window", "courage", "energy", "silence", "market", "planet", "lantern",
];

/// Groups of ids that must not appear together (one per group at most).
const EXCLUSIVE: [&[&str]; 5] = [
    &[
        "detectable_format:json_format",
        "detectable_format:title",
        "detectable_format:constrained_response",
        "combination:two_responses",
        "combination:repeat_prompt",
        "startend:quotation",
        "detectable_format:number_bullet_lists",
        "length_constraints:number_paragraphs",
        "length_constraints:nth_paragraph_first_word",
        "detectable_format:multiple_sections",
    ],
    &[
        "change_case:english_capital",
        "change_case:english_lowercase",
        "change_case:capital_word_frequency",
        "language:response_language",
    ],
    &[
        "length_constraints:number_words",
        "length_constraints:number_sentences",
    ],
    &["startend:end_checker", "detectable_content:postscript"],
    &[
        "keywords:forbidden_words",
        "keywords:existence",
        "keywords:frequency",
    ],
];

fn relation(rng: &mut Rng) -> &'static str {
    if rng.below(2) == 0 {
        "less than"
    } else {
        "at least"
    }
}

/// Arguments and description for one id.
fn instance(id: &str, rng: &mut Rng, task: &str) -> (Map<String, Value>, String) {
    let kw = |v: Value| v.as_object().cloned().unwrap_or_default();
    match id {
        "keywords:existence" => {
            let (a, b) = (*rng.pick(&WORDS), *rng.pick(&WORDS));
            (kw(json!({"keywords": [a, b]})), format!("Include keywords {a}, {b} in the response."))
        }
        "keywords:frequency" => {
            let (w, n, r) = (*rng.pick(&WORDS), rng.range(1, 4), relation(rng));
            (kw(json!({"keyword": w, "frequency": n, "relation": r})), format!("In your response, the word {w} should appear {r} {n} times."))
        }
        "keywords:forbidden_words" => {
            let (a, b) = (*rng.pick(&WORDS), *rng.pick(&WORDS));
            (kw(json!({"forbidden_words": [a, b]})), format!("Do not include keywords {a}, {b} in the response."))
        }
        "keywords:letter_frequency" => {
            let l = ["a", "e", "o", "s", "t", "r"][rng.below(6)];
            let (n, r) = (rng.range(3, 12), relation(rng));
            (kw(json!({"letter": l, "let_frequency": n, "let_relation": r})), format!("In your response, the letter {l} should appear {r} {n} times."))
        }
        "language:response_language" => {
            let (code, name) = *rng.pick(&[("es", "Spanish"), ("fr", "French"), ("de", "German"), ("it", "Italian"), ("pt", "Portuguese")]);
            (kw(json!({"language": code})), format!("Your ENTIRE response should be in {name} language, no other language is allowed."))
        }
        "length_constraints:number_sentences" => {
            let (n, r) = (rng.range(3, 12), relation(rng));
            (kw(json!({"num_sentences": n, "relation": r})), format!("Your response should contain {r} {n} sentences."))
        }
        "length_constraints:number_paragraphs" => {
            let n = rng.range(2, 5);
            (kw(json!({"num_paragraphs": n})), format!("There should be {n} paragraphs. Paragraphs are separated with the markdown divider: ***"))
        }
        "length_constraints:number_words" => {
            let (n, r) = (rng.range(5, 40) * 10, relation(rng));
            (kw(json!({"num_words": n, "relation": r})), format!("Answer with {r} {n} words."))
        }
        "length_constraints:nth_paragraph_first_word" => {
            let n = rng.range(2, 5);
            let k = rng.range(1, n);
            let w = *rng.pick(&WORDS);
            (kw(json!({"num_paragraphs": n, "nth_paragraph": k, "first_word": w})),
             format!("There should be {n} paragraphs. Paragraphs and only paragraphs are separated with each other by two new lines as if it was '\\n\\n' in python. Paragraph {k} must start with word {w}."))
        }
        "detectable_content:number_placeholders" => {
            let n = rng.range(1, 4);
            (kw(json!({"num_placeholders": n})), format!("The response must contain at least {n} placeholders represented by square brackets, such as [address]."))
        }
        "detectable_content:postscript" => {
            let m = *rng.pick(&["P.S.", "P.P.S"]);
            (kw(json!({"postscript_marker": m})), format!("At the end of your response, please explicitly add a postscript starting with {m}"))
        }
        "detectable_format:number_bullet_lists" => {
            let n = rng.range(2, 6);
            (kw(json!({"num_bullets": n})), format!("Your answer must contain exactly {n} bullet points. Use the markdown bullet points such as:\n* This is point 1."))
        }
        "detectable_format:constrained_response" => (Map::new(), "Answer with one of the following options: My answer is yes., My answer is no., My answer is maybe.".into()),
        "detectable_format:number_highlighted_sections" => {
            let n = rng.range(1, 4);
            (kw(json!({"num_highlights": n})), format!("Highlight at least {n} sections in your answer with markdown, i.e. *highlighted section*."))
        }
        "detectable_format:multiple_sections" => {
            let (s, n) = (*rng.pick(&["Section", "SECTION", "PARAGRAPH"]), rng.range(2, 5));
            (kw(json!({"section_spliter": s, "num_sections": n})), format!("Your response must have {n} sections. Mark the beginning of each section with {s} X, such as:\n{s} 1"))
        }
        "detectable_format:json_format" => (Map::new(), "Entire output should be wrapped in JSON format. You can use markdown ticks such as ```.".into()),
        "detectable_format:title" => (Map::new(), "Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>.".into()),
        "combination:two_responses" => (Map::new(), "Give two different responses. Responses and only responses should be separated by 6 asterisk symbols: ******.".into()),
        "combination:repeat_prompt" => (kw(json!({"prompt_to_repeat": task})), "First repeat the request word for word without change, then give your answer (1. do not say any words or characters before repeating the request; 2. the request you need to repeat does not include this sentence)".into()),
        "startend:end_checker" => {
            let p = *rng.pick(&["Is there anything else I can help with?", "Any other questions?", "That is all."]);
            (kw(json!({"end_phrase": p})), format!("Finish your response with this exact phrase {p}. No other words should follow this phrase."))
        }
        "change_case:capital_word_frequency" => {
            let (n, r) = (rng.range(2, 20), relation(rng));
            (kw(json!({"capital_frequency": n, "capital_relation": r})), format!("In your response, words with all capital letters should appear {r} {n} times."))
        }
        "change_case:english_capital" => (Map::new(), "Your entire response should be in English, and in all capital letters.".into()),
        "change_case:english_lowercase" => (Map::new(), "Your entire response should be in English, and in all lowercase letters. No capital letters are allowed.".into()),
        "punctuation:no_comma" => (Map::new(), "In your entire response, refrain from the use of any commas.".into()),
        _ => (Map::new(), "Wrap your entire response with double quotation marks.".into()),
    }
}

/// `count` items from `seed`.
pub fn generate(seed: u64, count: usize) -> Vec<Value> {
    let ids: Vec<&str> = super::registry::IFEVAL.iter().map(|(id, _)| *id).collect();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut rng = Rng(seed ^ (i as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        let task = *rng.pick(&TASKS);
        let want = rng.range(1, 5) as usize;
        let mut chosen: Vec<&str> = Vec::new();
        for _ in 0..64 {
            if chosen.len() == want {
                break;
            }
            let id = *rng.pick(&ids);
            let clash = chosen.contains(&id)
                || EXCLUSIVE
                    .iter()
                    .any(|g| g.contains(&id) && chosen.iter().any(|c| g.contains(c)));
            if !clash {
                chosen.push(id);
            }
        }
        let mut prompt = task.to_string();
        let mut kwargs = Vec::new();
        for id in &chosen {
            let (kw, text) = instance(id, &mut rng, task);
            prompt.push(' ');
            prompt.push_str(&text);
            kwargs.push(Value::Object(kw));
        }
        out.push(json!({"prompt": prompt, "instruction_id_list": chosen, "kwargs": kwargs, "domain": "ifeval"}));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::generate;
    use crate::ifeval::{row_from_item, verify, Options};
    use crate::Outcome;

    #[test]
    fn seeded_valid_rows() {
        let a = generate(7, 200);
        assert_eq!(a, generate(7, 200));
        assert_ne!(a, generate(8, 200));
        for item in &a {
            let n = item["instruction_id_list"].as_array().map_or(0, Vec::len);
            assert!((1..=5).contains(&n), "{item}");
            let row = row_from_item(item.as_object().expect("object")).expect("row");
            let v = verify("Some answer.", &row, &Options::default());
            assert_ne!(v.verdict, Outcome::Error, "{item}: {}", v.reason);
        }
    }
}
