//! Checkpoints from which a run continues bit for bit: the policy's weights (Hugging Face
//! layout, loadable by `--model`), the reference policy's weights, the AdamW moments and step,
//! and the loop's counters (RL step, data cursor, steps since the last reset). Every random
//! draw of a run is keyed by (seed, step, ...) (counter-based), so the seed and the step are the
//! whole RNG state. The config hash guards against resuming under a different recipe.
//!
//! Layout of `DIR/checkpoints/step-NNNNNN/`: `state.json`, `config.toml`, `policy/`,
//! `reference/` (when there is one and it differs from the policy; a resume without it
//! clones the policy), `optimizer.bin` (magic `RLVROPT1`, format below).

use super::config::TrainConfig;
use super::policy::Policy;
use anyhow::Context;
use rlvr_train::backend::Backend;
use rlvr_train::model::Model;
use rlvr_train::optim::AdamW;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"RLVROPT1";
const FORMAT: u32 = 1;

/// The loop's counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub format: u32,
    /// RL steps completed.
    pub step: u64,
    /// Prompts consumed from the data stream.
    pub data_cursor: u64,
    pub steps_since_reset: u64,
    pub resets: u64,
    pub seed: u64,
    pub config_hash: String,
    pub optimizer_step: u64,
}

/// Writes a checkpoint for `state.step` under `out/checkpoints/` and returns its directory.
pub fn save<B: Backend>(
    out: &Path,
    cfg: &TrainConfig,
    state: &RunState,
    policy: &Policy<B>,
    reference: Option<&Model<B>>,
    opt: &AdamW<B>,
) -> anyhow::Result<PathBuf> {
    let root = out.join("checkpoints");
    let dir = root.join(format!("step-{:06}", state.step));
    let tmp = root.join(format!(".step-{:06}.tmp", state.step));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    // The policy directory is a complete Hugging Face checkpoint (`--model` loads it).
    let dtype = cfg.log.save_dtype.dtype();
    policy.save(&tmp.join("policy"), dtype)?;
    // The reference is stored only when it differs from the policy (right after a reset, or
    // before the first update, it is the same weights: a resume clones the policy then).
    if let Some(r) = reference {
        if !same_weights(r, &policy.model)? {
            r.save_as(&tmp.join("reference"), dtype)?;
        }
    }
    write_optimizer(&tmp.join("optimizer.bin"), &policy.model, opt)?;
    std::fs::write(tmp.join("config.toml"), cfg.to_toml())?;
    std::fs::write(tmp.join("state.json"), serde_json::to_string_pretty(state)?)?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::rename(&tmp, &dir)?;
    std::fs::write(root.join("latest"), format!("step-{:06}\n", state.step))?;
    Ok(dir)
}

/// Whether two models hold bit-identical weights.
fn same_weights<B: Backend>(a: &Model<B>, b: &Model<B>) -> anyhow::Result<bool> {
    if a.params().len() != b.params().len() {
        return Ok(false);
    }
    for (x, y) in a.params().iter().zip(b.params()) {
        let (x, y) = (a.backend.download(&x.data)?, b.backend.download(&y.data)?);
        if x.len() != y.len() || x.iter().zip(&y).any(|(p, q)| p.to_bits() != q.to_bits()) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A checkpoint directory given either directly or as a run's `--out` (then its latest).
pub fn resolve(path: &Path) -> anyhow::Result<PathBuf> {
    if path.join("state.json").exists() {
        return Ok(path.to_path_buf());
    }
    let latest = path.join("checkpoints").join("latest");
    let name = std::fs::read_to_string(&latest).with_context(|| {
        format!(
            "{} is neither a checkpoint nor a run directory",
            path.display()
        )
    })?;
    Ok(path.join("checkpoints").join(name.trim()))
}

pub fn read_state(dir: &Path) -> anyhow::Result<RunState> {
    let text = std::fs::read_to_string(dir.join("state.json"))?;
    let st: RunState = serde_json::from_str(&text)?;
    anyhow::ensure!(
        st.format == FORMAT,
        "checkpoint format {} (this build reads {FORMAT})",
        st.format
    );
    Ok(st)
}

fn write_optimizer<B: Backend>(
    path: &Path,
    model: &Model<B>,
    opt: &AdamW<B>,
) -> anyhow::Result<()> {
    let be = &model.backend;
    let (m, v) = opt.moments();
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    w.write_all(MAGIC)?;
    w.write_all(&FORMAT.to_le_bytes())?;
    w.write_all(&opt.step_count().to_le_bytes())?;
    w.write_all(&(model.params().len() as u32).to_le_bytes())?;
    for ((p, m), v) in model.params().iter().zip(m).zip(v) {
        w.write_all(&(p.name.len() as u32).to_le_bytes())?;
        w.write_all(p.name.as_bytes())?;
        w.write_all(&(p.numel() as u64).to_le_bytes())?;
        for buf in [m, v] {
            for x in be.download(buf)? {
                w.write_all(&x.to_le_bytes())?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// Restores AdamW moments and step written by [`save`] for `model`'s parameters.
pub fn read_optimizer<B: Backend>(
    path: &Path,
    model: &Model<B>,
    opt: &mut AdamW<B>,
) -> anyhow::Result<()> {
    let bad = |why: &str| format!("{}: {why}", path.display());
    let mut r = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)?;
    anyhow::ensure!(&magic == MAGIC, "{}", bad("not an rlvr optimizer state"));
    let mut b4 = [0u8; 4];
    let mut b8 = [0u8; 8];
    r.read_exact(&mut b4)?;
    anyhow::ensure!(
        u32::from_le_bytes(b4) == FORMAT,
        "{}",
        bad("unknown format version")
    );
    r.read_exact(&mut b8)?;
    let step = u64::from_le_bytes(b8);
    r.read_exact(&mut b4)?;
    anyhow::ensure!(
        u32::from_le_bytes(b4) as usize == model.params().len(),
        "{}",
        bad("parameter count differs")
    );
    let be = &model.backend;
    let (mut ms, mut vs) = (Vec::new(), Vec::new());
    for p in model.params() {
        r.read_exact(&mut b4)?;
        let mut name = vec![0u8; u32::from_le_bytes(b4) as usize];
        r.read_exact(&mut name)?;
        anyhow::ensure!(
            name == p.name.as_bytes(),
            "{}",
            bad(&format!("expected {} next", p.name))
        );
        r.read_exact(&mut b8)?;
        anyhow::ensure!(
            u64::from_le_bytes(b8) as usize == p.numel(),
            "{}",
            bad(&format!("{}: size differs", p.name))
        );
        for out in [&mut ms, &mut vs] {
            let mut raw = vec![0u8; p.numel() * 4];
            r.read_exact(&mut raw)?;
            let xs: Vec<f32> = raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            out.push(be.upload(&xs)?);
        }
    }
    opt.set_state(step, ms, vs)?;
    Ok(())
}
