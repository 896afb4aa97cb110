//! Host side of `flash_attention.cu`: the tables that tell each block which rows it owns, the
//! choice between the tiled forward and the decode kernels, and the launches (declared inside
//! `ops.rs`, after its `launch!` macro).
//!
//! Saved state: one log-sum-exp per (query row, head), `[layout.q_rows(), Hq]` floats, instead
//! of the `Hq · q_len · k_len` probabilities per sequence the CPU keeps. The backward
//! recomputes the probabilities tile by tile from it, with `D = rowsum(dO ∘ O)` in a
//! `[q rows, Hq]` scratch buffer.
//!
//! Which forward: the decode kernels (keys split in ranges of [`DECODE_SPLIT`] keys, a partial
//! softmax per range, then a combine) when every sequence has `q_len · (Hq / Hkv) <= 32`, i.e.
//! all its query rows and the group's heads fit one block's 32 query slots (q_len <= 4 at
//! Qwen2-0.5B's 14/2 heads, <= 5 at 1.5B's 12/2): a KV-cache decode step or a short verify.
//! Otherwise the tiled kernel (32 query rows per block, all keys up to the causal limit). Both
//! write the same `out` and log-sum-exps, so the backward does not care which ran.

use cudarc::driver::{CudaSlice, LaunchConfig, PushKernelArg};

use super::super::{be, blocks, grid_for, Cuda};
use crate::backend::{AttnLayout, AttnShape, Backend};
use crate::{Result, TrainError};

type Buf = CudaSlice<f32>;

/// `FA_HD`: the largest head_dim the kernels hold in shared memory and registers.
pub(crate) const HEAD_DIM_MAX: usize = 128;
/// `FA_R`: query rows per forward block; query slots (rows × group heads) per decode block.
const ROWS: usize = 32;
/// `FA_K`: keys per forward tile; decode ranges are whole tiles.
const KEYS: usize = 32;
/// `FA_B`: query rows and keys per backward tile.
const BWD: usize = 16;
/// Keys per decode range: 8 tiles. 256 sequences of 2,048 cached keys and 2 kv heads give
/// 4,096 blocks, enough to fill any GPU; a short cache gives one range per sequence.
pub(crate) const DECODE_SPLIT: usize = 8 * KEYS;

/// Whether [`Backend::attention_fwd`] takes the decode kernels for this layout (see the module
/// doc).
pub(crate) fn uses_decode(layout: &AttnLayout, sh: AttnShape) -> bool {
    let group = sh.q_heads / sh.kv_heads.max(1);
    layout.q_len.iter().all(|&q| q * group <= ROWS)
}

/// Query tiles of at most `rows` rows: per tile [first q row, rows, k start, k len, index of
/// the first query in its sequence, k len − q len].
pub(crate) fn query_tiles(layout: &AttnLayout, rows: usize) -> Vec<u64> {
    let mut t = Vec::new();
    for s in 0..layout.n_seqs() {
        let (ql, kl) = (layout.q_len[s], layout.k_len[s]);
        for i0 in (0..ql).step_by(rows) {
            let n = rows.min(ql - i0);
            let row = [
                layout.q_start[s] + i0,
                n,
                layout.k_start[s],
                kl,
                i0,
                kl - ql,
            ];
            t.extend(row.map(|x| x as u64));
        }
    }
    t
}

/// Key tiles of at most `keys` keys: per tile [first k row, keys, q start, q len, index of the
/// first key in its sequence, k len − q len].
pub(crate) fn key_tiles(layout: &AttnLayout, keys: usize) -> Vec<u64> {
    let mut t = Vec::new();
    for s in 0..layout.n_seqs() {
        let (ql, kl) = (layout.q_len[s], layout.k_len[s]);
        if ql == 0 {
            continue;
        }
        for j0 in (0..kl).step_by(keys) {
            let n = keys.min(kl - j0);
            let row = [
                layout.k_start[s] + j0,
                n,
                layout.q_start[s],
                ql,
                j0,
                kl - ql,
            ];
            t.extend(row.map(|x| x as u64));
        }
    }
    t
}

/// The decode kernels' tables: `items` (7 u64 each: [q start, q len, k start, k len, first
/// key, end key, partial offset]), one per (sequence, range of `split` keys); `rows` (5 u64
/// each: [q row, partial offset of the sequence's first item, its items, q len, i]), one per
/// query row; and the partial buffer's length in floats (per item, Hkv · q len · group
/// slots of hd + 2 floats: the unnormalized output, m and l).
pub(crate) struct DecodeTables {
    pub items: Vec<u64>,
    pub rows: Vec<u64>,
    pub partial: usize,
}

