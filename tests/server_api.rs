//! Every endpoint of `rlvr serve` and every compatibility shape, over a real socket.
//!
//! Reward values are asserted for items whose verdict is certain ("\\boxed{42}" vs "42"); while
//! a verifier is still a stub, those assertions are skipped with a note (see
//! `server_support::math_pending`) and the shapes, order, ids and status codes are checked.

mod server_support;

use serde_json::{json, Value};
use server_support::*;

#[test]
fn healthz_and_verifiers() {
    let s = default_server();
    let r = get(s.addr, "/healthz");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    assert!(r
        .header("content-type")
        .unwrap()
        .contains("application/json"));

    let v = get(s.addr, "/v1/verifiers").json();
    let fams = v["domains"]["logic"]["families"].as_array().unwrap();
    assert_eq!(fams.len(), rlvr_verifiers::logic::families().len());
    assert!(fams.iter().any(|f| f["name"] == "sudoku"));
    assert!(v["domains"]["math"].is_object());
    assert_eq!(v["domains"]["code"]["languages"], json!(["python"]));
    assert_eq!(v["limits"]["max_items"], 65_536);
}

#[test]
fn rewards_keeps_order_and_isolates_bad_items() {
    let s = default_server();
    let items = json!([
        {"id": "right", "domain": "math", "response": "so \\boxed{42}", "ground_truth": "42"},
        {"id": 7, "response": "\\boxed{41}", "ground_truth": "42"},
        5,
        {"id": "no-response", "ground_truth": "1"},
        {"id": "bad-domain", "domain": "chemistry", "response": "x", "ground_truth": "1"},
        {"id": "bad-task", "domain": "logic", "task": "no_such_puzzle", "response": "<answer>1</answer>"},
        {"id": "verl", "data_source": "openai/gsm8k", "response": "\\boxed{3}",
         "reward_model": {"ground_truth": "3"}},
        {"id": "multi", "responses": ["\\boxed{1}", "\\boxed{2}"], "ground_truth": "2"},
        {"id": "wrong-type", "response": 12, "ground_truth": "12"}
    ]);
    let r = post(s.addr, "/v1/rewards", &json!({ "items": items }));
    assert_eq!(r.status, 200, "{}", r.text());
    let res = r.json()["results"].as_array().unwrap().clone();
    let ids: Vec<Value> = res.iter().map(|x| x["id"].clone()).collect();
    assert_eq!(
        ids,
        vec![
            json!("right"),
            json!(7),
            Value::Null,
            json!("no-response"),
            json!("bad-domain"),
            json!("bad-task"),
            json!("verl"),
            json!("multi"),
            json!("multi"),
            json!("wrong-type")
        ]
    );
    for x in &res {
        for key in ["reward", "verdict", "reason", "elapsed_us"] {
            assert!(x.get(key).is_some(), "missing {key} in {x}");
        }
        assert!(x.get("detail").is_none(), "detail only on request: {x}");
    }
    let reason = |i: usize| res[i]["reason"].as_str().unwrap().to_string();
    assert_eq!(res[2]["verdict"], "error");
    assert!(reason(2).contains("not a JSON object"));
    assert!(reason(3).contains("response"), "{}", reason(3));
    assert!(reason(4).contains("unknown domain"), "{}", reason(4));
    assert_eq!(res[5]["verdict"], "error");
    assert!(reason(5).contains("no_such_puzzle"), "{}", reason(5));
    assert_eq!(
        (res[7]["sample"].clone(), res[8]["sample"].clone()),
        (json!(0), json!(1))
    );
    assert!(reason(9).contains("'response' must be a string"));
    if !math_pending(&res[0]) {
        let rewards: Vec<f64> = [0, 1, 6, 7, 8]
            .iter()
            .map(|i| res[*i]["reward"].as_f64().unwrap())
            .collect();
        assert_eq!(rewards, vec![1.0, 0.0, 1.0, 0.0, 1.0], "{res:?}");
        assert_eq!(res[0]["verdict"], "correct");
        assert_eq!(res[1]["verdict"], "incorrect");
    }

    // A bare array is a batch too; an empty batch is an empty answer.
    let r = post(
        s.addr,
        "/v1/rewards",
        &json!([{"id": 1, "response": "\\boxed{1}", "ground_truth": "1"}]),
    );
    assert_eq!(r.json()["results"].as_array().unwrap().len(), 1);
    let r = post(s.addr, "/v1/rewards", &json!({"items": []}));
    assert_eq!(r.json(), json!({"results": []}));
}

