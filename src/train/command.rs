//! The `rlvr train` command: resolve the configuration, run warm-up and RL steps with logging
//! and checkpoints, and finish with the plot and a summary on stderr.

use super::config::Recipe;
use super::device::OnBackend;
use super::metrics::{JsonlWriter, Progress, StepMetrics};
use super::{checkpoint, plot, TrainArgs, TrainConfig, Trainer};
use anyhow::Context;
use rlvr_train::backend::Backend;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// The recipe in force: `--recipe`, else `prorl` when a model is given (on the command line
/// or in the config file), else `demo`.
fn recipe_of(args: &TrainArgs, file: Option<&str>) -> Recipe {
    let file_has_model = file
        .and_then(|t| toml::from_str::<toml::Value>(t).ok())
        .is_some_and(|v| v.get("model").and_then(|m| m.get("path")).is_some());
    match args.recipe {
        Some(r) => r,
        None if args.model.is_some() || file_has_model => Recipe::Prorl,
        None => Recipe::Demo,
    }
}

fn resolve_config(args: &TrainArgs) -> anyhow::Result<(TrainConfig, Option<Recipe>)> {
    let (mut cfg, recipe) = match (&args.config, &args.resume) {
        (Some(p), _) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let recipe = recipe_of(args, Some(&text));
            let cfg = TrainConfig::from_toml_over(&TrainConfig::recipe(recipe), &text)
                .with_context(|| format!("in {}", p.display()))?;
            (cfg, Some(recipe))
        }
        (None, Some(r)) => {
            let dir = checkpoint::resolve(r)?;
            let text = std::fs::read_to_string(dir.join("config.toml"))?;
            let cfg = TrainConfig::from_toml(&text)
                .with_context(|| format!("in {}/config.toml", dir.display()))?;
            (cfg, None)
        }
        (None, None) => {
            let recipe = recipe_of(args, None);
            (TrainConfig::recipe(recipe), Some(recipe))
        }
    };
    if let Some(m) = &args.model {
        cfg.model.path = Some(m.clone());
    }
    if let Some(d) = &args.data {
        cfg.data.path = Some(d.clone());
        // The warm-up needs reference answers, which only the built-in task has.
        cfg.warmup.steps = 0;
    }
    if let Some(u) = &args.reward_url {
        cfg.reward.server_url = Some(u.clone());
    }
    if let Some(s) = args.steps {
        cfg.steps = s;
    }
    if let Some(s) = args.seed {
        cfg.seed = s;
    }
    if let Some(d) = args.save_dtype {
        cfg.log.save_dtype = d;
    }
    cfg.validate()?;
    Ok((cfg, recipe))
}

/// Keeps the metrics lines of steps up to `step` (a resumed run rewrites what followed).
fn truncate_metrics(path: &Path, step: u64) -> anyhow::Result<Vec<StepMetrics>> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(Vec::new());
    };
    let kept: Vec<StepMetrics> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<StepMetrics>(l).ok())
        .filter(|m| m.step <= step)
        .collect();
    let mut body = String::new();
    for m in &kept {
        body.push_str(&serde_json::to_string(m)?);
        body.push('\n');
    }
    std::fs::write(path, body)?;
    Ok(kept)
}

pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let (cfg, recipe) = resolve_config(&args)?;
    if args.print_config {
        match recipe {
            Some(r) => println!(
                "# recipe: {} (--recipe; any key below overrides it)",
                r.name()
            ),
            None => println!("# the resumed checkpoint's settings"),
        }
        print!("{}", cfg.to_toml());
        return Ok(ExitCode::SUCCESS);
    }
    super::alloc::keep_freed_memory();
    // The backend is opened here, once, before any data or model is read: without a usable
    // GPU, `--device cuda` stops now with the probe's error.
    args.device.run(args.precision, Train { args: &args, cfg })
}

/// On a backend with its own memory (a GPU), prints what the run needs and stops with the
/// numbers and what to change when it cannot fit, instead of failing an allocation later.
fn check_memory<B: Backend>(trainer: &Trainer<B>, progress: &Progress) -> anyhow::Result<()> {
    let Some((free, total)) = trainer.policy.model.backend.memory_info() else {
        return Ok(());
    };
    let (est, prompt) = trainer.memory_estimate()?;
    let gib = |b: usize| b as f64 / (1u64 << 30) as f64;
    progress.message(&format!(
        "device memory: {} (prompts up to {prompt} tokens); {:.2} GiB free of {:.2}",
        est.describe(),
        gib(free),
        gib(total)
    ));
    // The weights, gradients and moments are held already, and the reference if there is one.
    let held = est.weights
        + est.grads
        + est.optimizer
        + if trainer.reference.is_some() {
            est.reference
        } else {
            0
        };
    let more = est.peak().saturating_sub(held);
    // 10% for the allocator and the temporaries the estimate leaves out.
    anyhow::ensure!(
        more as f64 * 1.1 <= free as f64,
        "the run needs about {:.2} GiB more device memory than the model holds, {:.2} GiB is free: \
         bound the update's activations with [memory] micro_batch_tokens (e.g. one sequence) and \
         recompute = true, or generate fewer sequences at once (rollout.chunk_prompts)",
        gib(more) * 1.1,
        gib(free)
    );
    Ok(())
}

/// The run itself, written once for every backend.
struct Train<'a> {
    args: &'a TrainArgs,
    cfg: TrainConfig,
}

