//! The key/value cache for incremental decoding: per layer, one key and one value buffer of
//! `n_seqs · capacity` rows (sequence `s` owns rows `s · capacity ..`), so each new token costs
//! one row per layer instead of a forward over the whole prefix.

use super::forward::pack;
use super::Model;
use crate::backend::{AttnLayout, Backend};
use crate::{Result, TrainError};

/// Cached keys and values of `n_seqs` sequences of at most `capacity` tokens each.
pub struct KvCache<B: Backend> {
    capacity: usize,
    lens: Vec<usize>,
    k: Vec<B::Buf>,
    v: Vec<B::Buf>,
}

impl<B: Backend> KvCache<B> {
    /// Tokens cached so far for each sequence.
    pub fn lens(&self) -> &[usize] {
        &self.lens
    }

    /// Tokens each sequence can hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl<B: Backend> Model<B> {
    /// An empty cache for `n_seqs` sequences of up to `capacity` tokens.
    pub fn new_cache(&self, n_seqs: usize, capacity: usize) -> Result<KvCache<B>> {
        let rows = n_seqs * capacity * self.cfg.kv_dim();
        let mut k = Vec::with_capacity(self.cfg.num_layers);
        let mut v = Vec::with_capacity(self.cfg.num_layers);
        for _ in 0..self.cfg.num_layers {
            k.push(self.backend.zeros(rows)?);
            v.push(self.backend.zeros(rows)?);
        }
        Ok(KvCache {
            capacity,
            lens: vec![0; n_seqs],
            k,
            v,
        })
    }

    /// Copies cached sequence `from` into slot `to` (e.g. one prompt's prefill shared by its
    /// samples), replacing what `to` held.
    pub fn copy_cached_sequence(
        &self,
        cache: &mut KvCache<B>,
        from: usize,
        to: usize,
    ) -> Result<()> {
        let n = cache.lens.len();
        if from >= n || to >= n {
            return Err(TrainError::Input(format!(
                "copy_cached_sequence: {from} -> {to} of {n}"
            )));
        }
        let len = cache.lens[from];
        let width = self.cfg.kv_dim();
        let src: Vec<usize> = (0..len).map(|p| from * cache.capacity + p).collect();
        let dst: Vec<usize> = (0..len).map(|p| to * cache.capacity + p).collect();
        let mut rows = self.backend.zeros(len * width)?;
        for buf in cache.k.iter_mut().chain(cache.v.iter_mut()) {
            self.backend.gather_rows(&mut rows, buf, &src, width)?;
            self.backend.scatter_rows(buf, &dst, &rows, width)?;
        }
        cache.lens[to] = len;
        Ok(())
    }

    /// Appends `tokens[i]` to cached sequence `seq_ids[i]` and returns, for each, the logits
    /// [vocab] after its last new token, on the host. Sequences not listed are untouched.
    pub fn decode_step(
        &self,
        cache: &mut KvCache<B>,
        seq_ids: &[usize],
        tokens: &[Vec<u32>],
    ) -> Result<Vec<Vec<f32>>> {
        let logits = self.decode_step_logits(cache, seq_ids, tokens)?;
        Ok(self
            .backend
            .download(&logits)?
            .chunks_exact(self.cfg.vocab_size)
            .map(<[f32]>::to_vec)
            .collect())
    }

    /// [`decode_step`](Self::decode_step) with the logits left on the backend: one buffer
    /// [seq_ids.len(), vocab], row `i` for `seq_ids[i]` (for
    /// [`Backend::sample_rows`](crate::backend::Backend::sample_rows)).
    pub fn decode_step_logits(
        &self,
        cache: &mut KvCache<B>,
        seq_ids: &[usize],
        tokens: &[Vec<u32>],
    ) -> Result<B::Buf> {
        if seq_ids.len() != tokens.len() {
            return Err(TrainError::Input(
                "decode_step: one token list per sequence".into(),
            ));
        }
        let (ids, _, lens) = pack(tokens, 1)?;
        let mut pos = Vec::with_capacity(ids.len());
        let mut rows = Vec::with_capacity(ids.len());
        let mut layout = AttnLayout::default();
        let mut at = 0;
        for (&s, &n) in seq_ids.iter().zip(&lens) {
            let past = *cache
                .lens
                .get(s)
                .ok_or_else(|| TrainError::Input(format!("decode_step: no cached sequence {s}")))?;
            if past + n > cache.capacity {
                return Err(TrainError::Input(format!(
                    "sequence {s}: {} tokens exceed the cache capacity {}",
                    past + n,
                    cache.capacity
                )));
            }
            if layout.k_start.contains(&(s * cache.capacity)) {
                return Err(TrainError::Input(format!(
                    "decode_step: sequence {s} listed twice"
                )));
            }
            pos.extend((past..past + n).map(|p| p as u32));
            rows.extend((past..past + n).map(|p| s * cache.capacity + p));
            layout.q_start.push(at);
            layout.q_len.push(n);
            layout.k_start.push(s * cache.capacity);
            layout.k_len.push(past + n);
            at += n;
        }
        let be = &self.backend;
        let d = self.cfg.hidden_size;
        let mut x = be.zeros(ids.len() * d)?;
        be.embedding_fwd(&mut x, &self.params[self.idx.embed].data, &ids, d)?;
        let inv_freq = self.cfg.rope_inv_freq();
        for (l, li) in self.idx.layers.iter().enumerate() {
            let cache_l = Some((&mut cache.k[l], &mut cache.v[l], rows.as_slice()));
            let a = self.layer_fwd(li, x, &pos, &inv_freq, &layout, cache_l)?;
            x = self.layer_out(li, &a)?;
        }
        for (&s, &n) in seq_ids.iter().zip(&lens) {
            cache.lens[s] += n;
        }
        // Only each sequence's last row needs logits.
        let last: Vec<usize> = layout
            .q_start
            .iter()
            .zip(&lens)
            .map(|(s, n)| s + n - 1)
            .collect();
        let mut xl = be.zeros(last.len() * d)?;
        be.gather_rows(&mut xl, &x, &last, d)?;
        let mut normed = be.zeros(last.len() * d)?;
        let mut rstd = be.zeros(last.len())?;
        let norm = &self.params[self.idx.norm].data;
        be.rmsnorm_fwd(&mut normed, &mut rstd, &xl, norm, d, self.cfg.rms_norm_eps)?;
        let vocab = self.cfg.vocab_size;
        let mut logits = be.zeros(last.len() * vocab)?;
        let head = &self.params[self.head_index()].data;
        be.linear_fwd(&mut logits, &normed, head, None, d, vocab)?;
        Ok(logits)
    }
}
