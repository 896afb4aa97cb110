//! Finite-difference gradient checks of every backend operation, one test body run on every
//! available backend (`for_each_backend!`), plus the fast GEMM against the naive reference and
//! AdamW against its closed form.
//!
//! Each check draws random inputs, takes L = Σ r ⊙ forward(inputs) with a random r, runs the
//! backward with dout = r, and compares each input gradient with the central difference
//! (L(x + ε) − L(x − ε)) / 2ε, with L summed in f64. With ε = 1e-2 the difference is exact to
//! about 1e-5..1e-4 of the gradient's scale here (measured worst: 5e-5, the log-softmax at
//! temperature 0.7), so the bound is 1e-3 of max |gradient|: far below what any wrong term (a
//! missing factor, a transposed index) produces, which is O(1e-1) or more.

use rlvr_train::backend::cpu::gemm::{sgemm, sgemm_naive, Mat};
use rlvr_train::backend::{rope_inv_freq, AdamWStep, AttnLayout, AttnShape, Backend};
use rlvr_train::{for_each_backend, rng};

const EPS: f32 = 1e-2;
const TOL_REL: f64 = 1e-3;

fn rand_vec(seed: u64, n: usize, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|i| scale * rng::normal(&[seed, i as u64]) as f32)
        .collect()
}

/// Checks `analytic[i]` against finite differences of L(inputs) = Σ r · fwd(inputs) for every
/// input listed in `which`.
fn fd_check(
    name: &str,
    inputs: &[Vec<f32>],
    which: &[usize],
    analytic: &[Vec<f32>],
    loss: &dyn Fn(&[Vec<f32>]) -> f64,
) {
    for (k, &i) in which.iter().enumerate() {
        let mut x = inputs.to_vec();
        let scale = analytic[k]
            .iter()
            .map(|g| g.abs() as f64)
            .fold(1e-6, f64::max);
        let mut worst = 0f64;
        for j in 0..x[i].len() {
            let orig = x[i][j];
            x[i][j] = orig + EPS;
            let lp = loss(&x);
            x[i][j] = orig - EPS;
            let lm = loss(&x);
            x[i][j] = orig;
            let numeric = (lp - lm) / (2.0 * EPS as f64);
            let err = (numeric - analytic[k][j] as f64).abs() / scale;
            worst = worst.max(err);
            assert!(
                err < TOL_REL,
                "{name}: input {i} element {j}: analytic {} vs numeric {numeric} (scale {scale})",
                analytic[k][j]
            );
        }
        eprintln!("{name}: input {i}: worst relative error {worst:.1e}");
    }
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
}

#[test]
fn gemm_matches_naive_reference() {
    // The last three take the row-dot path for few rows (decoding) when b is transposed.
    let shapes = [
        (1, 1, 1),
        (3, 5, 7),
        (17, 33, 9),
        (64, 48, 80),
        (1, 576, 300),
        (5, 100, 700),
        (3, 37, 1000),
    ];
    for (m, k, n) in shapes {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = rand_vec(1, m * k, 1.0);
            let b = rand_vec(2, k * n, 1.0);
            let am = if ta {
                Mat::new(&a, k, m).t()
            } else {
                Mat::new(&a, m, k)
            };
            let bm = if tb {
                Mat::new(&b, n, k).t()
            } else {
                Mat::new(&b, k, n)
            };
            let mut c1 = rand_vec(3, m * n, 1.0);
            let mut c2 = c1.clone();
            sgemm(am, bm, &mut c1, 0.5, 2.0).expect("sgemm");
            sgemm_naive(am, bm, &mut c2, 0.5, 2.0).expect("naive");
            let d = c1
                .iter()
                .zip(&c2)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f32::max);
            assert!(
                d < 1e-4 * k as f32,
                "[{m},{k}]x[{k},{n}] ta={ta} tb={tb}: {d}"
            );
        }
    }
    let a = vec![0.0; 6];
    let mut c = vec![0.0; 4];
    assert!(sgemm(Mat::new(&a, 2, 3), Mat::new(&a, 2, 3), &mut c, 1.0, 0.0).is_err());
}