pub(crate) fn decode_tables(layout: &AttnLayout, sh: AttnShape, split: usize) -> DecodeTables {
    let group = sh.q_heads / sh.kv_heads;
    let (mut items, mut rows, mut off) = (Vec::new(), Vec::new(), 0usize);
    for s in 0..layout.n_seqs() {
        let (qs, ql, ks, kl) = (
            layout.q_start[s],
            layout.q_len[s],
            layout.k_start[s],
            layout.k_len[s],
        );
        if ql == 0 {
            continue;
        }
        let per = sh.kv_heads * ql * group * (sh.head_dim + 2);
        let first = off;
        let mut n = 0;
        for jb in (0..kl).step_by(split) {
            let item = [qs, ql, ks, kl, jb, (jb + split).min(kl), off];
            items.extend(item.map(|x| x as u64));
            off += per;
            n += 1;
        }
        for i in 0..ql {
            rows.extend([qs + i, first, n, ql, i].map(|x| x as u64));
        }
    }
    DecodeTables {
        items,
        rows,
        partial: off,
    }
}

fn int(x: usize, what: &str) -> Result<i32> {
    i32::try_from(x).map_err(|_| TrainError::Shape(format!("cuda attention: {what} {x} over i32")))
}

/// The shape arguments of every attention kernel: (Hq, Hkv, hd, scale). Fails on a head_dim
/// over [`HEAD_DIM_MAX`].
fn shape_args(sh: AttnShape) -> Result<(i32, i32, i32, f32)> {
    if sh.head_dim > HEAD_DIM_MAX {
        return Err(TrainError::Shape(format!(
            "cuda attention: head_dim {} over the kernels' {HEAD_DIM_MAX}",
            sh.head_dim
        )));
    }
    let scale = 1.0 / (sh.head_dim as f32).sqrt();
    Ok((
        int(sh.q_heads, "heads")?,
        int(sh.kv_heads, "kv heads")?,
        int(sh.head_dim, "head_dim")?,
        scale,
    ))
}

/// Forward into `out` and the log-sum-exps `lse` ([q rows, Hq]); buffers already checked
/// against the layout (`check::attention`).
#[allow(clippy::too_many_arguments)]
pub(super) fn forward(
    cu: &Cuda,
    out: &mut Buf,
    lse: &mut Buf,
    q: &Buf,
    k: &Buf,
    v: &Buf,
    layout: &AttnLayout,
    sh: AttnShape,
) -> Result<()> {
    let (hq, hkv, hd, scale) = shape_args(sh)?;
    let stream = cu.stream();
    if uses_decode(layout, sh) {
        let t = decode_tables(layout, sh, DECODE_SPLIT);
        let (items, rows) = (t.items.len() / 7, t.rows.len() / 5);
        if items == 0 {
            return Ok(());
        }
        let mut part = cu.zeros(t.partial)?;
        let items_dev = stream.clone_htod(&t.items).map_err(be("upload"))?;
        let rows_dev = stream.clone_htod(&t.rows).map_err(be("upload"))?;
        // SAFETY (both launches): the items and rows come from a layout validated against the
        // row counts of q, k and v (check::attention), so every q/k/v row they name exists;
        // each item's partial slots lie below t.partial, the length of `part`; out has q's
        // shape and lse [q_rows, Hq] (checked), and uses_decode bounds the slots by FA_R.
        launch!(
            cu,
            "flash_attn_decode",
            blocks(items, sh.kv_heads)?,
            &mut part,
            q,
            k,
            v,
            &items_dev,
            &hq,
            &hkv,
            &hd,
            &scale
        );
        launch!(
            cu,
            "flash_attn_combine",
            blocks(rows, sh.q_heads)?,
            out,
            lse,
            &part,
            &rows_dev,
            &hq,
            &hkv,
            &hd
        );
        return Ok(());
    }
    let tiles = query_tiles(layout, ROWS);
    let n = tiles.len() / 6;
    if n == 0 {
        return Ok(());
    }
    let tiles = stream.clone_htod(&tiles).map_err(be("upload"))?;
    // SAFETY: tiles from the validated layout (rows inside q, out and k/v), lse [q_rows, Hq];
    // head_dim <= FA_HD (shape_args), the size of the kernel's shared rows.
    launch!(
        cu,
        "flash_attn_fwd",
        blocks(n, sh.q_heads)?,
        out,
        lse,
        q,
        k,
        v,
        &tiles,
        &hq,
        &hkv,
        &hd,
        &scale
    );
    Ok(())
}

