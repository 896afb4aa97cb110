//! Trainer tests on a tiny model: resume is bit-exact, a reference reset zeroes the KL and the
//! optimizer, dynamic sampling accounts for every group, and the config round-trips.

use super::{Device, TrainArgs, TrainConfig, Trainer};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rlvr-train-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Rows whose answer is any single digit: a random character model hits it often enough that
/// groups have mixed rewards and the update is not a no-op.
fn digits_dataset(dir: &std::path::Path) -> PathBuf {
    let p = dir.join("digits.jsonl");
    let gold: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    let rows: String = (0..6)
        .map(|i| {
            serde_json::json!({"id": i, "prompt": format!("{i}+0="), "domain": "math", "ground_truth": gold, "lenient": true})
                .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&p, rows).unwrap();
    p
}

fn tiny(dir: &std::path::Path) -> TrainConfig {
    let mut c = TrainConfig {
        seed: 3,
        steps: 4,
        ..TrainConfig::default()
    };
    c.model.tiny.hidden = 32;
    c.model.tiny.layers = 1;
    c.model.tiny.heads = 2;
    c.model.tiny.kv_heads = 1;
    c.model.tiny.ffn = 64;
    c.data.path = Some(digits_dataset(dir));
    c.warmup.steps = 0;
    c.rollout.prompts_per_step = 2;
    c.rollout.samples_per_prompt = 6;
    c.rollout.max_new_tokens = 4;
    c.rollout.chunk_prompts = 1;
    c.update.mini_batches = 2;
    c.update.lr = 1e-2;
    c.grpo.kl.coef = 0.1;
    c
}

fn weights(t: &Trainer) -> Vec<Vec<f32>> {
    t.policy
        .model
        .params()
        .iter()
        .map(|p| p.data.clone())
        .collect()
}

fn moments(t: &Trainer) -> Vec<Vec<f32>> {
    let (m, v) = t.opt.moments();
    m.iter().chain(v).cloned().collect()
}

/// Metrics without the wall-clock fields.
fn deterministic(m: &super::StepMetrics) -> serde_json::Value {
    let mut v = serde_json::to_value(m).unwrap();
    let o = v.as_object_mut().unwrap();
    o.retain(|k, _| !k.starts_with("time_") && k != "tokens_per_s");
    v
}

/// [memory] bounds what one forward holds without changing the run. Recompute: the same
/// metrics and weights bit for bit over 4 steps. Micro-batches of at most 12 tokens (one or two
/// sequences of a mini-batch): the same first step to float rounding (the gradient is the same
/// sum in another order), so the same loss and gradient norm; the weights agree except where
/// a gradient is ~0 and AdamW's first step (lr x sign of the gradient) may turn either way.
#[test]
fn micro_batches_and_recompute_leave_the_run_as_it_was() {
    let dir = tmp("memory");
    let run = |micro: usize, recompute: bool, steps: usize| {
        let mut cfg = tiny(&dir);
        cfg.memory.micro_batch_tokens = micro;
        cfg.memory.recompute = recompute;
        let mut t = Trainer::new(cfg).unwrap();
        assert_eq!(t.policy.model.recompute(), recompute);
        let m: Vec<_> = (0..steps).map(|_| t.step().unwrap()).collect();
        (m, weights(&t))
    };
    let (m0, w0) = run(0, false, 4);
    let (m1, w1) = run(0, true, 4);
    let det = |m: &[super::StepMetrics]| m.iter().map(deterministic).collect::<Vec<_>>();
    assert_eq!(det(&m0), det(&m1));
    assert_eq!(w0, w1, "recompute changed the weights");

    let (a, wa) = run(0, false, 1);
    let (b, wb) = run(12, false, 1);
    let (a, b) = (&a[0], &b[0]);
    assert!(a.optimizer_steps >= 2 && a.groups_kept > 0, "{a:?}");
    assert_eq!(
        (a.groups_kept, a.train_tokens, a.optimizer_steps),
        (b.groups_kept, b.train_tokens, b.optimizer_steps)
    );
    let rel = |x: f64, y: f64| (x - y).abs() / x.abs().max(1e-12);
    assert!(rel(a.loss, b.loss) < 1e-9, "loss {} vs {}", a.loss, b.loss);
    assert!(
        rel(a.grad_norm, b.grad_norm) < 1e-5,
        "grad norm {} vs {}",
        a.grad_norm,
        b.grad_norm
    );
    let (n, off) = wa
        .iter()
        .flatten()
        .zip(wb.iter().flatten())
        .fold((0, 0), |(n, off), (x, y)| {
            (n + 1, off + usize::from((x - y).abs() > 1e-5))
        });
    assert!(
        off * 100 < n,
        "{off} of {n} weights differ by more than 1e-5"
    );
}

#[test]
fn token_chunks_split_by_tokens_and_keep_order() {
    let lens = [5usize, 3, 9, 1, 1, 20, 2];
    let runs = super::update::token_chunks(&lens, 10, |&n| n);
    assert_eq!(runs, vec![&[5, 3][..], &[9, 1], &[1], &[20], &[2]]);
    assert_eq!(
        super::update::token_chunks(&lens, 0, |&n| n),
        vec![&lens[..]]
    );
    let none: [usize; 0] = [];
    assert_eq!(super::update::token_chunks(&none, 4, |&n| n).len(), 1);
}

#[test]
fn resume_continues_bit_for_bit() {
    let dir = tmp("resume");
    let cfg = tiny(&dir);
    let mut a = Trainer::new(cfg.clone()).unwrap();
    a.warmup(&mut |_, _| {}).unwrap();
    let w0 = weights(&a);
    let ma: Vec<_> = (0..4).map(|_| a.step().unwrap()).collect();
    assert_ne!(weights(&a), w0, "the run must actually update the weights");
    for m in &ma {
        assert!(
            m.groups_kept + m.groups_dropped == m.groups_generated,
            "{m:?}"
        );
        assert!(m.groups_kept <= cfg.rollout.prompts_per_step);
    }

    let mut b = Trainer::new(cfg.clone()).unwrap();
    b.warmup(&mut |_, _| {}).unwrap();
    let mb1: Vec<_> = (0..2).map(|_| b.step().unwrap()).collect();
    let ckpt = b.save(&dir.join("out")).unwrap();
    drop(b);
    let mut c = Trainer::resume(&ckpt, cfg.clone()).unwrap();
    let mb2: Vec<_> = (0..2).map(|_| c.step().unwrap()).collect();

    for (x, y) in ma.iter().zip(mb1.iter().chain(&mb2)) {
        assert_eq!(deterministic(x), deterministic(y), "step {}", x.step);
    }
    assert_eq!(weights(&a), weights(&c));
    assert_eq!(moments(&a), moments(&c));
    assert_eq!(a.opt.step_count(), c.opt.step_count());
    assert_eq!(a.state, c.state);
    let (ra, rc) = (a.reference.as_ref().unwrap(), c.reference.as_ref().unwrap());
    for (p, q) in ra.params().iter().zip(rc.params()) {
        assert_eq!(p.data, q.data, "{}", p.name);
    }

    // Another recipe cannot resume this checkpoint.
    let mut other = cfg.clone();
    other.grpo.clip.eps_high = 0.28;
    let err = Trainer::resume(&ckpt, other).err().unwrap().to_string();
    assert!(err.contains("another configuration"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reference_reset_zeroes_kl_and_optimizer() {
    let dir = tmp("reset");
    let mut cfg = tiny(&dir);
    cfg.update.mini_batches = 1;
    cfg.reference.every_steps = 1;
    let mut t = Trainer::new(cfg).unwrap();
    t.warmup(&mut |_, _| {}).unwrap();
    let w0 = weights(&t);
    for step in 1..=3 {
        let m = t.step().unwrap();
        // The reference equals the policy that sampled this step's responses: KL exactly 0.
        assert_eq!(m.kl, 0.0, "step {step}");
        assert_eq!(
            m.reference_reset,
            Some(rlvr_train::grpo::ResetReason::Schedule)
        );
        assert_eq!(t.opt.step_count(), 0);
        assert!(
            moments(&t).iter().flatten().all(|&x| x == 0.0),
            "step {step}"
        );
        assert_eq!(t.state.steps_since_reset, 0);
        let r = t.reference.as_ref().unwrap();
        for (p, q) in r.params().iter().zip(t.policy.model.params()) {
            assert_eq!(p.data, q.data);
        }
    }
    assert_ne!(weights(&t), w0, "the steps must update the weights");
    assert_eq!(t.state.resets, 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kl_threshold_triggers_a_reset() {
    let dir = tmp("klreset");
    let mut cfg = tiny(&dir);
    cfg.reference.kl_threshold = Some(-1.0);
    let mut t = Trainer::new(cfg).unwrap();
    let m = t.step().unwrap();
    assert_eq!(
        m.reference_reset,
        Some(rlvr_train::grpo::ResetReason::KlThreshold)
    );
    assert_eq!(t.opt.step_count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_round_trips_and_rejects_typos() {
    let c = TrainConfig::default();
    assert_eq!(TrainConfig::from_toml(&c.to_toml()).unwrap(), c);
    let e = TrainConfig::from_toml("[rollout]\ntemprature = 1.0\n").unwrap_err();
    assert!(format!("{e:#}").contains("temprature"), "{e:#}");
    let c2 = TrainConfig::from_toml("steps = 7\n[grpo.clip]\neps_high = 0.28\n").unwrap();
    assert_eq!(
        (c2.steps, c2.grpo.clip.eps_high, c2.grpo.clip.eps_low),
        (7, 0.28, 0.2)
    );
    // Temperature 0 is greedy, as everywhere; below 0 is an error.
    assert!(TrainConfig::from_toml("[rollout]\ntemperature = 0.0\n").is_ok());
    assert!(TrainConfig::from_toml("[rollout]\ntemperature = -1.0\n").is_err());
    // steps does not change the hash (a run may be extended); the recipe does.
    let mut longer = c.clone();
    longer.steps = 999;
    assert_eq!(c.hash(), longer.hash());
    assert_ne!(c.hash(), c2.hash());
}

/// [memory] changes what is held, not what is computed: it leaves the config hash alone, and
/// the hash of each recipe is the one it had before the section existed (values from the
/// release binary before it), so checkpoints written then still resume.
#[test]
fn memory_settings_leave_the_config_hash_alone() {
    use super::config::Recipe;
    for (recipe, before) in [
        (Recipe::Demo, "da9f292be61abff2"),
        (Recipe::Prorl, "7baad7ef454bd55b"),
    ] {
        let c = TrainConfig::recipe(recipe);
        assert_eq!(c.hash(), before, "{recipe:?}");
        let mut m = c.clone();
        m.memory.recompute = true;
        m.memory.micro_batch_tokens = 4096;
        assert_eq!(m.hash(), before, "{recipe:?}");
        let toml = m.to_toml();
        assert!(toml.contains("[memory]\nmicro_batch_tokens = 4096\nrecompute = true\n"));
        assert_eq!(TrainConfig::from_toml(&toml).unwrap().memory, m.memory);
    }
}

#[test]
fn device_flag_parses() {
    use std::str::FromStr;
    assert_eq!(Device::from_str("cpu"), Ok(Device::Cpu));
    assert_eq!(Device::from_str("cuda"), Ok(Device::Cuda(0)));
    assert_eq!(Device::from_str("cuda:0"), Ok(Device::Cuda(0)));
    assert_eq!(Device::from_str("CUDA:3"), Ok(Device::Cuda(3)));
    for bad in ["", "gpu", "cuda:", "cuda:x", "cuda:-1", "cuda:1:2", "cpu:0"] {
        let e = Device::from_str(bad).unwrap_err();
        assert!(e.contains("expected cpu, cuda or cuda:N"), "{bad:?}: {e}");
    }
    assert_eq!(Device::Cuda(2).to_string(), "cuda:2");
    assert_eq!(Device::default(), Device::Cpu);
}

/// `--precision bf16` is a CUDA setting: on the CPU it stops before anything is read.
#[test]
fn bf16_on_the_cpu_is_refused() {
    let dir = tmp("bf16-cpu");
    let out = dir.join("run");
    let args = TrainArgs {
        config: None,
        out: out.clone(),
        device: Device::Cpu,
        precision: Some(rlvr_train::backend::cuda::Precision::Bf16),
        model: None,
        data: None,
        reward_url: None,
        steps: Some(1),
        seed: None,
        recipe: None,
        save_dtype: None,
        resume: None,
        print_config: false,
        quiet: true,
        verbose: false,
    };
    let e = super::run(args).unwrap_err().to_string();
    assert_eq!(
        e,
        "--precision bf16 needs --device cuda (the CPU reference computes in f32)"
    );
    assert!(!out.exists(), "the output directory was created");
}

/// `--device cuda` opens the device before anything else: on a machine without CUDA it fails
/// at once with the probe's error (no output directory, no model), and never panics. With a
/// GPU present it is a real run, which this test leaves to scripts/gpu-check.sh.
#[test]
fn cuda_without_a_gpu_fails_at_once_with_the_probes_error() {
    let Err(probe) = rlvr_train::backend::cuda::probe() else {
        eprintln!("cuda: skipped: CUDA libraries present");
        return;
    };
    let probe = probe.to_string();
    let dir = tmp("cuda");
    let out = dir.join("run");
    for device in [Device::Cuda(0), Device::Cuda(1)] {
        let args = TrainArgs {
            config: None,
            out: out.clone(),
            device,
            precision: None,
            model: Some(dir.join("no-such-model")),
            data: Some(dir.join("no-such-data.jsonl")),
            reward_url: None,
            steps: None,
            seed: None,
            recipe: None,
            save_dtype: None,
            resume: None,
            print_config: false,
            quiet: true,
            verbose: false,
        };
        let e = std::panic::catch_unwind(|| super::run(args))
            .expect("must not panic")
            .unwrap_err()
            .to_string();
        assert_eq!(e, format!("--device {device}: {probe}"));
        assert!(!out.exists(), "the output directory was created");
    }
    let args = super::GenerateTextArgs {
        model: dir.join("no-such-model"),
        prompts: dir.join("no-such-prompts.jsonl"),
        max_new_tokens: 1,
        temperature: 0.0,
        top_k: 0,
        top_p: 1.0,
        n: 1,
        seed: 0,
        batch: 1,
        logprobs: false,
        score: false,
        raw: false,
        out: Some(out.clone()),
        device: Device::Cuda(0),
        precision: None,
        quiet: true,
    };
    let e = std::panic::catch_unwind(|| super::run_generate_text(args))
        .expect("must not panic")
        .unwrap_err()
        .to_string();
    assert_eq!(e, format!("--device cuda:0: {probe}"));
    assert!(!out.exists(), "the output file was created");
}

/// One verl row: data_source, prompt messages (role, content), ability, ground truth.
type VerlRow<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);

/// Writes a Parquet file in verl's layout with the parquet crate's own writer: `data_source`,
/// `prompt` (a LIST of {role, content} structs), `ability`, `reward_model {ground_truth,
/// style}`, `extra_info {index}`.
fn write_verl_parquet(path: &std::path::Path, rows: &[VerlRow]) {
    use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    let schema = "message verl {
        REQUIRED BYTE_ARRAY data_source (UTF8);
        REQUIRED group prompt (LIST) {
            REPEATED group list {
                REQUIRED group element {
                    REQUIRED BYTE_ARRAY role (UTF8);
                    REQUIRED BYTE_ARRAY content (UTF8);
                }
            }
        }
        REQUIRED BYTE_ARRAY ability (UTF8);
        REQUIRED group reward_model {
            REQUIRED BYTE_ARRAY ground_truth (UTF8);
            REQUIRED BYTE_ARRAY style (UTF8);
        }
        REQUIRED group extra_info {
            REQUIRED INT64 index;
        }
    }";
    let schema = Arc::new(parquet::schema::parser::parse_message_type(schema).unwrap());
    let props = Arc::new(WriterProperties::builder().build());
    let file = std::fs::File::create(path).unwrap();
    let mut w = SerializedFileWriter::new(file, schema, props).unwrap();
    let mut rg = w.next_row_group().unwrap();
    // Levels of the message columns: one entry per message, repetition 0 at a row's first;
    // an empty list is one entry with definition level 0 and no value.
    let (mut reps, mut defs) = (Vec::<i16>::new(), Vec::<i16>::new());
    for r in rows {
        if r.1.is_empty() {
            reps.push(0);
            defs.push(0);
        }
        for i in 0..r.1.len() {
            reps.push((i > 0) as i16);
            defs.push(1);
        }
    }
    let bytes = |xs: Vec<&str>| -> Vec<ByteArray> { xs.into_iter().map(ByteArray::from).collect() };
    let mut col_no = 0;
    while let Some(mut col) = rg.next_column().unwrap() {
        let (values, levels) = match col_no {
            0 => (bytes(rows.iter().map(|r| r.0).collect()), false),
            1 => (
                bytes(rows.iter().flat_map(|r| r.1.iter().map(|m| m.0)).collect()),
                true,
            ),
            2 => (
                bytes(rows.iter().flat_map(|r| r.1.iter().map(|m| m.1)).collect()),
                true,
            ),
            3 => (bytes(rows.iter().map(|r| r.2).collect()), false),
            4 => (bytes(rows.iter().map(|r| r.3).collect()), false),
            5 => (bytes(rows.iter().map(|_| "rule").collect()), false),
            _ => {
                let v: Vec<i64> = (0..rows.len() as i64).collect();
                col.typed::<Int64Type>()
                    .write_batch(&v, None, None)
                    .unwrap();
                col.close().unwrap();
                col_no += 1;
                continue;
            }
        };
        let (d, r) = if levels {
            (Some(defs.as_slice()), Some(reps.as_slice()))
        } else {
            (None, None)
        };
        col.typed::<ByteArrayType>()
            .write_batch(&values, d, r)
            .unwrap();
        col.close().unwrap();
        col_no += 1;
    }
    rg.close().unwrap();
    w.close().unwrap();
}

#[test]
fn parquet_dataset_loads_and_trains() {
    let dir = tmp("parquet");
    let p = dir.join("verl.parquet");
    let sys = ("system", "Answer with one digit.");
    write_verl_parquet(
        &p,
        &[
            ("openai/gsm8k", vec![sys, ("user", "1+0=")], "math", "1"),
            ("openai/gsm8k", vec![("user", "2+0=")], "math", "2"),
            ("lighteval/MATH", vec![sys, ("user", "3+0=")], "math", "3"),
        ],
    );
    let rows = super::data::load(&p).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].prompt, "1+0=");
    assert_eq!(rows[0].messages.len(), 2);
    assert_eq!(rows[0].messages[0].role, "system");
    assert_eq!(rows[0].messages[0].content, "Answer with one digit.");
    assert_eq!(rows[1].messages.len(), 1);
    assert_eq!(rows[2].item.ground_truth, Some(serde_json::json!("3")));
    assert_eq!(rows[2].item.data_source.as_deref(), Some("lighteval/MATH"));
    assert_eq!(rows[2].item.domain.as_str(), "math");

    // With the chat template, the whole message list (system turn included) is the prompt.
    let mut cfg = tiny(&dir);
    let mut policy = super::policy::Policy::build(&cfg).unwrap();
    policy.chat = true;
    let ids = policy.encode_prompt(&rows[0]).unwrap();
    assert_eq!(
        policy.tokenizer.decode(&ids, false).unwrap(),
        rlvr_train::tokenizer::chatml(&rows[0].messages, true)
    );
    policy.chat = false;
    let ids = policy.encode_prompt(&rows[0]).unwrap();
    assert_eq!(policy.tokenizer.decode(&ids, false).unwrap(), "1+0=");

    // The trainer takes a .parquet path as it takes a .jsonl one.
    cfg.data.path = Some(p.clone());
    cfg.data.chat_template = false;
    let mut t = Trainer::new(cfg).unwrap();
    let m = t.step().unwrap();
    assert_eq!(m.groups_generated, m.groups_kept + m.groups_dropped);
    assert!(m.groups_generated >= 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verl_parquet_fixture_loads() {
    // Written by pandas + pyarrow (fixtures/grade/make_parquet.py), the grader's own fixture.
    let p =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/grade/verl_sample.parquet");
    let rows = super::data::load(&p).unwrap();
    let prompts: Vec<&str> = rows.iter().map(|r| r.prompt.as_str()).collect();
    assert_eq!(
        prompts,
        ["Question 0?", "Question 1?", "Question 2?", "Question 3?"]
    );
    let golds: Vec<_> = rows
        .iter()
        .map(|r| r.item.ground_truth.clone().unwrap())
        .collect();
    assert_eq!(
        golds,
        [
            serde_json::json!("42"),
            serde_json::json!("7"),
            serde_json::json!("12"),
            serde_json::json!("100")
        ]
    );
    assert!(rows
        .iter()
        .all(|r| r.messages.len() == 1 && r.messages[0].role == "user"));
    // The dump's `responses` column is not carried into the item: the policy answers.
    assert!(rows.iter().all(|r| r.item.responses == [String::new()]));
}

#[test]
fn bad_parquet_is_a_clear_error() {
    let dir = tmp("badparquet");
    let p = dir.join("broken.parquet");
    std::fs::write(&p, b"PAR1 this is not a parquet file").unwrap();
    let e = format!("{:#}", super::data::load(&p).unwrap_err());
    assert!(
        e.contains("broken.parquet") && e.contains("not a readable Parquet file"),
        "{e}"
    );

    // A readable file with a row that has no prompt names the row.
    let p = dir.join("no-prompt.parquet");
    write_verl_parquet(
        &p,
        &[
            ("openai/gsm8k", vec![("user", "1+1=")], "math", "2"),
            ("openai/gsm8k", vec![], "math", "0"),
        ],
    );
    let e = format!("{:#}", super::data::load(&p).unwrap_err());
    assert!(e.contains("no-prompt.parquet: row 2"), "{e}");
    let e = format!(
        "{:#}",
        super::data::load(&dir.join("missing.parquet")).unwrap_err()
    );
    assert!(e.contains("missing.parquet"), "{e}");
    let mut cfg = tiny(&dir);
    cfg.data.path = Some(dir.join("broken.parquet"));
    let e = format!("{:#}", Trainer::new(cfg).err().unwrap());
    assert!(e.contains("broken.parquet"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The real reward server (`rlvr serve`'s router) on 127.0.0.1, on its own runtime.
struct TestServer {
    url: String,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn reward_server() -> TestServer {
    use crate::server::{app, AppState, Config};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let state = AppState::new(crate::reward::Engine::default(), Config::default()).unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app(state)).await });
    TestServer {
        url: format!("http://{addr}"),
        rt: Some(rt),
    }
}

fn remote_cfg(url: &str) -> super::config::RewardSection {
    super::config::RewardSection {
        server_url: Some(url.to_string()),
        server_timeout_s: Some(60.0),
        server_retries: Some(2),
        ..Default::default()
    }
}

/// Scores (slot, item, response) triples through `pool`, sorted by slot.
fn score_all(
    pool: &mut super::scoring::RewardPool,
    batch: &[(serde_json::Value, &str)],
) -> Vec<(usize, f64, crate::reward::Outcome)> {
    for (slot, (row, response)) in batch.iter().enumerate() {
        let item = crate::reward::Item::from_value(row).unwrap();
        pool.submit(slot, std::sync::Arc::new(item), response.to_string())
            .unwrap();
    }
    let mut out: Vec<_> = pool
        .wait_all()
        .unwrap()
        .into_iter()
        .map(|s| (s.slot, s.reward, s.outcome))
        .collect();
    out.sort_by_key(|x| x.0);
    out
}

#[test]
fn rewards_by_url_equal_in_process_rewards() {
    use serde_json::json;
    let server = reward_server();
    let math =
        |gt: serde_json::Value| json!({"domain": "math", "response": "", "ground_truth": gt});
    let countdown = json!({"domain": "logic", "task": "countdown", "response": "",
                           "metadata": {"numbers": [3, 4, 5], "target": 17}});
    let batch = vec![
        (math(json!("42")), "so \\boxed{42}"),
        (math(json!("42")), "\\boxed{41}"),
        (
            math(json!(["1/2", "0.5"])),
            "the answer is \\boxed{\\frac{1}{2}}",
        ),
        (math(json!("7")), "no idea"),
        (
            json!({"data_source": "openai/gsm8k", "response": "", "reward_model": {"ground_truth": "3"}}),
            "\\boxed{3}",
        ),
        (countdown.clone(), "<answer>3*4+5</answer>"),
        (countdown, "<answer>3+4+5</answer>"),
        (
            json!({"domain": "logic", "task": "no_such_family", "response": ""}),
            "<answer>1</answer>",
        ),
    ];
    let mut local = super::scoring::RewardPool::from_config(&Default::default()).unwrap();
    let mut remote = super::scoring::RewardPool::from_config(&remote_cfg(&server.url)).unwrap();
    assert!(matches!(remote, super::scoring::RewardPool::Remote(_)));
    let a = score_all(&mut local, &batch);
    let b = score_all(&mut remote, &batch);
    assert_eq!(a.len(), batch.len());
    assert_eq!(a, b);
    // The batch is mixed: right and wrong answers, and an error verdict.
    assert!(a.iter().any(|x| x.1 == 1.0) && a.iter().any(|x| x.1 == 0.0));
    assert!(a.iter().any(|x| x.2 == crate::reward::Outcome::Error));
    // The pool is reusable: a second round scores only what was submitted since.
    let c = score_all(&mut remote, &batch[..2]);
    assert_eq!(c, a[..2]);
    // A round too large for one request is split (by item count, then by bytes) and the
    // verdicts still line up with their responses.
    let requests = || rewards_requests(&server.url);
    for (items, bytes) in [(2, usize::MAX), (usize::MAX, 1)] {
        let client =
            crate::reward::remote::Client::new(&server.url, std::time::Duration::from_secs(60), 2)
                .unwrap();
        let mut split = super::scoring::RewardPool::Remote(
            super::scoring::RemotePool::with_limits(client, items, bytes),
        );
        let before = requests();
        assert_eq!(
            score_all(&mut split, &batch),
            a,
            "{items} items, {bytes} bytes"
        );
        let want = if items == 2 {
            batch.len().div_ceil(2)
        } else {
            batch.len()
        };
        assert_eq!(
            requests() - before,
            want as u64,
            "{items} items, {bytes} bytes"
        );
    }
}

/// `POST /v1/rewards` requests the server has answered, from its `/metrics`.
fn rewards_requests(url: &str) -> u64 {
    let client =
        crate::reward::remote::Client::new(url, std::time::Duration::from_secs(10), 0).unwrap();
    let r = client.request("GET", "/metrics", None).unwrap();
    String::from_utf8_lossy(&r.body)
        .lines()
        .filter(|l| l.starts_with("rlvr_http_requests_total{route=\"/v1/rewards\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[test]
fn training_with_rewards_by_url_matches_in_process_training() {
    let server = reward_server();
    let dir = tmp("byurl");
    let cfg = tiny(&dir);
    let mut by_url = cfg.clone();
    by_url.reward = remote_cfg(&server.url);
    // Where rewards come from is not part of the recipe: a checkpoint resumes either way.
    assert_eq!(cfg.hash(), by_url.hash());
    let mut a = Trainer::new(cfg).unwrap();
    let mut b = Trainer::new(by_url).unwrap();
    for _ in 0..2 {
        let (ma, mb) = (a.step().unwrap(), b.step().unwrap());
        assert_eq!(deterministic(&ma), deterministic(&mb));
    }
    assert_eq!(weights(&a), weights(&b));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreachable_reward_server_fails_fast() {
    // A port nobody listens on: bind one, then close it.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let e = match super::scoring::RewardPool::from_config(&remote_cfg(&url)) {
        Ok(_) => panic!("connected to a closed port"),
        Err(e) => format!("{e:#}"),
    };
    assert!(e.contains(&url) && e.contains("not reachable"), "{e}");
    assert!(e.contains("after 3 attempts"), "{e}");

    // The trainer refuses to start (before any warm-up) with the same message.
    let dir = tmp("unreachable");
    let mut cfg = tiny(&dir);
    cfg.reward = remote_cfg(&url);
    let e = format!("{:#}", Trainer::new(cfg).err().unwrap());
    assert!(e.contains(&url), "{e}");
    let _ = std::fs::remove_dir_all(&dir);

    // Only http:// URLs.
    let mut cfg = TrainConfig::default();
    cfg.reward.server_url = Some("https://example.invalid".into());
    let e = cfg.validate().unwrap_err().to_string();
    assert!(
        e.contains("reward.server_url") && e.contains("http://"),
        "{e}"
    );
}

/// Reads one HTTP request (head and Content-Length body) from a test connection.
fn read_request(s: &mut std::net::TcpStream) -> (String, Vec<u8>) {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    (head, body)
}

#[test]
fn reward_server_errors_are_retried() {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/prefix", listener.local_addr().unwrap());
    // Answers 500, then 429 with Retry-After, then the verdicts (chunked), then 400.
    let server = std::thread::spawn(move || {
        let mut heads = Vec::new();
        for attempt in 0..4 {
            let (mut s, _) = listener.accept().unwrap();
            let (head, body) = read_request(&mut s);
            heads.push(head);
            let reply = match attempt {
                0 => {
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}".to_string()
                }
                1 => {
                    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
                        .to_string()
                }
                2 => {
                    let req: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    let results: Vec<_> = req["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|it| {
                            let right = it["response"] == "\\boxed{2}";
                            serde_json::json!({"id": it["id"], "reward": if right {1.0} else {0.0},
                                "verdict": if right {"correct"} else {"incorrect"}, "reason": "",
                                "elapsed_us": 5})
                        })
                        .collect();
                    let text = serde_json::json!({ "results": results }).to_string();
                    let (x, y) = text.split_at(text.len() / 2);
                    format!(
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{x}\r\n{:x}\r\n{y}\r\n0\r\n\r\n",
                        x.len(),
                        y.len()
                    )
                }
                _ => {
                    let err = r#"{"error":{"code":"too_many_items","message":"at most 3 items"}}"#;
                    format!(
                        "HTTP/1.1 400 Bad Request\r\nContent-Length: {}\r\n\r\n{err}",
                        err.len()
                    )
                }
            };
            s.write_all(reply.as_bytes()).unwrap();
        }
        heads
    });
    let client =
        crate::reward::remote::Client::new(&url, std::time::Duration::from_secs(30), 3).unwrap();
    let mut pool = super::scoring::RewardPool::Remote(super::scoring::RemotePool::new(client));
    let row = serde_json::json!({"domain": "math", "response": "", "ground_truth": "2"});
    let got = score_all(
        &mut pool,
        &[(row.clone(), "\\boxed{2}"), (row.clone(), "\\boxed{3}")],
    );
    use crate::reward::Outcome;
    assert_eq!(
        got,
        vec![(0, 1.0, Outcome::Correct), (1, 0.0, Outcome::Incorrect)]
    );
    // A 4xx is not retried; its message is passed on with the URL.
    pool.submit(
        0,
        std::sync::Arc::new(crate::reward::Item::from_value(&row).unwrap()),
        "x".into(),
    )
    .unwrap();
    let e = format!("{:#}", pool.wait_all().unwrap_err());
    assert!(
        e.contains(&format!("{url}/v1/rewards"))
            && e.contains("HTTP 400")
            && e.contains("at most 3 items"),
        "{e}"
    );
    let heads = server.join().unwrap();
    assert_eq!(heads.len(), 4);
    assert!(
        heads
            .iter()
            .all(|h| h.starts_with("POST /prefix/v1/rewards HTTP/1.1\r\n")),
        "{heads:?}"
    );
}

#[test]
fn silent_reward_server_times_out_without_retrying() {
    // Accepts connections and reads the request, but never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while let Ok((mut s, _)) = listener.accept() {
            read_request(&mut s);
            held.push(s);
            if tx.send(()).is_err() {
                return;
            }
        }
    });
    let client =
        crate::reward::remote::Client::new(&url, std::time::Duration::from_millis(300), 3).unwrap();
    let mut pool = super::scoring::RewardPool::Remote(super::scoring::RemotePool::new(client));
    let row = serde_json::json!({"domain": "math", "response": "", "ground_truth": "2"});
    let item = std::sync::Arc::new(crate::reward::Item::from_value(&row).unwrap());
    pool.submit(0, item, "\\boxed{2}".into()).unwrap();
    let e = format!("{:#}", pool.wait_all().unwrap_err());
    assert!(
        e.contains(&format!("{url}/v1/rewards")) && e.contains("no complete answer within 0.3 s"),
        "{e}"
    );
    // One request reached the server: a timeout is not retried (the batch may still run).
    assert!(rx.recv().is_ok());
    assert!(rx.try_recv().is_err());
}

/// With a model, the defaults are ProRL's, not the 1M-parameter demo's (8 tokens at
/// temperature 1.5, learning rate 3e-4); a config file overrides a subset of the recipe.
#[test]
fn prorl_recipe_is_the_default_with_a_model_and_a_file_overrides_it() {
    use super::config::Recipe;
    let p = TrainConfig::recipe(Recipe::Prorl);
    assert_eq!(
        (
            p.rollout.samples_per_prompt,
            p.rollout.temperature,
            p.update.lr,
            p.warmup.steps
        ),
        (16, 1.2, 1e-6, 0)
    );
    assert!(p.rollout.max_new_tokens >= 1024);
    assert_eq!(TrainConfig::recipe(Recipe::Demo), TrainConfig::default());
    let c = TrainConfig::from_toml_over(&p, "[rollout]\nmax_new_tokens = 77\n").unwrap();
    assert_eq!(
        (
            c.rollout.max_new_tokens,
            c.rollout.samples_per_prompt,
            c.update.lr
        ),
        (77, 16, 1e-6)
    );
    let e = TrainConfig::from_toml_over(&p, "[rollout]\ntemprature = 1.0\n").unwrap_err();
    assert!(format!("{e:#}").contains("temprature"), "{e:#}");
}

/// A step that keeps no group trains nothing: its entropy and KL are logged as null (NaN),
/// not 0, and such a line reads back (a resume keeps it).
#[test]
fn a_step_without_kept_groups_logs_null_entropy_and_kl() {
    let dir = tmp("nokept");
    let mut cfg = tiny(&dir);
    // Every group is dropped: no 4-token response can match this gold, so all rewards are 0.
    let rows = dir.join("impossible.jsonl");
    std::fs::write(
        &rows,
        "{\"id\": 1, \"prompt\": \"1+0=\", \"domain\": \"math\", \"ground_truth\": \"123456789\"}\n",
    )
    .unwrap();
    cfg.data.path = Some(rows);
    cfg.rollout.samples_per_prompt = 2;
    let mut t = Trainer::new(cfg).unwrap();
    let m = t.step().unwrap();
    assert_eq!(m.groups_kept, 0);
    assert!(m.entropy.is_nan() && m.kl.is_nan());
    let line = serde_json::to_string(&m).unwrap();
    assert!(
        line.contains("\"entropy\":null") && line.contains("\"kl\":null"),
        "{line}"
    );
    let back: super::StepMetrics = serde_json::from_str(&line).unwrap();
    assert!(back.entropy.is_nan() && back.kl.is_nan());
}

/// The demo's settings on a real-sized model are flagged; ProRL's are not.
#[test]
fn likely_wrong_settings_are_warned_about() {
    use super::config::Recipe;
    let w = TrainConfig::recipe(Recipe::Demo).warnings(135_000_000);
    assert!(w.iter().any(|s| s.contains("update.lr")), "{w:?}");
    assert!(w.iter().any(|s| s.contains("max_new_tokens")), "{w:?}");
    assert!(TrainConfig::recipe(Recipe::Prorl)
        .warnings(135_000_000)
        .is_empty());
    assert!(TrainConfig::recipe(Recipe::Demo)
        .warnings(1_000_000)
        .is_empty());
}

/// `rlvr generate-text` on a saved demo model: one line per prompt (per sample with n > 1)
/// carrying the row's fields, tokens with their log-probs, the verdict with --score; greedy
/// output is the same twice, and a row without a gold needs no --score.
#[test]
fn generate_text_writes_rows_with_tokens_logprobs_and_verdicts() {
    use super::generate_text::{run, GenerateTextArgs};
    let dir = tmp("gentext");
    let t = Trainer::new(tiny(&dir)).unwrap();
    t.policy.model.save(&dir.join("model")).unwrap();
    let prompts = dir.join("p.jsonl");
    std::fs::write(
        &prompts,
        "{\"id\": 7, \"prompt\": \"2+0=\", \"domain\": \"math\", \"ground_truth\": \"2\"}\n\
         {\"id\": 8, \"prompt\": \"3+0=\", \"ground_truth\": \"3\"}\n",
    )
    .unwrap();
    let args = |out: &str, n: usize, temperature: f32, score: bool| GenerateTextArgs {
        model: dir.join("model"),
        prompts: prompts.clone(),
        max_new_tokens: 5,
        temperature,
        top_k: 0,
        top_p: 1.0,
        n,
        seed: 1,
        batch: 1,
        logprobs: true,
        score,
        raw: false,
        out: Some(dir.join(out)),
        device: Device::Cpu,
        precision: None,
        quiet: true,
    };
    let read = |name: &str| -> Vec<serde_json::Value> {
        std::fs::read_to_string(dir.join(name))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    run(args("a.jsonl", 1, 0.0, true)).unwrap();
    run(args("b.jsonl", 1, 0.0, true)).unwrap();
    let (a, b) = (read("a.jsonl"), read("b.jsonl"));
    assert_eq!(a, b, "greedy is deterministic");
    assert_eq!(a.len(), 2);
    for (row, id) in a.iter().zip([7, 8]) {
        assert_eq!(row["id"], id);
        let n = row["tokens"].as_array().unwrap().len();
        assert!((1..=5).contains(&n));
        assert_eq!(row["logprobs"].as_array().unwrap().len(), n);
        assert!(row["completion"].is_string());
        assert!(row["reward"].is_number() && row["verdict"]["verdict"].is_string());
    }
    run(args("c.jsonl", 3, 1.0, false)).unwrap();
    let c = read("c.jsonl");
    assert_eq!(c.len(), 6);
    assert!(c
        .iter()
        .all(|r| r.get("reward").is_none() && r["sample"].is_number()));
    std::fs::write(&prompts, "{\"prompt\": \"1+1=\"}\n").unwrap();
    run(args("d.jsonl", 1, 0.0, false)).unwrap();
    assert!(
        run(args("e.jsonl", 1, 0.0, true)).is_err(),
        "--score needs a gold"
    );
}

/// Several reward servers (`reward.server_url = "a,b"`): a round's requests go to both, and
/// when one replica is gone its requests are sent to the other; the verdicts are the
/// in-process ones, in order.
#[test]
fn rewards_spread_over_replicas_and_survive_a_dead_one() {
    let a = reward_server();
    let b = reward_server();
    let batch: Vec<(serde_json::Value, &str)> = (0..12)
        .map(|i| {
            (
                serde_json::json!({"domain": "math", "response": "", "ground_truth": (i % 3).to_string()}),
                if i % 2 == 0 { "\\boxed{0}" } else { "\\boxed{1}" },
            )
        })
        .collect();
    let mut local = super::scoring::RewardPool::from_config(&Default::default()).unwrap();
    let want = score_all(&mut local, &batch);
    let replicas = |urls: &[&str]| {
        let clients: Vec<_> = urls
            .iter()
            .map(|u| {
                crate::reward::remote::Client::new(u, std::time::Duration::from_secs(30), 1)
                    .unwrap()
            })
            .collect();
        let mut it = clients.into_iter();
        let first = it.next().unwrap();
        super::scoring::RewardPool::Remote(
            super::scoring::RemotePool::with_limits(first, 2, usize::MAX)
                .with_replicas(it.collect()),
        )
    };
    let (ra, rb) = (rewards_requests(&a.url), rewards_requests(&b.url));
    assert_eq!(score_all(&mut replicas(&[&a.url, &b.url]), &batch), want);
    assert!(rewards_requests(&a.url) > ra && rewards_requests(&b.url) > rb);
    // A replica that is gone (nothing listens there): its requests go to the other one.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    assert_eq!(score_all(&mut replicas(&[&dead, &b.url]), &batch), want);
    // The config form: both must answer at the start.
    let urls = format!("{},{}", a.url, b.url);
    assert!(super::scoring::RewardPool::from_config(&remote_cfg(&urls)).is_ok());
    let with_dead = format!("{},{}", a.url, dead);
    let e = super::scoring::RewardPool::from_config(&remote_cfg(&with_dead))
        .err()
        .unwrap();
    assert!(format!("{e:#}").contains("not reachable"), "{e:#}");
}