#[test]
fn embedding_gradient() {
    for_each_backend!(|b| {
        let (v, d) = (7, 5);
        let ids = [3u32, 0, 3, 6];
        let r = rand_vec(9, ids.len() * d, 1.0);
        let table = rand_vec(1, v * d, 1.0);
        let fwd = |x: &[Vec<f32>]| {
            let mut out = b.zeros(ids.len() * d).unwrap();
            b.embedding_fwd(&mut out, &b.upload(&x[0]).unwrap(), &ids, d)
                .unwrap();
            dot(&b.download(&out).unwrap(), &r)
        };
        let mut dt = b.zeros(v * d).unwrap();
        b.embedding_bwd(&mut dt, &b.upload(&r).unwrap(), &ids, d)
            .unwrap();
        fd_check(
            "embedding",
            &[table],
            &[0],
            &[b.download(&dt).unwrap()],
            &fwd,
        );
        let mut out = b.zeros(d).unwrap();
        assert!(b
            .embedding_fwd(
                &mut out,
                &b.upload(&rand_vec(1, v * d, 1.0)).unwrap(),
                &[7],
                d
            )
            .is_err());
    });
}

#[test]
fn rmsnorm_gradient() {
    for_each_backend!(|b| {
        let (t, d) = (3, 8);
        let r = rand_vec(9, t * d, 1.0);
        let inputs = [rand_vec(1, t * d, 1.0), rand_vec(2, d, 1.0)];
        let fwd = |x: &[Vec<f32>]| {
            let mut out = b.zeros(t * d).unwrap();
            let mut rstd = b.zeros(t).unwrap();
            b.rmsnorm_fwd(
                &mut out,
                &mut rstd,
                &b.upload(&x[0]).unwrap(),
                &b.upload(&x[1]).unwrap(),
                d,
                1e-6,
            )
            .unwrap();
            dot(&b.download(&out).unwrap(), &r)
        };
        let (x, w) = (b.upload(&inputs[0]).unwrap(), b.upload(&inputs[1]).unwrap());
        let mut out = b.zeros(t * d).unwrap();
        let mut rstd = b.zeros(t).unwrap();
        b.rmsnorm_fwd(&mut out, &mut rstd, &x, &w, d, 1e-6).unwrap();
        let mut dx = b.zeros(t * d).unwrap();
        let mut dw = b.zeros(d).unwrap();
        b.rmsnorm_bwd(&mut dx, &mut dw, &b.upload(&r).unwrap(), &x, &w, &rstd, d)
            .unwrap();
        let g = [b.download(&dx).unwrap(), b.download(&dw).unwrap()];
        fd_check("rmsnorm", &inputs, &[0, 1], &g, &fwd);
    });
}

#[test]
fn linear_gradient() {
    for_each_backend!(|b| {
        let (t, k, n) = (4, 6, 5);
        let r = rand_vec(9, t * n, 1.0);
        let inputs = [
            rand_vec(1, t * k, 1.0),
            rand_vec(2, n * k, 1.0),
            rand_vec(3, n, 1.0),
        ];
        let fwd = |x: &[Vec<f32>]| {
            let mut out = b.zeros(t * n).unwrap();
            let bias = b.upload(&x[2]).unwrap();
            b.linear_fwd(
                &mut out,
                &b.upload(&x[0]).unwrap(),
                &b.upload(&x[1]).unwrap(),
                Some(&bias),
                k,
                n,
            )
            .unwrap();
            dot(&b.download(&out).unwrap(), &r)
        };
        let (x, w) = (b.upload(&inputs[0]).unwrap(), b.upload(&inputs[1]).unwrap());
        let (mut dx, mut dw, mut db) = (
            b.zeros(t * k).unwrap(),
            b.zeros(n * k).unwrap(),
            b.zeros(n).unwrap(),
        );
        b.linear_bwd(
            Some(&mut dx),
            &mut dw,
            Some(&mut db),
            &b.upload(&r).unwrap(),
            &x,
            &w,
            k,
            n,
        )
        .unwrap();
        let g = [
            b.download(&dx).unwrap(),
            b.download(&dw).unwrap(),
            b.download(&db).unwrap(),
        ];
        fd_check("linear", &inputs, &[0, 1, 2], &g, &fwd);
    });
}

