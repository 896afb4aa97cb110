//! The training forward pass (keeping activations on a [`Tape`]) and its hand-written backward.
//!
//! Sequences are packed back to back into `T` rows; attention stays inside each sequence.
//! Per layer: x_mid = x + o(attn(rope(qn(q(n1(x)))), rope(kn(k(n1(x)))), v(n1(x))));
//! x_out = x_mid + down(silu(gate(n2(x_mid))) · up(n2(x_mid))), where qn and kn are Qwen3's
//! per-head RMSNorms (identity for the other families).

use super::{LayerIdx, Model};
use crate::backend::{AttnLayout, AttnShape, Backend};
use crate::{Result, TrainError};

/// Per-token results of a forward pass; see the API note in [`crate::model`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenStats {
    /// `logprobs[s][t]` = log p(seqs[s][t+1] | seqs[s][..=t]).
    pub logprobs: Vec<Vec<f32>>,
    /// Entropy of the same next-token distribution.
    pub entropy: Vec<Vec<f32>>,
}

/// One layer's saved activations.
pub(super) struct LayerActs<B: Backend> {
    pub x_in: B::Buf,
    pub ln1: B::Buf,
    pub rstd1: B::Buf,
    pub q: B::Buf,
    pub k: B::Buf,
    pub v: B::Buf,
    /// Qwen3: the projections before their per-head norm, and the norms' 1/rms per head row.
    pub q_pre: Option<(B::Buf, B::Buf)>,
    pub k_pre: Option<(B::Buf, B::Buf)>,
    /// Attention's saved state for the backward (sized and laid out by the backend).
    pub attn_saved: B::Buf,
    pub att: B::Buf,
    pub x_mid: B::Buf,
    pub ln2: B::Buf,
    pub rstd2: B::Buf,
    pub gate: B::Buf,
    pub up: B::Buf,
    pub act: B::Buf,
}

/// What the forward keeps of a layer for the backward.
pub(super) enum Saved<B: Backend> {
    /// Every intermediate.
    Acts(LayerActs<B>),
    /// Only the layer's input; the backward recomputes the rest ([`Model::set_recompute`]).
    Input(B::Buf),
}

/// (per-layer activations, final residual, normed final, its rstd).
type Trunk<B> = (
    Vec<Saved<B>>,
    <B as Backend>::Buf,
    <B as Backend>::Buf,
    <B as Backend>::Buf,
);

/// Activations of a forward pass, consumed by [`Model::backward`].
pub struct Tape<B: Backend> {
    ids: Vec<u32>,
    pos: Vec<u32>,
    layout: AttnLayout,
    lens: Vec<usize>,
    /// Rows that predict a next token, and that token.
    target_rows: Vec<usize>,
    targets: Vec<u32>,
    inv_temp: f32,
    layers: Vec<Saved<B>>,
    x_final: B::Buf,
    rstdf: B::Buf,
    h_sel: B::Buf,
}

impl<B: Backend> LayerActs<B> {
    fn floats(&self, be: &B) -> usize {
        let pair =
            |p: &Option<(B::Buf, B::Buf)>| p.as_ref().map_or(0, |(a, b)| be.len(a) + be.len(b));
        [
            &self.x_in,
            &self.ln1,
            &self.rstd1,
            &self.q,
            &self.k,
            &self.v,
            &self.attn_saved,
            &self.att,
            &self.x_mid,
            &self.ln2,
            &self.rstd2,
            &self.gate,
            &self.up,
            &self.act,
        ]
        .iter()
        .map(|b| be.len(b))
        .sum::<usize>()
            + pair(&self.q_pre)
            + pair(&self.k_pre)
    }
}

impl<B: Backend> Tape<B> {
    /// Floats the tape holds on the backend (what the forward kept for the backward).
    pub fn floats(&self, be: &B) -> usize {
        let layers: usize = self
            .layers
            .iter()
            .map(|s| match s {
                Saved::Acts(a) => a.floats(be),
                Saved::Input(x) => be.len(x),
            })
            .sum();
        layers + be.len(&self.x_final) + be.len(&self.rstdf) + be.len(&self.h_sel)
    }
}