#[test]
fn domain_endpoints() {
    let s = default_server();
    let one = post(
        s.addr,
        "/v1/math/verify",
        &json!({"id": "a", "response": "\\boxed{\\frac12}", "ground_truth": "0.5"}),
    );
    assert_eq!(one.status, 200);
    let v = one.json();
    assert_eq!(
        v["id"], "a",
        "a single item is answered with its verdict: {v}"
    );
    let batch = post(
        s.addr,
        "/v1/math/verify",
        &json!({"items": [
            {"id": 1, "response": "\\boxed{2}", "ground_truth": "2"},
            {"id": 2, "domain": "code", "response": "print(1)", "ground_truth": {"tests": []}}
        ]}),
    )
    .json();
    let res = batch["results"].as_array().unwrap();
    assert_eq!(res.len(), 2);
    assert_eq!(res[1]["verdict"], "error");
    assert!(res[1]["reason"]
        .as_str()
        .unwrap()
        .contains("verifies math items"));

    let l = post(
        s.addr,
        "/v1/logic/verify",
        &json!({"id": "q", "task": "definitely_not_a_family", "response": "<answer>x</answer>"}),
    );
    assert_eq!(l.status, 200);
    assert_eq!(l.json()["verdict"], "error");
    assert!(l.json()["reason"]
        .as_str()
        .unwrap()
        .contains("definitely_not_a_family"));
    let l = post(
        s.addr,
        "/v1/logic/verify",
        &json!({"id": "no-task", "response": "x"}),
    )
    .json();
    assert_eq!(l["verdict"], "error");

    let c = post(
        s.addr,
        "/v1/code/run",
        &json!({"id": "c", "code": "print(int(input())*2)",
        "tests": [{"stdin": "2\n", "stdout": "4\n"}, {"stdin": "5\n", "stdout": "10\n"}]}),
    );
    assert_eq!(c.status, 200, "{}", c.text());
    let cv = c.json();
    assert_eq!(cv["id"], "c");
    assert!(
        cv["verdict"].is_string() && cv["reward"].is_number(),
        "{cv}"
    );
    if cv["reason"]
        .as_str()
        .is_some_and(|r| r.contains("not built yet"))
    {
        eprintln!("NOTE: the code verifier is not wired into the router yet; exact checks skipped");
    } else {
        assert_eq!(cv["verdict"], "correct", "{cv}");
        assert_eq!(cv["reward"], 1.0);
        assert!(cv.get("detail").is_some(), "per-test detail: {cv}");
    }
    let c = post(s.addr, "/v1/code/run", &json!({"tests": []}));
    assert_eq!(
        (c.status, c.error_code()),
        (400, "invalid_request".to_string())
    );
}