#[test]
fn rope_gradient_and_inverse() {
    for_each_backend!(|b| {
        let (t, h, hd) = (4, 2, 6);
        let pos = [0u32, 1, 5, 11];
        let r = rand_vec(9, t * h * hd, 1.0);
        let input = rand_vec(1, t * h * hd, 1.0);
        let fwd = |x: &[Vec<f32>]| {
            let mut y = b.upload(&x[0]).unwrap();
            b.rope_fwd(&mut y, &pos, h, hd, &rope_inv_freq(hd, 10000.0))
                .unwrap();
            dot(&b.download(&y).unwrap(), &r)
        };
        let mut g = b.upload(&r).unwrap();
        b.rope_bwd(&mut g, &pos, h, hd, &rope_inv_freq(hd, 10000.0))
            .unwrap();
        fd_check(
            "rope",
            std::slice::from_ref(&input),
            &[0],
            &[b.download(&g).unwrap()],
            &fwd,
        );
        // Position 0 is the identity; the backward undoes the forward (a rotation).
        let mut y = b.upload(&input).unwrap();
        b.rope_fwd(&mut y, &pos, h, hd, &rope_inv_freq(hd, 10000.0))
            .unwrap();
        let yh = b.download(&y).unwrap();
        assert_eq!(&yh[..h * hd], &input[..h * hd]);
        b.rope_bwd(&mut y, &pos, h, hd, &rope_inv_freq(hd, 10000.0))
            .unwrap();
        let back = b.download(&y).unwrap();
        assert!(back.iter().zip(&input).all(|(a, c)| (a - c).abs() < 1e-5));
    });
}

fn attention_case<B: Backend>(b: &B, name: &str, layout: AttnLayout, tq: usize, tk: usize) {
    let sh = AttnShape {
        q_heads: 4,
        kv_heads: 2,
        head_dim: 4,
    };
    let (qw, kw) = (sh.q_heads * sh.head_dim, sh.kv_heads * sh.head_dim);
    let r = rand_vec(9, tq * qw, 1.0);
    let inputs = [
        rand_vec(1, tq * qw, 1.0),
        rand_vec(2, tk * kw, 1.0),
        rand_vec(3, tk * kw, 1.0),
    ];
    let run = |x: &[Vec<f32>]| {
        let mut out = b.zeros(tq * qw).unwrap();
        let mut saved = b.zeros(b.attention_saved_len(&layout, sh)).unwrap();
        let (q, k, v) = (
            b.upload(&x[0]).unwrap(),
            b.upload(&x[1]).unwrap(),
            b.upload(&x[2]).unwrap(),
        );
        b.attention_fwd(&mut out, &mut saved, &q, &k, &v, &layout, sh)
            .unwrap();
        (out, saved, q, k, v)
    };
    let fwd = |x: &[Vec<f32>]| dot(&b.download(&run(x).0).unwrap(), &r);
    let (out, saved, q, k, v) = run(&inputs);
    let (mut dq, mut dk, mut dv) = (
        b.zeros(tq * qw).unwrap(),
        b.zeros(tk * kw).unwrap(),
        b.zeros(tk * kw).unwrap(),
    );
    b.attention_bwd(
        &mut dq,
        &mut dk,
        &mut dv,
        &b.upload(&r).unwrap(),
        &out,
        &saved,
        &q,
        &k,
        &v,
        &layout,
        sh,
    )
    .unwrap();
    let g = [
        b.download(&dq).unwrap(),
        b.download(&dk).unwrap(),
        b.download(&dv).unwrap(),
    ];
    fd_check(name, &inputs, &[0, 1, 2], &g, &fwd);
}

#[test]
fn attention_gradient() {
    for_each_backend!(|b| {
        // Two packed sequences attending to themselves (training).
        attention_case(&b, "attention packed", AttnLayout::packed(&[3, 5]), 8, 8);
        // Queries for the last tokens of cached sequences (decoding): 2 new of 5, 1 new of 3,
        // keys in a cache of capacity 6 per sequence.
        let layout = AttnLayout {
            q_start: vec![0, 2],
            q_len: vec![2, 1],
            k_start: vec![0, 6],
            k_len: vec![5, 3],
        };
        attention_case(&b, "attention cached", layout, 3, 12);
    });
}

#[test]
fn swiglu_gradient() {
    for_each_backend!(|b| {
        let n = 12;
        let r = rand_vec(9, n, 1.0);
        let inputs = [rand_vec(1, n, 2.0), rand_vec(2, n, 1.0)];
        let fwd = |x: &[Vec<f32>]| {
            let mut out = b.zeros(n).unwrap();
            b.swiglu_fwd(
                &mut out,
                &b.upload(&x[0]).unwrap(),
                &b.upload(&x[1]).unwrap(),
            )
            .unwrap();
            dot(&b.download(&out).unwrap(), &r)
        };
        let (mut dg, mut du) = (b.zeros(n).unwrap(), b.zeros(n).unwrap());
        let (g, u) = (b.upload(&inputs[0]).unwrap(), b.upload(&inputs[1]).unwrap());
        b.swiglu_bwd(&mut dg, &mut du, &b.upload(&r).unwrap(), &g, &u)
            .unwrap();
        let grads = [b.download(&dg).unwrap(), b.download(&du).unwrap()];
        fd_check("swiglu", &inputs, &[0, 1], &grads, &fwd);
    });
}

