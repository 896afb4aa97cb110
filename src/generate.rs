//! `rlvr generate`: seeded logic-puzzle instances (and `ifeval` instruction-following
//! prompts: `prompt`, `instruction_id_list`, `kwargs`) as JSONL, in Reasoning Gym's entry shape
//! (`question`, `answer`, `metadata`) plus `task`, so the output grades in rlvr (add a
//! `response`) and in Reasoning Gym alike. Instance `i` uses seed `S + i`, so any instance can
//! be regenerated alone, byte for byte.

use anyhow::{bail, Context};
use rlvr_verifiers::logic::{self, GenConfig};
use serde_json::{json, Map, Value};
use std::io::Write;
use std::process::ExitCode;

/// Arguments of `rlvr generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The puzzle family (Reasoning Gym dataset name), or `list` to print the families.
    pub task: String,
    /// Seed of the first instance; instance i uses seed + i.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How many instances to write.
    #[arg(long, default_value_t = 1)]
    pub count: u64,
    /// Difficulty knobs as KEY=VALUE (repeatable), e.g. `--difficulty size=9`; each family
    /// documents its knobs. A JSON object is accepted too.
    #[arg(long = "difficulty", value_name = "KEY=VALUE")]
    pub difficulty: Vec<String>,
    /// Write here instead of stdout.
    #[arg(long, short)]
    pub out: Option<std::path::PathBuf>,
}

/// Parse `--difficulty` values: `k=v` pairs (v parsed as JSON if it can be, else a string) or
/// JSON objects.
pub fn parse_difficulty(items: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut map = Map::new();
    for item in items {
        let t = item.trim();
        if t.starts_with('{') {
            let obj: Map<String, Value> = serde_json::from_str(t)
                .with_context(|| format!("--difficulty {t}: not a JSON object"))?;
            map.extend(obj);
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            bail!("--difficulty {t}: expected KEY=VALUE");
        };
        let v = serde_json::from_str(v.trim()).unwrap_or_else(|_| Value::from(v.trim()));
        map.insert(k.trim().to_string(), v);
    }
    Ok(map)
}

pub fn run(args: GenerateArgs) -> anyhow::Result<ExitCode> {
    let mut out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    if args.task == "list" {
        writeln!(
            out,
            "{:<22} instruction following: prompts with 1-5 IFEval constraints",
            "ifeval"
        )?;
        for f in logic::families() {
            writeln!(out, "{:<22} {}", f.name, f.summary)?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.task == "ifeval" {
        // One seeded row per instance, like the puzzles: instance i is seed + i.
        for i in 0..args.count {
            let seed = args.seed.wrapping_add(i);
            for row in rlvr_verifiers::ifeval::generate(seed, 1) {
                serde_json::to_writer(&mut out, &row)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(family) = logic::family(&args.task) else {
        let names: Vec<&str> = logic::families().iter().map(|f| f.name).collect();
        bail!(
            "unknown task '{}'; known tasks: {}",
            args.task,
            names.join(", ")
        );
    };
    let difficulty = parse_difficulty(&args.difficulty)?;
    for i in 0..args.count {
        let cfg = GenConfig {
            seed: args.seed.wrapping_add(i),
            difficulty: difficulty.clone(),
        };
        let g = (family.generate)(&cfg)
            .with_context(|| format!("{} (seed {})", family.name, cfg.seed))?;
        let line = json!({
            "task": family.name,
            "question": g.question,
            "answer": g.answer,
            "metadata": g.metadata,
        });
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_difficulty;

    #[test]
    fn difficulty_pairs_and_json() {
        let m =
            parse_difficulty(&["size=9".into(), "mode=hard".into(), r#"{"n": 3}"#.into()]).unwrap();
        assert_eq!(m["size"], 9);
        assert_eq!(m["mode"], "hard");
        assert_eq!(m["n"], 3);
        assert!(parse_difficulty(&["oops".into()]).is_err());
    }
}