/// Packs sequences into rows: ids, positions, layout.
pub(super) fn pack(seqs: &[Vec<u32>], min_len: usize) -> Result<(Vec<u32>, Vec<u32>, Vec<usize>)> {
    if seqs.is_empty() {
        return Err(TrainError::Input("no sequences".into()));
    }
    let mut ids = Vec::new();
    let mut pos = Vec::new();
    let mut lens = Vec::with_capacity(seqs.len());
    for (i, s) in seqs.iter().enumerate() {
        if s.len() < min_len {
            return Err(TrainError::Input(format!(
                "sequence {i} has {} tokens, need {min_len}",
                s.len()
            )));
        }
        ids.extend_from_slice(s);
        pos.extend(0..s.len() as u32);
        lens.push(s.len());
    }
    Ok((ids, pos, lens))
}

impl<B: Backend> Model<B> {
    pub(super) fn attn_shape(&self) -> AttnShape {
        AttnShape {
            q_heads: self.cfg.num_heads,
            kv_heads: self.cfg.num_kv_heads,
            head_dim: self.cfg.head_dim,
        }
    }

    fn p(&self, i: usize) -> &B::Buf {
        &self.params[i].data
    }

    fn pb(&self, i: Option<usize>) -> Option<&B::Buf> {
        i.map(|i| &self.params[i].data)
    }

