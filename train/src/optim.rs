//! AdamW (PyTorch's `torch.optim.AdamW` semantics) with global gradient-norm clipping
//! (`torch.nn.utils.clip_grad_norm_`), and a [`AdamW::reset`] that zeroes the moments and the
//! step, as the reference-policy resets of the seed recipe require.

use crate::backend::{AdamWStep, Backend};
use crate::model::Model;
use crate::{Result, TrainError};

/// Hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    /// Clip the global L2 norm of the gradients to this value (`None`: no clipping).
    pub max_grad_norm: Option<f32>,
}

impl Default for AdamWConfig {
    /// PyTorch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2), clip 1.0.
    fn default() -> Self {
        AdamWConfig {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 1e-2,
            max_grad_norm: Some(1.0),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    /// Global L2 norm of the gradients before clipping.
    pub grad_norm: f64,
    /// Factor the gradients were multiplied by (1 when not clipped).
    pub clip_scale: f32,
}

/// AdamW state: first and second moments per parameter and the step count.
pub struct AdamW<B: Backend> {
    pub cfg: AdamWConfig,
    step: u64,
    m: Vec<B::Buf>,
    v: Vec<B::Buf>,
}

impl<B: Backend> AdamW<B> {
    /// Zeroed state for `model`'s parameters.
    pub fn new(model: &Model<B>, cfg: AdamWConfig) -> Result<Self> {
        let be = &model.backend;
        let m = model
            .params()
            .iter()
            .map(|p| be.zeros(p.numel()))
            .collect::<Result<_>>()?;
        let v = model
            .params()
            .iter()
            .map(|p| be.zeros(p.numel()))
            .collect::<Result<_>>()?;
        Ok(AdamW { cfg, step: 0, m, v })
    }

    /// Steps taken since creation or the last reset.
    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// First and second moments, one buffer per parameter (for checkpoints).
    pub fn moments(&self) -> (&[B::Buf], &[B::Buf]) {
        (&self.m, &self.v)
    }

    /// Restores a checkpointed state.
    pub fn set_state(&mut self, step: u64, m: Vec<B::Buf>, v: Vec<B::Buf>) -> Result<()> {
        if m.len() != self.m.len() || v.len() != self.v.len() {
            return Err(TrainError::Shape(
                "optimizer state: wrong number of buffers".into(),
            ));
        }
        self.step = step;
        self.m = m;
        self.v = v;
        Ok(())
    }

    /// Zeroes the moments and the step count.
    pub fn reset(&mut self, backend: &B) -> Result<()> {
        for b in self.m.iter_mut().chain(self.v.iter_mut()) {
            backend.fill_zero(b)?;
        }
        self.step = 0;
        Ok(())
    }

    /// Clips the gradients' global norm (if configured) and updates the parameters.
    pub fn step(&mut self, model: &mut Model<B>) -> Result<StepStats> {
        let be = model.backend.clone();
        if self.m.len() != model.params().len() {
            return Err(TrainError::Shape(
                "optimizer built for another model".into(),
            ));
        }
        let mut sq = 0f64;
        for g in model.grads() {
            sq += be.sum_squares(g)?;
        }
        let grad_norm = sq.sqrt();
        if !grad_norm.is_finite() {
            return Err(TrainError::Input(format!(
                "gradient norm is {grad_norm}; step skipped"
            )));
        }
        let mut clip_scale = 1.0f32;
        if let Some(max) = self.cfg.max_grad_norm {
            let coef = max as f64 / (grad_norm + 1e-6);
            if coef < 1.0 {
                clip_scale = coef as f32;
                for g in model.grads_mut() {
                    be.scale(g, clip_scale)?;
                }
            }
        }
        self.step += 1;
        let hp = AdamWStep {
            lr: self.cfg.lr,
            beta1: self.cfg.beta1,
            beta2: self.cfg.beta2,
            eps: self.cfg.eps,
            weight_decay: self.cfg.weight_decay,
            step: self.step,
        };
        let (params, grads) = model.params_and_grads_mut();
        for (((p, g), m), v) in params
            .iter_mut()
            .zip(grads)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            be.adamw(&mut p.data, g, m, v, &hp)?;
        }
        Ok(StepStats {
            grad_norm,
            clip_scale,
        })
    }
}
