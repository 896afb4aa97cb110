//! The ifeval API contract: row shapes, reward modes, fail-closed errors, bounded work.

use rlvr_verifiers::ifeval::{self, Options, RewardMode};
use rlvr_verifiers::Outcome;
use serde_json::{json, Map, Value};
use std::time::Instant;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn row(v: Value) -> ifeval::Row {
    ifeval::row_from_item(&obj(v)).expect("row reads")
}

#[test]
fn row_shapes_read_the_same() {
    let ifeval_row = json!({"prompt": "p", "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
        "kwargs": [{"num_words": null, "relation": null}, {"num_words": 3, "relation": "at least", "language": null}]});
    let nemotron = json!({"input": [{"role": "user", "content": "p"}], "args": {"instruction_id_list":
        ["punctuation:no_comma", "length_constraints:number_words"], "instruction_kwargs": [{}, {"num_words": 3, "relation": "at least"}]}});
    let open_instruct = json!({"dataset": "ifeval", "ground_truth":
        "[{'instruction_id': ['punctuation:no_comma', 'length_constraints:number_words'], 'kwargs': [None, {'num_words': 3, 'relation': 'at least'}]}]"});
    let in_gt_json = json!({"ground_truth": serde_json::to_string(&json!({"instruction_id_list":
        ["punctuation:no_comma", "length_constraints:number_words"], "kwargs": [null, {"num_words": 3, "relation": "at least"}]})).unwrap_or_default()});
    let verl = json!({"reward_model": {"ground_truth": {"instruction_id_list":
        ["punctuation:no_comma", "length_constraints:number_words"], "kwargs": [{}, {"num_words": 3, "relation": "at least"}]}}});
    let opts = Options::default();
    for item in [ifeval_row, nemotron, open_instruct, in_gt_json, verl] {
        assert!(ifeval::looks_like_ifeval(&obj(item.clone())), "{item}");
        let r = row(item.clone());
        assert_eq!(r.instructions.len(), 2, "{item}");
        let v = ifeval::verify("<think>a, b</think>one two three", &r, &opts);
        assert_eq!(v.verdict, Outcome::Correct, "{item}: {}", v.reason);
        let v = ifeval::verify("one, two", &r, &opts);
        assert_eq!(v.reward, 0.0, "{item}");
        let v = ifeval::verify("one two, three", &r, &opts);
        assert_eq!(v.reward, 0.5, "{item}");
        assert_eq!(v.verdict, Outcome::Incorrect);
    }
    assert!(!ifeval::looks_like_ifeval(&obj(
        json!({"ground_truth": "0.5"})
    )));
    let tulu = row(json!({"ground_truth": "{\"func_name\": \"validate_lowercase\", \"N\": null}"}));
    assert_eq!(tulu.instructions[0].id, "validate_lowercase");
    assert_eq!(
        ifeval::verify("all lower", &tulu, &Options::default()).reward,
        1.0
    );
}

#[test]
fn reward_modes_and_detail() {
    let r = row(
        json!({"instruction_id_list": ["punctuation:no_comma", "punctuation:no_comma", "startend:quotation"],
        "kwargs": [{}, {}, {}]}),
    );
    let resp = "Sure\n\"a b\"";
    let frac = ifeval::verify(resp, &r, &Options::default());
    assert!((frac.reward - 2.0 / 3.0).abs() < 1e-12);
    let all = ifeval::verify(
        resp,
        &r,
        &Options {
            reward: RewardMode::All,
            ..Options::default()
        },
    );
    assert_eq!(all.reward, 0.0);
    let loose = ifeval::verify(
        resp,
        &r,
        &Options {
            reward: RewardMode::Loose,
            ..Options::default()
        },
    );
    assert_eq!(loose.reward, 1.0);
    let d = frac.detail.expect("detail").into_value();
    assert_eq!(d["instructions"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        d["instructions"][2],
        json!({"id": "startend:quotation", "strict": false, "loose": true})
    );
    // Empty answers fail even negative instructions.
    assert_eq!(ifeval::verify("  \n", &r, &Options::default()).reward, 0.0);
}

#[test]
fn fails_closed() {
    let cases = [
        json!({"instruction_id_list": ["nope:unknown"], "kwargs": [{}]}),
        json!({"instruction_id_list": ["length_constraints:number_words"], "kwargs": [{"num_words": 3}]}),
        json!({"instruction_id_list": ["length_constraints:number_words"], "kwargs": [{"num_words": 3, "relation": "at most"}]}),
        json!({"instruction_id_list": ["length_constraints:number_words"], "kwargs": [{"num_words": "3", "relation": "at least"}]}),
        json!({"instruction_id_list": ["keywords:existence"], "kwargs": [{"keywords": []}]}),
        json!({"instruction_id_list": ["language:response_language"], "kwargs": [{"language": "xx"}]}),
        json!({"instruction_id_list": ["length_constraints:nth_paragraph_first_word"], "kwargs": [{"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "a"}]}),
        json!({"instruction_id_list": ["multi-turn:constrained_start"], "kwargs": [{}]}),
        json!({"instruction_id_list": [], "kwargs": []}),
    ];
    for c in cases {
        let v = ifeval::verify("Some answer.", &row(c.clone()), &Options::default());
        assert_eq!(v.verdict, Outcome::Error, "{c}");
        assert_eq!(v.reward, 0.0);
    }
    assert!(ifeval::row_from_item(&obj(json!({"prompt": "x"}))).is_err());
    // No letters: no language, which fails (compat: the reference's pass).
    let r = row(
        json!({"instruction_id_list": ["language:response_language"], "kwargs": [{"language": "en"}]}),
    );
    assert_eq!(
        ifeval::verify("12345 😀", &r, &Options::default()).reward,
        0.0
    );
    assert_eq!(
        ifeval::verify(
            "12345 😀",
            &r,
            &Options {
                compat: true,
                ..Options::default()
            }
        )
        .reward,
        1.0
    );
}

#[test]
fn bounded_on_large_and_hostile_input() {
    let ids: Vec<&str> = ifeval::supported_ids().collect();
    assert!(ids.len() >= 25);
    let big = "Mr. A. B. said: \"DON'T!\" *x* [y] <<t>> P.S. 3.14... ".repeat(20_000);
    let kwargs = json!({"keywords": ["a".repeat(2000), "(((((".to_string()], "keyword": "a*", "frequency": 2, "relation": "at least",
        "forbidden_words": ["x", "a+b"], "letter": "a", "let_frequency": 1, "let_relation": "less than", "language": "en",
        "num_sentences": 2, "num_paragraphs": 2, "num_words": 5, "nth_paragraph": 1, "first_word": "mr",
        "num_placeholders": 1, "postscript_marker": "(", "num_bullets": 1, "num_highlights": 1, "section_spliter": "[",
        "num_sections": 1, "prompt_to_repeat": "Mr.", "end_phrase": "x", "capital_frequency": 3, "capital_relation": "at least",
        "N": 3, "quantifier": "around", "word": "a", "keyword_list": ["a"], "i": 1, "options": ["a"], "section_splitter": "S",
        "original_prompt": "M"});
    for compat in [false, true] {
        for id in &ids {
            let r = row(json!({"instruction_id_list": [id], "kwargs": [kwargs]}));
            let t = Instant::now();
            let v = ifeval::verify(
                &big,
                &r,
                &Options {
                    compat,
                    ..Options::default()
                },
            );
            assert!(
                t.elapsed().as_secs_f64() < 10.0,
                "{id} took {:?}",
                t.elapsed()
            );
            assert!((0.0..=1.0).contains(&v.reward));
        }
    }
}
