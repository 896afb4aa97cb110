//! [`Backend::sample_rows`](crate::backend::Backend::sample_rows) on the device: the
//! `sample_rows` kernel of `sample.cu`, one block per row of logits, the rule of
//! [`sample_token`](crate::sample::sample_token) without sorting the vocabulary (how, and where
//! its f64 sums differ from the CPU's, is at the top of `sample.cu`). Up go the uniform draws,
//! back come one token and one log-prob per row; the logits never leave the device.

use cudarc::driver::{CudaSlice, PushKernelArg};

use super::{be, blocks, Cuda};
use crate::sample::{check_sample_rows, SamplingParams};
use crate::{Result, TrainError};

impl Cuda {
    /// (token, log-prob) per row of `logits` [uniforms.len(), vocab].
    pub(crate) fn sample_rows_on_device(
        &self,
        logits: &CudaSlice<f32>,
        vocab: usize,
        params: &SamplingParams,
        uniforms: &[f64],
    ) -> Result<Vec<(u32, f32)>> {
        check_sample_rows(logits.len(), vocab, uniforms.len())?;
        let rows = uniforms.len();
        if rows == 0 {
            return Ok(Vec::new());
        }
        let v32 = i32::try_from(vocab)
            .map_err(|_| TrainError::Shape(format!("sample_rows: vocabulary {vocab} over i32")))?;
        // top_k >= vocab keeps everything, as on the CPU; the kernel skips it then.
        let top_k = params.top_k.min(i32::MAX as usize) as i32;
        let stream = self.stream();
        let u = stream.clone_htod(uniforms).map_err(be("upload"))?;
        let mut tokens = stream.alloc_zeros::<u32>(rows).map_err(be("alloc"))?;
        let mut logp = stream.alloc_zeros::<f32>(rows).map_err(be("alloc"))?;
        let mut l = stream.launch_builder(self.kernel("sample_rows")?);
        l.arg(logits)
            .arg(&u)
            .arg(&mut tokens)
            .arg(&mut logp)
            .arg(&v32)
            .arg(&params.temperature)
            .arg(&params.top_p)
            .arg(&top_k);
        // SAFETY: `logits` holds rows · vocab floats (checked above), `u`, `tokens` and `logp`
        // rows elements each; the grid has one block per row and the kernel reads only its
        // row and writes only its row's token and log-prob. The arguments match
        // sample_rows's signature in order and type (float*, double*, unsigned*, float*, int,
        // float, float, int); its 41 KB of static shared memory is under the 48 KB default.
        unsafe { l.launch(blocks(rows, 1)?) }.map_err(be("sample_rows"))?;
        let tokens = stream.clone_dtoh(&tokens).map_err(be("download"))?;
        let logp = stream.clone_dtoh(&logp).map_err(be("download"))?;
        Ok(tokens.into_iter().zip(logp).collect())
    }
}