/// dq, dk, dv += the gradients, from dout, the forward's out and log-sum-exps; buffers already
/// checked (`check::attention_bwd`).
#[allow(clippy::too_many_arguments)]
pub(super) fn backward(
    cu: &Cuda,
    dq: &mut Buf,
    dk: &mut Buf,
    dv: &mut Buf,
    dout: &Buf,
    out: &Buf,
    lse: &Buf,
    q: &Buf,
    k: &Buf,
    v: &Buf,
    layout: &AttnLayout,
    sh: AttnShape,
) -> Result<()> {
    let (hq, hkv, hd, scale) = shape_args(sh)?;
    let qt = query_tiles(layout, BWD);
    let kt = key_tiles(layout, BWD);
    if qt.is_empty() {
        return Ok(());
    }
    let stream = cu.stream();
    let n = lse.len();
    let mut dsum = cu.zeros(n)?;
    let n64 = n as u64;
    // SAFETY: dout and out have q's shape and at least n = q_rows · Hq rows of hd floats
    // (checked); dsum has n floats.
    launch!(
        cu,
        "flash_attn_bwd_dot",
        grid_for(n)?,
        &mut dsum,
        dout,
        out,
        &hd,
        &n64
    );
    let (nq, nk) = (qt.len() / 6, kt.len() / 6);
    let qt = stream.clone_htod(&qt).map_err(be("upload"))?;
    let kt = stream.clone_htod(&kt).map_err(be("upload"))?;
    // SAFETY (both launches): tiles from the validated layout, lse and dsum [q_rows, Hq],
    // gradients shaped as q, k, v (checked); each block writes only its own rows of dq (query
    // tiles) or of dk and dv (key tiles, kv head), so no two blocks write one element.
    launch!(
        cu,
        "flash_attn_bwd_dq",
        blocks(nq, sh.q_heads)?,
        dq,
        dout,
        lse,
        &dsum,
        q,
        k,
        v,
        &qt,
        &hq,
        &hkv,
        &hd,
        &scale
    );
    launch!(
        cu,
        "flash_attn_bwd_dkdv",
        blocks(nk, sh.kv_heads)?,
        dk,
        dv,
        dout,
        lse,
        &dsum,
        q,
        k,
        v,
        &kt,
        &hq,
        &hkv,
        &hd,
        &scale
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(q_heads: usize, kv_heads: usize, head_dim: usize) -> AttnShape {
        AttnShape {
            q_heads,
            kv_heads,
            head_dim,
        }
    }

    #[test]
    fn tiles_cover_every_row_once() {
        let layout = AttnLayout {
            q_start: vec![0, 40, 40],
            q_len: vec![40, 0, 17],
            k_start: vec![0, 100, 200],
            k_len: vec![70, 5, 17],
        };
        let t = query_tiles(&layout, 16);
        let rows: Vec<u64> = t.chunks(6).flat_map(|r| r[0]..r[0] + r[1]).collect();
        assert_eq!(rows, (0..57).collect::<Vec<u64>>());
        // Sequence 0: three tiles, causal offset 30, first queries 0, 16, 32.
        assert_eq!(&t[..6], &[0, 16, 0, 70, 0, 30]);
        assert_eq!(&t[12..18], &[32, 8, 0, 70, 32, 30]);
        let k = key_tiles(&layout, 16);
        let keys: Vec<u64> = k.chunks(6).flat_map(|r| r[0]..r[0] + r[1]).collect();
        let want: Vec<u64> = (0..70).chain(200..217).collect();
        assert_eq!(keys, want, "a sequence without queries has no key tiles");
    }

    #[test]
    fn decode_ranges_and_rule() {
        let sh = shape(14, 2, 64);
        let layout = AttnLayout {
            q_start: vec![0, 1],
            q_len: vec![1, 4],
            k_start: vec![0, 4096],
            k_len: vec![600, 256],
        };
        assert!(uses_decode(&layout, sh), "4 rows x 7 heads fit 32 slots");
        let t = decode_tables(&layout, sh, DECODE_SPLIT);
        let items: Vec<&[u64]> = t.items.chunks(7).collect();
        // 600 keys: ranges [0, 256), [256, 512), [512, 600); 256 keys: one range.
        let ranges: Vec<(u64, u64)> = items.iter().map(|r| (r[4], r[5])).collect();
        assert_eq!(ranges, [(0, 256), (256, 512), (512, 600), (0, 256)]);
        let per0 = 2 * 7 * 66;
        assert_eq!(items[1][6], per0 as u64);
        assert_eq!(items[3][6], 3 * per0 as u64);
        assert_eq!(t.partial, 3 * per0 + 2 * 4 * 7 * 66);
        // Rows: sequence 1's 4 queries point at its one item.
        let rows: Vec<&[u64]> = t.rows.chunks(5).collect();
        assert_eq!(rows[0], &[0, 0, 3, 1, 0]);
        assert_eq!(rows[4], &[4, 3 * per0 as u64, 1, 4, 3]);
        let five = AttnLayout::packed(&[5]);
        assert!(
            !uses_decode(&five, sh),
            "5 rows x 7 heads: the tiled kernel"
        );
        assert!(uses_decode(&five, shape(4, 4, 64)));
    }
}