/// `stop_at_first_failure` over the socket, on `/v1/code/run` and as an item field on
/// `/v1/rewards`: the second of five tests fails, so tests 3-5 are `not_run`; reward 1/5.
#[test]
fn code_run_stop_at_first_failure() {
    let s = default_server();
    let tests = json!([
        {"stdin": "1\n", "stdout": "2\n"}, {"stdin": "2\n", "stdout": "5\n"},
        {"stdin": "3\n", "stdout": "6\n"}, {"stdin": "4\n", "stdout": "8\n"},
        {"stdin": "5\n", "stdout": "10\n"}]);
    let code = "print(int(input()) * 2)";
    let statuses = |v: &Value| -> Vec<String> {
        v["detail"]["tests"]
            .as_array()
            .unwrap_or_else(|| panic!("per-test detail: {v}"))
            .iter()
            .map(|t| t["status"].as_str().unwrap().to_string())
            .collect()
    };
    let c = post(
        s.addr,
        "/v1/code/run",
        &json!({"code": code, "tests": tests, "stop_at_first_failure": true}),
    );
    assert_eq!(c.status, 200, "{}", c.text());
    let v = c.json();
    assert_eq!(v["reward"], 0.2, "{v}");
    assert_eq!(
        statuses(&v),
        ["passed", "wrong_answer", "not_run", "not_run", "not_run"]
    );
    let c = post(
        s.addr,
        "/v1/code/run",
        &json!({"code": code, "tests": tests}),
    );
    let v = c.json();
    assert_eq!(v["reward"], 0.8, "{v}");
    assert!(!statuses(&v).contains(&"not_run".to_string()), "{v}");
    let r = post(
        s.addr,
        "/v1/rewards",
        &json!({"items": [{"id": 1, "domain": "code", "response": code,
            "ground_truth": {"tests": tests}, "stop_at_first_failure": true},
            {"id": 2, "domain": "code", "response": code,
            "ground_truth": {"tests": tests}, "stop_at_first_failure": "yes"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let res = r.json()["results"].clone();
    assert_eq!(res[0]["reward"], 0.2, "{res}");
    assert_eq!(res[1]["verdict"], "error", "{res}");
    let c = post(
        s.addr,
        "/v1/code/run",
        &json!({"code": code, "tests": tests, "stop_at_first_failure": 1}),
    );
    assert_eq!(c.json()["verdict"], "error", "{}", c.text());
}

#[test]
fn sandboxfusion_run_code() {
    let s = default_server();
    // Exactly what verl's sandbox_fusion utils send per test case.
    let req = json!({"compile_timeout": 10, "run_timeout": 10, "code": "print(int(input())**2)",
        "stdin": "5\n", "memory_limit_MB": 1024, "language": "python", "files": {}, "fetch_files": []});
    let r = post(s.addr, "/run_code", &req);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    for key in [
        "status",
        "message",
        "compile_result",
        "run_result",
        "executor_pod_name",
        "files",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    let rr = &v["run_result"];
    for key in [
        "status",
        "execution_time",
        "return_code",
        "stdout",
        "stderr",
    ] {
        assert!(rr.get(key).is_some(), "missing run_result.{key}: {v}");
    }
    {
        assert_eq!(v["status"], "Success", "{v}");
        assert_eq!(rr["status"], "Finished");
        assert_eq!(rr["return_code"], 0);
        assert_eq!(rr["stdout"], "25\n");
        let bad = post(
            s.addr,
            "/run_code",
            &json!({"code": "import sys; sys.exit(3)", "language": "python"}),
        )
        .json();
        assert_eq!(
            (
                bad["status"].clone(),
                bad["run_result"]["return_code"].clone()
            ),
            (json!("Failed"), json!(3))
        );
        let slow = post(
            s.addr,
            "/run_code",
            &json!({"code": "while True: pass", "language": "python", "run_timeout": 1}),
        )
        .json();
        assert_eq!(slow["run_result"]["status"], "TimeLimitExceeded", "{slow}");
        assert_eq!(slow["status"], "Failed");
    }
    let r = post(
        s.addr,
        "/run_code",
        &json!({"code": "int main(){}", "language": "cpp"}),
    );
    assert_eq!(
        (r.status, r.error_code()),
        (400, "unsupported_language".to_string())
    );
    let r = post(
        s.addr,
        "/run_code",
        &json!({"code": "print(1)", "language": "python", "files": {"a.txt": "eA=="}}),
    );
    assert_eq!(
        (r.status, r.error_code()),
        (400, "unsupported_field".to_string())
    );
    let r = post(s.addr, "/run_code", &json!({"language": "python"}));
    assert_eq!(
        (r.status, r.error_code()),
        (400, "invalid_request".to_string())
    );
}

#[test]
fn openrlhf_get_reward() {
    let s = default_server();
    let prompt = "<|im_start|>user\nWhat is 6*7?<|im_end|>\n<|im_start|>assistant\n";
    let req = json!({
        "query": [format!("{prompt}It is \\boxed{{42}}<|im_end|>"), format!("{prompt}\\boxed{{41}}<|im_end|>"),
                  "<answer>1</answer>".to_string(), "x".to_string()],
        "prompts": [prompt, prompt, "", ""],
        "labels": ["42", "42",
                   "{\"domain\": \"logic\", \"task\": \"no_such_puzzle\", \"metadata\": {}}",
                   {"domain": "math", "ground_truth": "1"}]
    });
    let r = post(s.addr, "/get_reward", &req);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    let rewards = v["rewards"].as_array().unwrap();
    assert_eq!(rewards.len(), 4);
    assert_eq!(v["scores"], v["rewards"]);
    assert_eq!(v["extra_logs"]["error"].as_array().unwrap().len(), 4);
    // The logic label routed to the logic router, which knows no such family: an error.
    assert_eq!(v["extra_logs"]["error"][2], 1.0);
    let check = post(
        s.addr,
        "/v1/math/verify",
        &json!({"response": "\\boxed{42}", "ground_truth": "42"}),
    )
    .json();
    if !math_pending(&check) {
        assert_eq!(v["rewards"], json!([1.0, 0.0, 0.0, 0.0]), "{v}");
        assert_eq!(v["extra_logs"]["correct"], json!([1.0, 0.0, 0.0, 0.0]));
    }
    // Per-request domain; labels absent -> per-item errors, not a failed request.
    let r = post(
        s.addr,
        "/get_reward",
        &json!({"query": ["a", "b"], "domain": "math"}),
    );
    assert_eq!(r.json()["extra_logs"]["error"], json!([1.0, 1.0]));
    let r = post(
        s.addr,
        "/get_reward",
        &json!({"query": ["a", "b"], "labels": ["1"]}),
    );
    assert_eq!(
        (r.status, r.error_code()),
        (400, "length_mismatch".to_string())
    );
    let r = post(s.addr, "/get_reward", &json!({"query": "a"}));
    assert_eq!(r.status, 400);
}

/// OpenRLHF decodes with `skip_special_tokens=False`: the end-of-turn token after an answer
/// must not cost the reward, on `/get_reward` and on `/v1/rewards` alike, in every domain.
#[test]
fn trailing_special_tokens_are_not_part_of_the_answer() {
    let s = default_server();
    let prompt = "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n";
    let answers = [
        ("The answer is 42.<|im_end|>", "42", 1.0),
        ("#### 72<|im_end|>", "72", 1.0),
        ("The answer is 42.<|endoftext|>", "42", 1.0),
        ("The answer is 42.</s>", "42", 1.0),
        ("The answer is 42.<|eot_id|>", "42", 1.0),
        ("The answer is 42.<｜end▁of▁sentence｜>", "42", 1.0),
        ("The answer is 41.<|im_end|>", "42", 0.0),
    ];
    let req = json!({
        "query": answers.iter().map(|(a, _, _)| format!("{prompt}{a}")).collect::<Vec<_>>(),
        "prompts": answers.iter().map(|_| prompt).collect::<Vec<_>>(),
        "labels": answers.iter().map(|(_, g, _)| g).collect::<Vec<_>>(),
    });
    let v = post(s.addr, "/get_reward", &req).json();
    let want: Vec<f64> = answers.iter().map(|(_, _, r)| *r).collect();
    assert_eq!(v["rewards"], json!(want), "{v}");
    let code = "```python\nprint(int(input()) * 2)\n```<|im_end|>";
    let items = json!({"items": [
        {"id": 1, "response": code, "domain": "code",
         "ground_truth": {"inputs": ["2\n"], "outputs": ["4\n"]}},
        {"id": 2, "response": "The answer is 42.<|im_end|>", "ground_truth": "42"},
    ]});
    let v = post(s.addr, "/v1/rewards", &items).json();
    assert_eq!(v["results"][0]["reward"], 1.0, "{v}");
    assert_eq!(v["results"][1]["reward"], 1.0, "{v}");
}

#[test]
fn metrics_and_routing_errors() {
    let s = default_server();
    post(
        s.addr,
        "/v1/rewards",
        &json!({"items": [{"response": "\\boxed{1}", "ground_truth": "1"}, 3]}),
    );
    request(s.addr, "POST", "/v1/rewards", b"{not json");
    let nf = get(s.addr, "/nope");
    assert_eq!((nf.status, nf.error_code()), (404, "not_found".to_string()));
    let ma = get(s.addr, "/v1/rewards");
    assert_eq!(
        (ma.status, ma.error_code()),
        (405, "method_not_allowed".to_string())
    );

    let m = get(s.addr, "/metrics");
    assert_eq!(m.status, 200);
    let t = m.text();
    for needle in [
        "rlvr_http_requests_total{route=\"/v1/rewards\",status=\"200\"} 1",
        "rlvr_http_requests_total{route=\"/v1/rewards\",status=\"400\"} 1",
        "rlvr_http_requests_total{route=\"other\",status=\"404\"} 1",
        "rlvr_items_total{domain=\"unknown\",verdict=\"error\"} 1",
        "rlvr_rejections_total{code=\"invalid_json\"} 1",
        "rlvr_http_request_duration_seconds_bucket{route=\"/v1/rewards\",le=\"+Inf\"} 3",
        "rlvr_sandbox_runs_in_flight 0",
        "rlvr_pending_items{pool=\"score\"} 0",
    ] {
        assert!(t.contains(needle), "missing `{needle}` in\n{t}");
    }
    let math: u64 = t
        .lines()
        .filter(|l| l.starts_with("rlvr_items_total{domain=\"math\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(math, 1);
}

/// STEM items: units compared (not stripped), multiple choice by letter or option text; an
/// `options` list routes an item with no domain to STEM.
#[test]
fn stem_items_score_units_and_choices() {
    let s = default_server();
    let items = json!({"items": [
        {"id": 1, "domain": "stem", "response": "so $\\boxed{5\\text{ cm}}$", "ground_truth": "50 mm"},
        {"id": 2, "domain": "stem", "response": "so $\\boxed{5\\text{ m}}$", "ground_truth": "5 cm"},
        {"id": 3, "response": "Answer: B", "ground_truth": "15 m", "options": ["12 m", "15 m"]},
        {"id": 4, "response": "Answer: A or B", "ground_truth": "B", "options": ["12 m", "15 m"]},
    ]});
    let v = post(s.addr, "/v1/rewards", &items).json();
    let rewards: Vec<f64> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reward"].as_f64().unwrap())
        .collect();
    assert_eq!(rewards, [1.0, 0.0, 1.0, 0.0], "{v}");
}