#[test]
fn logprob_entropy_gradient() {
    for_each_backend!(|b| {
        let (t, d, v) = (5, 6, 11);
        let targets = [0u32, 10, 3, 3, 7];
        let (rl, re) = (rand_vec(8, t, 1.0), rand_vec(9, t, 1.0));
        let inputs = [rand_vec(1, t * d, 1.0), rand_vec(2, v * d, 1.0)];
        for inv_temp in [1.0f32, 1.0 / 0.7] {
            let fwd = |x: &[Vec<f32>]| {
                let (lp, en) = b
                    .logprob_entropy_fwd(
                        &b.upload(&x[0]).unwrap(),
                        &b.upload(&x[1]).unwrap(),
                        &targets,
                        d,
                        v,
                        inv_temp,
                    )
                    .unwrap();
                dot(&lp, &rl) + dot(&en, &re)
            };
            let (h, w) = (b.upload(&inputs[0]).unwrap(), b.upload(&inputs[1]).unwrap());
            // The forward against a direct computation.
            let (lp, en) = b
                .logprob_entropy_fwd(&h, &w, &targets, d, v, inv_temp)
                .unwrap();
            for row in 0..t {
                let z: Vec<f64> = (0..v)
                    .map(|j| {
                        dot(
                            &inputs[0][row * d..(row + 1) * d],
                            &inputs[1][j * d..(j + 1) * d],
                        ) * inv_temp as f64
                    })
                    .collect();
                let lse = z.iter().map(|x| x.exp()).sum::<f64>().ln();
                let ent: f64 = z.iter().map(|x| -(x - lse).exp() * (x - lse)).sum();
                assert!((lp[row] as f64 - (z[targets[row] as usize] - lse)).abs() < 1e-5);
                assert!((en[row] as f64 - ent).abs() < 1e-5);
            }
            let (mut dh, mut dw) = (b.zeros(t * d).unwrap(), b.zeros(v * d).unwrap());
            b.logprob_entropy_bwd(
                &mut dh,
                &mut dw,
                &h,
                &w,
                &targets,
                &rl,
                Some(&re),
                d,
                v,
                inv_temp,
            )
            .unwrap();
            let g = [b.download(&dh).unwrap(), b.download(&dw).unwrap()];
            fd_check("logprob+entropy", &inputs, &[0, 1], &g, &fwd);
        }
        let h = b.upload(&inputs[0]).unwrap();
        let w = b.upload(&inputs[1]).unwrap();
        assert!(
            b.logprob_entropy_fwd(&h, &w, &[0, 1, 2, 3, 11], d, v, 1.0)
                .is_err(),
            "target out of vocab"
        );
    });
}

#[test]
fn adamw_matches_closed_form() {
    for_each_backend!(|b| {
        let n = 10;
        let p0 = rand_vec(1, n, 1.0);
        let g = rand_vec(2, n, 1.0);
        let (mut p, mut m, mut v) = (
            b.upload(&p0).unwrap(),
            b.zeros(n).unwrap(),
            b.zeros(n).unwrap(),
        );
        let gb = b.upload(&g).unwrap();
        let hp = |step| AdamWStep {
            lr: 0.1,
            beta1: 0.9,
            beta2: 0.99,
            eps: 1e-8,
            weight_decay: 0.1,
            step,
        };
        b.adamw(&mut p, &gb, &mut m, &mut v, &hp(1)).unwrap();
        b.adamw(&mut p, &gb, &mut m, &mut v, &hp(2)).unwrap();
        let got = b.download(&p).unwrap();
        for i in 0..n {
            // Two steps of torch.optim.AdamW with the same gradient, in f64.
            let (mut x, mut mm, mut vv) = (p0[i] as f64, 0f64, 0f64);
            for step in 1..=2 {
                x *= 1.0 - 0.1 * 0.1;
                mm = 0.9 * mm + 0.1 * g[i] as f64;
                vv = 0.99 * vv + 0.01 * (g[i] as f64).powi(2);
                let mh = mm / (1.0 - 0.9f64.powi(step));
                let denom = vv.sqrt() / (1.0 - 0.99f64.powi(step)).sqrt() + 1e-8;
                x -= 0.1 * mh / denom;
            }
            assert!(
                (got[i] as f64 - x).abs() < 1e-5,
                "element {i}: {} vs {x}",
                got[i]
            );
        }
    });
}