impl OnBackend for Train<'_> {
    type Output = ExitCode;

    fn run<B: Backend>(self, backend: B) -> anyhow::Result<ExitCode> {
        train_on(backend, self.args, self.cfg)
    }
}

fn train_on<B: Backend>(
    backend: B,
    args: &TrainArgs,
    cfg: TrainConfig,
) -> anyhow::Result<ExitCode> {
    let out = &args.out;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let started = Instant::now();
    let progress = Progress::new(cfg.steps, args.quiet);
    let metrics_path = out.join("metrics.jsonl");
    let samples_path = out.join("samples.jsonl");
    let (mut trainer, mut history) = match &args.resume {
        Some(r) => {
            let dir = checkpoint::resolve(r)?;
            let t = Trainer::resume_on(backend, &dir, cfg.clone())?;
            check_memory(&t, &progress)?;
            progress.message(&format!(
                "resuming from {} at step {}",
                dir.display(),
                t.state.step
            ));
            let history = truncate_metrics(&metrics_path, t.state.step)?;
            (t, history)
        }
        None => {
            let _ = std::fs::remove_file(&metrics_path);
            let _ = std::fs::remove_file(&samples_path);
            let mut t = Trainer::new_on(backend, cfg.clone())?;
            progress.message(&format!(
                "rlvr train: {} parameters on {}, {} prompts x {} samples per step, {} steps -> {}",
                t.policy.model.num_params(),
                args.device,
                cfg.rollout.prompts_per_step,
                cfg.rollout.samples_per_prompt,
                cfg.steps,
                out.display()
            ));
            for w in cfg.warnings(t.policy.model.num_params()) {
                progress.message(&format!("warning: {w}"));
            }
            if args.verbose {
                progress.message(&format!(
                    "config keys not used (they do not change the model): {}",
                    t.policy.model.cfg.unread_keys().join(", ")
                ));
            }
            // Before the warm-up, which already runs on the device.
            check_memory(&t, &progress)?;
            let w0 = Instant::now();
            let every = (cfg.warmup.steps / 5).max(1);
            let loss = t.warmup(&mut |s, l| {
                if (s + 1) % every == 0 {
                    progress.message(&format!(
                        "warm-up {}/{}: loss {l:.4}",
                        s + 1,
                        cfg.warmup.steps
                    ));
                }
            })?;
            if let Some(l) = loss {
                progress.message(&format!(
                    "warm-up done in {:.1}s (final loss {l:.4})",
                    w0.elapsed().as_secs_f64()
                ));
            }
            (t, Vec::new())
        }
    };
    std::fs::write(out.join("config.toml"), cfg.to_toml())?;
    let mut mw = JsonlWriter::append(&metrics_path)?;
    let mut sw = JsonlWriter::append(&samples_path)?;
    let mut warned_truncation = false;
    while trainer.state.step < cfg.steps {
        let m = trainer.step()?;
        mw.write(&m)?;
        for s in &trainer.last_samples {
            sw.write(s)?;
        }
        progress.update(&m);
        if m.response_clipped_frac > 0.5 && !warned_truncation {
            warned_truncation = true;
            progress.message(&format!(
                "warning: step {}: {:.0}% of the responses hit rollout.max_new_tokens = {} \
                 without a stop token",
                m.step,
                100.0 * m.response_clipped_frac,
                cfg.rollout.max_new_tokens
            ));
        }
        if !progress_on(&progress) && (m.step % 5 == 0 || m.step == 1) {
            eprintln!(
                "step {:>4}  reward {:.3}  kl {:.2e}  entropy {:.3}  len {:.1}  kept {}/{}  {:.1}s",
                m.step,
                m.reward_mean,
                m.kl,
                m.entropy,
                m.response_len_mean,
                m.groups_kept,
                m.groups_generated,
                m.time_step_s
            );
        }
        if let Some(why) = m.reference_reset {
            progress.message(&format!(
                "step {}: reference and optimizer reset ({why:?})",
                m.step
            ));
        }
        let every = cfg.log.checkpoint_every;
        if every > 0 && m.step % every == 0 && m.step < cfg.steps {
            trainer.save(out)?;
        }
        history.push(m);
    }
    progress.finish();
    let ckpt = trainer.save(out)?;
    let png = out.join("curves.png");
    let panels = plot::write_png(&png, &history)?;
    summary(
        &history,
        started.elapsed().as_secs_f64(),
        &ckpt,
        &png,
        &panels,
    );
    Ok(ExitCode::SUCCESS)
}

fn progress_on(p: &Progress) -> bool {
    p.is_on()
}

fn summary(h: &[StepMetrics], secs: f64, ckpt: &Path, png: &Path, panels: &[plot::Panel]) {
    let mean =
        |xs: &[StepMetrics]| xs.iter().map(|m| m.reward_mean).sum::<f64>() / xs.len().max(1) as f64;
    let k = (h.len() / 5).clamp(1, 5);
    if h.is_empty() {
        eprintln!("no RL steps were run");
        return;
    }
    let (first, last) = (
        mean(&h[..k.min(h.len())]),
        mean(&h[h.len().saturating_sub(k)..]),
    );
    eprintln!(
        "done: {} steps in {secs:.1}s; mean reward {first:.3} (first {k} steps) -> {last:.3} (last {k}), change {:+.3}",
        h.len(),
        last - first
    );
    for p in panels {
        eprintln!("  {:<18} y from {:.4} to {:.4}", p.name, p.lo, p.hi);
    }
    eprintln!("curves: {} (reward, kl / entropy, length)", png.display());
    eprintln!("checkpoint: {}", ckpt.display());
}