    /// One layer forward over `x_in` [T, D] at positions `pos`, RoPE rotating by `inv_freq`
    /// (the config's [`rope_inv_freq`](super::ModelConfig::rope_inv_freq), computed once per
    /// pass). With `cache = Some((k_cache, v_cache, rows))` the new keys/values are written to
    /// those cache rows and attention reads the cache.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn layer_fwd(
        &self,
        li: &LayerIdx,
        x_in: B::Buf,
        pos: &[u32],
        inv_freq: &[f32],
        layout: &AttnLayout,
        cache: Option<(&mut B::Buf, &mut B::Buf, &[usize])>,
    ) -> Result<LayerActs<B>> {
        let be = &self.backend;
        let c = &self.cfg;
        let (t, d) = (pos.len(), c.hidden_size);
        let sh = self.attn_shape();
        let mut ln1 = be.zeros(t * d)?;
        let mut rstd1 = be.zeros(t)?;
        be.rmsnorm_fwd(
            &mut ln1,
            &mut rstd1,
            &x_in,
            self.p(li.ln1),
            d,
            c.rms_norm_eps,
        )?;
        let mut q = be.zeros(t * c.q_dim())?;
        let mut k = be.zeros(t * c.kv_dim())?;
        let mut v = be.zeros(t * c.kv_dim())?;
        be.linear_fwd(&mut q, &ln1, self.p(li.q_w), self.pb(li.q_b), d, c.q_dim())?;
        be.linear_fwd(&mut k, &ln1, self.p(li.k_w), self.pb(li.k_b), d, c.kv_dim())?;
        be.linear_fwd(&mut v, &ln1, self.p(li.v_w), self.pb(li.v_b), d, c.kv_dim())?;
        let q_pre = self.head_norm_fwd(&mut q, li.q_norm)?;
        let k_pre = self.head_norm_fwd(&mut k, li.k_norm)?;
        be.rope_fwd(&mut q, pos, c.num_heads, c.head_dim, inv_freq)?;
        be.rope_fwd(&mut k, pos, c.num_kv_heads, c.head_dim, inv_freq)?;
        let mut att = be.zeros(t * c.q_dim())?;
        let mut attn_saved = be.zeros(be.attention_saved_len(layout, sh))?;
        match cache {
            Some((kc, vc, rows)) => {
                be.scatter_rows(kc, rows, &k, c.kv_dim())?;
                be.scatter_rows(vc, rows, &v, c.kv_dim())?;
                be.attention_fwd(&mut att, &mut attn_saved, &q, kc, vc, layout, sh)?;
            }
            None => be.attention_fwd(&mut att, &mut attn_saved, &q, &k, &v, layout, sh)?,
        }
        let mut x_mid = be.zeros(t * d)?;
        be.linear_fwd(&mut x_mid, &att, self.p(li.o_w), None, c.q_dim(), d)?;
        be.add_assign(&mut x_mid, &x_in)?;
        let mut ln2 = be.zeros(t * d)?;
        let mut rstd2 = be.zeros(t)?;
        be.rmsnorm_fwd(
            &mut ln2,
            &mut rstd2,
            &x_mid,
            self.p(li.ln2),
            d,
            c.rms_norm_eps,
        )?;
        let f = c.intermediate_size;
        let mut gate = be.zeros(t * f)?;
        let mut up = be.zeros(t * f)?;
        be.linear_fwd(&mut gate, &ln2, self.p(li.gate), None, d, f)?;
        be.linear_fwd(&mut up, &ln2, self.p(li.up), None, d, f)?;
        let mut act = be.zeros(t * f)?;
        be.swiglu_fwd(&mut act, &gate, &up)?;
        Ok(LayerActs {
            x_in,
            ln1,
            rstd1,
            q,
            k,
            v,
            q_pre,
            k_pre,
            attn_saved,
            att,
            x_mid,
            ln2,
            rstd2,
            gate,
            up,
            act,
        })
    }

    /// Qwen3's per-head RMSNorm of `x` [T, H, hd] in place with weight `norm` (when the model
    /// has one); returns the input and its 1/rms per head row for backward.
    fn head_norm_fwd(
        &self,
        x: &mut B::Buf,
        norm: Option<usize>,
    ) -> Result<Option<(B::Buf, B::Buf)>> {
        let Some(w) = norm else {
            return Ok(None);
        };
        let be = &self.backend;
        let hd = self.cfg.head_dim;
        let n = be.len(x);
        let mut out = be.zeros(n)?;
        let mut rstd = be.zeros(n / hd)?;
        be.rmsnorm_fwd(&mut out, &mut rstd, x, self.p(w), hd, self.cfg.rms_norm_eps)?;
        Ok(Some((std::mem::replace(x, out), rstd)))
    }

    /// The layer's output x_out = x_mid + down(act).
    pub(super) fn layer_out(&self, li: &LayerIdx, a: &LayerActs<B>) -> Result<B::Buf> {
        let be = &self.backend;
        let d = self.cfg.hidden_size;
        let mut out = be.zeros(be.len(&a.x_mid))?;
        be.linear_fwd(
            &mut out,
            &a.act,
            self.p(li.down),
            None,
            self.cfg.intermediate_size,
            d,
        )?;
        be.add_assign(&mut out, &a.x_mid)?;
        Ok(out)
    }

    /// Final hidden states after the last norm: (x_final, normed, rstd) for packed `ids`.
    fn trunk(&self, ids: &[u32], pos: &[u32], layout: &AttnLayout, keep: bool) -> Result<Trunk<B>> {
        let be = &self.backend;
        let d = self.cfg.hidden_size;
        let mut x = be.zeros(ids.len() * d)?;
        be.embedding_fwd(&mut x, self.p(self.idx.embed), ids, d)?;
        let mut acts = Vec::new();
        let inv_freq = self.cfg.rope_inv_freq();
        for li in &self.idx.layers {
            let a = self.layer_fwd(li, x, pos, &inv_freq, layout, None)?;
            x = self.layer_out(li, &a)?;
            match (keep, self.recompute) {
                (false, _) => {}
                (true, false) => acts.push(Saved::Acts(a)),
                (true, true) => acts.push(Saved::Input(a.x_in)),
            }
        }
        let mut lnf = be.zeros(ids.len() * d)?;
        let mut rstdf = be.zeros(ids.len())?;
        be.rmsnorm_fwd(
            &mut lnf,
            &mut rstdf,
            &x,
            self.p(self.idx.norm),
            d,
            self.cfg.rms_norm_eps,
        )?;
        Ok((acts, x, lnf, rstdf))
    }

    fn forward_impl(
        &self,
        seqs: &[Vec<u32>],
        temperature: f32,
        keep: bool,
    ) -> Result<(TokenStats, Tape<B>)> {
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(TrainError::Input(format!(
                "temperature {temperature} must be positive"
            )));
        }
        let (ids, pos, lens) = pack(seqs, 2)?;
        let layout = AttnLayout::packed(&lens);
        let (layers, x_final, lnf, rstdf) = self.trunk(&ids, &pos, &layout, keep)?;
        let mut target_rows = Vec::with_capacity(ids.len());
        let mut targets = Vec::with_capacity(ids.len());
        for (s, &start) in layout.q_start.iter().enumerate() {
            for t in 0..lens[s] - 1 {
                target_rows.push(start + t);
                targets.push(ids[start + t + 1]);
            }
        }
        let be = &self.backend;
        let d = self.cfg.hidden_size;
        let mut h_sel = be.zeros(target_rows.len() * d)?;
        be.gather_rows(&mut h_sel, &lnf, &target_rows, d)?;
        let inv_temp = 1.0 / temperature;
        let (lp, ent) = be.logprob_entropy_fwd(
            &h_sel,
            self.p(self.head_index()),
            &targets,
            d,
            self.cfg.vocab_size,
            inv_temp,
        )?;
        let mut stats = TokenStats::default();
        let mut at = 0;
        for &l in &lens {
            stats.logprobs.push(lp[at..at + l - 1].to_vec());
            stats.entropy.push(ent[at..at + l - 1].to_vec());
            at += l - 1;
        }
        let tape = Tape {
            ids,
            pos,
            layout,
            lens,
            target_rows,
            targets,
            inv_temp,
            layers,
            x_final,
            rstdf,
            h_sel,
        };
        Ok((stats, tape))
    }

    /// Forward pass keeping activations; see the API note in [`crate::model`].
    pub fn forward(&self, seqs: &[Vec<u32>], temperature: f32) -> Result<(TokenStats, Tape<B>)> {
        self.forward_impl(seqs, temperature, true)
    }

    /// Per-token log-probs and entropies without keeping activations.
    pub fn score(&self, seqs: &[Vec<u32>], temperature: f32) -> Result<TokenStats> {
        Ok(self.forward_impl(seqs, temperature, false)?.0)
    }

    /// Full logits [len, vocab] of every position of every sequence (length >= 1).
    pub fn logits(&self, seqs: &[Vec<u32>]) -> Result<Vec<Vec<f32>>> {
        let (ids, pos, lens) = pack(seqs, 1)?;
        let layout = AttnLayout::packed(&lens);
        let (_, _, lnf, _) = self.trunk(&ids, &pos, &layout, false)?;
        let be = &self.backend;
        let v = self.cfg.vocab_size;
        let mut logits = be.zeros(ids.len() * v)?;
        be.linear_fwd(
            &mut logits,
            &lnf,
            self.p(self.head_index()),
            None,
            self.cfg.hidden_size,
            v,
        )?;
        let all = be.download(&logits)?;
        let mut out = Vec::with_capacity(lens.len());
        let mut at = 0;
        for l in lens {
            out.push(all[at * v..(at + l) * v].to_vec());
            at += l;
        }
        Ok(out)
    }

    /// Accumulates into the gradients d(loss)/d(param), given d(loss)/d(logprobs) and optionally
    /// d(loss)/d(entropy), shaped like the [`TokenStats`] of the forward that made `tape`.
    pub fn backward(
        &mut self,
        tape: Tape<B>,
        d_logprobs: &[Vec<f32>],
        d_entropy: Option<&[Vec<f32>]>,
    ) -> Result<()> {
        let flat = |x: &[Vec<f32>], what: &str| -> Result<Vec<f32>> {
            if x.len() != tape.lens.len()
                || x.iter().zip(&tape.lens).any(|(v, &l)| v.len() != l - 1)
            {
                return Err(TrainError::Shape(format!(
                    "{what} must match the forward's TokenStats"
                )));
            }
            Ok(x.concat())
        };
        let dlogp = flat(d_logprobs, "d_logprobs")?;
        let dent = d_entropy.map(|d| flat(d, "d_entropy")).transpose()?;
        if tape.layers.len() != self.idx.layers.len() {
            return Err(TrainError::Input(
                "backward needs a tape from forward(), not score()".into(),
            ));
        }
        // The gradients leave `self` while the body runs (it needs `&self` to recompute
        // layers) and come back whatever happens.
        let mut grads = std::mem::take(&mut self.grads);
        let done = self.backward_into(&mut grads, tape, &dlogp, dent.as_deref());
        self.grads = grads;
        done
    }

    /// [`Model::backward`]'s body, accumulating into `grads`.
    fn backward_into(
        &self,
        grads: &mut [B::Buf],
        tape: Tape<B>,
        dlogp: &[f32],
        dent: Option<&[f32]>,
    ) -> Result<()> {
        let Tape {
            ids,
            pos,
            layout,
            target_rows,
            targets,
            inv_temp,
            layers,
            x_final,
            rstdf,
            h_sel,
            ..
        } = tape;
        let be = self.backend.clone();
        let c = self.cfg.clone();
        let (t, d) = (ids.len(), c.hidden_size);
        let sh = self.attn_shape();
        let head = self.head_index();
        let params = &self.params;
        let p = |i: usize| &params[i].data;

        // Output layer: fused log-softmax backward into the selected rows, then the final norm.
        let mut dh_sel = be.zeros(target_rows.len() * d)?;
        be.logprob_entropy_bwd(
            &mut dh_sel,
            &mut grads[head],
            &h_sel,
            p(head),
            &targets,
            dlogp,
            dent,
            d,
            c.vocab_size,
            inv_temp,
        )?;
        let mut dlnf = be.zeros(t * d)?;
        be.scatter_rows(&mut dlnf, &target_rows, &dh_sel, d)?;
        let mut dx = be.zeros(t * d)?;
        be.rmsnorm_bwd(
            &mut dx,
            &mut grads[self.idx.norm],
            &dlnf,
            &x_final,
            p(self.idx.norm),
            &rstdf,
            d,
        )?;

        let inv_freq = c.rope_inv_freq();
        // Each layer's activations are dropped once its backward is done.
        for (li, saved) in self.idx.layers.iter().zip(layers).rev() {
            let a = match saved {
                Saved::Acts(a) => a,
                Saved::Input(x) => self.layer_fwd(li, x, &pos, &inv_freq, &layout, None)?,
            };
            let f = c.intermediate_size;
            // MLP: dx is d(loss)/d(x_out) = d/d(x_mid) through the residual.
            let mut dact = be.zeros(t * f)?;
            be.linear_bwd(
                Some(&mut dact),
                &mut grads[li.down],
                None,
                &dx,
                &a.act,
                p(li.down),
                f,
                d,
            )?;
            let mut dgate = be.zeros(t * f)?;
            let mut dup = be.zeros(t * f)?;
            be.swiglu_bwd(&mut dgate, &mut dup, &dact, &a.gate, &a.up)?;
            let mut dln2 = be.zeros(t * d)?;
            be.linear_bwd(
                Some(&mut dln2),
                &mut grads[li.gate],
                None,
                &dgate,
                &a.ln2,
                p(li.gate),
                d,
                f,
            )?;
            be.linear_bwd(
                Some(&mut dln2),
                &mut grads[li.up],
                None,
                &dup,
                &a.ln2,
                p(li.up),
                d,
                f,
            )?;
            be.rmsnorm_bwd(
                &mut dx,
                &mut grads[li.ln2],
                &dln2,
                &a.x_mid,
                p(li.ln2),
                &a.rstd2,
                d,
            )?;
            // Attention: dx is now d(loss)/d(x_mid) = d/d(x_in) through the residual.
            let mut datt = be.zeros(t * c.q_dim())?;
            be.linear_bwd(
                Some(&mut datt),
                &mut grads[li.o_w],
                None,
                &dx,
                &a.att,
                p(li.o_w),
                c.q_dim(),
                d,
            )?;
            let mut dq = be.zeros(t * c.q_dim())?;
            let mut dk = be.zeros(t * c.kv_dim())?;
            let mut dv = be.zeros(t * c.kv_dim())?;
            be.attention_bwd(
                &mut dq,
                &mut dk,
                &mut dv,
                &datt,
                &a.att,
                &a.attn_saved,
                &a.q,
                &a.k,
                &a.v,
                &layout,
                sh,
            )?;
            be.rope_bwd(&mut dq, &pos, c.num_heads, c.head_dim, &inv_freq)?;
            be.rope_bwd(&mut dk, &pos, c.num_kv_heads, c.head_dim, &inv_freq)?;
            // Qwen3's per-head q/k norms, backwards.
            for (dy, pre, norm) in [
                (&mut dq, &a.q_pre, li.q_norm),
                (&mut dk, &a.k_pre, li.k_norm),
            ] {
                if let (Some((x, rstd)), Some(w)) = (pre, norm) {
                    let mut dx_pre = be.zeros(be.len(dy))?;
                    be.rmsnorm_bwd(&mut dx_pre, &mut grads[w], dy, x, p(w), rstd, c.head_dim)?;
                    *dy = dx_pre;
                }
            }
            let mut dln1 = be.zeros(t * d)?;
            for (dy, w, b, n) in [
                (&dq, li.q_w, li.q_b, c.q_dim()),
                (&dk, li.k_w, li.k_b, c.kv_dim()),
                (&dv, li.v_w, li.v_b, c.kv_dim()),
            ] {
                let (gw, gb) = match b {
                    Some(b) => {
                        let (lo, hi) = grads.split_at_mut(b);
                        (&mut lo[w], Some(&mut hi[0]))
                    }
                    None => (&mut grads[w], None),
                };
                be.linear_bwd(Some(&mut dln1), gw, gb, dy, &a.ln1, p(w), d, n)?;
            }
            be.rmsnorm_bwd(
                &mut dx,
                &mut grads[li.ln1],
                &dln1,
                &a.x_in,
                p(li.ln1),
                &a.rstd1,
                d,
            )?;
        }
        be.embedding_bwd(&mut grads[self.idx.embed], &dx, &ids, d)?;
        Ok(())
    }
}
