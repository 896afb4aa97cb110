//! Loading and saving Hugging Face checkpoints: `config.json` plus `model.safetensors`, or
//! shards listed in `model.safetensors.index.json`. Tensor names are kept as they are; f32,
//! bf16 and f16 tensors load (widened to f32); saving writes f32 in the layout it was loaded
//! from (one file, or the same shards and index).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde_json::{json, Value};

use super::{param_specs, Model, ModelConfig};
use crate::backend::Backend;
use crate::{Result, TrainError};

/// The dtype weights are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SaveDtype {
    /// The trainer's master weights exactly (a resume continues bit for bit).
    #[default]
    F32,
    /// Half the size, what transformers and vLLM usually load; rounded.
    Bf16,
}

const SINGLE: &str = "model.safetensors";
const INDEX: &str = "model.safetensors.index.json";

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| TrainError::io(path, e))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| TrainError::io(path, e))
}

fn ck(e: impl std::fmt::Display) -> TrainError {
    TrainError::Checkpoint(e.to_string())
}

/// A tensor's values as f32.
fn to_f32(name: &str, t: &TensorView) -> Result<Vec<f32>> {
    let b = t.data();
    Ok(match t.dtype() {
        Dtype::F32 => b
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Dtype::BF16 => b
            .chunks_exact(2)
            .map(|c| half::bf16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32())
            .collect(),
        Dtype::F16 => b
            .chunks_exact(2)
            .map(|c| half::f16::from_bits(u16::from_le_bytes([c[0], c[1]])).to_f32())
            .collect(),
        other => {
            return Err(TrainError::Checkpoint(format!(
                "{name}: dtype {other:?} is not supported"
            )))
        }
    })
}

/// Name -> shard file from an index file.
fn read_index(path: &Path) -> Result<BTreeMap<String, String>> {
    let v: Value = serde_json::from_slice(&read(path)?)?;
    let map = v
        .get("weight_map")
        .and_then(Value::as_object)
        .ok_or_else(|| TrainError::Checkpoint(format!("{}: no weight_map", path.display())))?;
    map.iter()
        .map(|(k, f)| {
            let f = f
                .as_str()
                .ok_or_else(|| ck(format!("{k}: shard name is not a string")))?;
            if f.contains('/') || f.contains('\\') || f.starts_with('.') {
                return Err(ck(format!(
                    "{k}: shard name {f:?} must be a plain file name"
                )));
            }
            Ok((k.clone(), f.to_string()))
        })
        .collect()
}

impl<B: Backend> Model<B> {
    /// Loads `dir/config.json` and its safetensors weights onto `backend`; when `dir` is a
    /// file, it is read as GGUF.
    pub fn load_on(backend: B, dir: &Path) -> Result<Self> {
        if dir.is_file() {
            return super::GgufModel::read(dir)?.model_on(backend);
        }
        let cfg = ModelConfig::from_file(&dir.join("config.json"))?;
        let (specs, _) = param_specs(&cfg);
        let shards = if dir.join(INDEX).exists() {
            Some(read_index(&dir.join(INDEX))?)
        } else {
            None
        };
        let files: Vec<String> = match &shards {
            Some(map) => {
                let mut f: Vec<String> = map.values().cloned().collect();
                f.sort();
                f.dedup();
                f
            }
            None => vec![SINGLE.to_string()],
        };
        let mut found: HashMap<String, Vec<f32>> = HashMap::new();
        for file in &files {
            let bytes = read(&dir.join(file))?;
            let st = SafeTensors::deserialize(&bytes).map_err(|e| ck(format!("{file}: {e}")))?;
            for (name, _, _) in &specs {
                if found.contains_key(name) {
                    continue;
                }
                if let Ok(t) = st.tensor(name) {
                    found.insert(name.clone(), to_f32(name, &t)?);
                }
            }
        }
        let mut m = Self::from_named(backend, &cfg, &mut found)?;
        m.shards = shards;
        Ok(m)
    }

    /// Builds a model from host tensors by Hugging Face name (taken out of `tensors`; names
    /// this configuration does not use are left there).
    pub fn from_named(
        backend: B,
        cfg: &ModelConfig,
        tensors: &mut HashMap<String, Vec<f32>>,
    ) -> Result<Self> {
        let (specs, _) = param_specs(cfg);
        let mut host = Vec::with_capacity(specs.len());
        for (name, shape, _) in &specs {
            let t = tensors
                .remove(name)
                .ok_or_else(|| ck(format!("missing tensor {name}")))?;
            if t.len() != shape.iter().product::<usize>() {
                return Err(ck(format!(
                    "{name}: {} values, expected shape {shape:?}",
                    t.len()
                )));
            }
            host.push(t);
        }
        Self::from_host(backend, cfg, host)
    }

    /// Writes `dir/config.json` and the weights (f32) as loaded: one file or the same shards.
    pub fn save(&self, dir: &Path) -> Result<()> {
        self.save_as(dir, SaveDtype::F32)
    }

    /// [`Model::save`] with the weights in `dtype` (bf16: round to nearest even, half the
    /// size; loading widens back to f32, so a bf16 checkpoint is not the f32 weights exactly).
    pub fn save_as(&self, dir: &Path, dtype: SaveDtype) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, e))?;
        let mut cfg = self.cfg.to_json();
        let (st_dtype, torch_dtype) = match dtype {
            SaveDtype::F32 => (Dtype::F32, "float32"),
            SaveDtype::Bf16 => (Dtype::BF16, "bfloat16"),
        };
        if let Some(o) = cfg.as_object_mut() {
            o.insert("torch_dtype".into(), json!(torch_dtype));
        }
        write(
            &dir.join("config.json"),
            serde_json::to_string_pretty(&cfg)?.as_bytes(),
        )?;
        let host: Vec<(String, Vec<usize>, Vec<u8>)> = self
            .params
            .iter()
            .map(|p| {
                let data = self.backend.download(&p.data)?;
                Ok((
                    p.name.clone(),
                    p.shape.clone(),
                    match dtype {
                        SaveDtype::F32 => data.iter().flat_map(|x| x.to_le_bytes()).collect(),
                        SaveDtype::Bf16 => data
                            .iter()
                            .flat_map(|x| half::bf16::from_f32(*x).to_bits().to_le_bytes())
                            .collect(),
                    },
                ))
            })
            .collect::<Result<_>>()?;
        let mut by_file: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, (name, _, _)) in host.iter().enumerate() {
            let file = match &self.shards {
                Some(map) => map.get(name).cloned().unwrap_or_else(|| SINGLE.to_string()),
                None => SINGLE.to_string(),
            };
            by_file.entry(file).or_default().push(i);
        }
        let meta: HashMap<String, String> = [("format".to_string(), "pt".to_string())].into();
        let mut total = 0usize;
        for (file, idxs) in &by_file {
            let views = idxs
                .iter()
                .map(|&i| {
                    let (name, shape, bytes) = &host[i];
                    total += bytes.len();
                    TensorView::new(st_dtype, shape.clone(), bytes).map(|v| (name.clone(), v))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(ck)?;
            let bytes = safetensors::serialize(views, Some(meta.clone())).map_err(ck)?;
            write(&dir.join(file), &bytes)?;
        }
        if let Some(map) = &self.shards {
            let index = json!({"metadata": {"total_size": total}, "weight_map": map});
            write(
                &dir.join(INDEX),
                serde_json::to_string_pretty(&index)?.as_bytes(),
            )?;
        }
        Ok(())
    }
}
