// Attention and the fused lm-head log-softmax kernels (appended to kernels.cu at compile time,
// so block_sum / block_max are in scope). Shapes as in the Backend trait.

// One block per (work row, query head): grid (rows, Hq). `rows` holds 6 u64 per work row,
// built on the host from the AttnLayout: [q row, k start, k len, last key, probs offset of
// head 0's row, probs stride between heads (q_len * k_len)]. Scores, softmax and the weighted
// sum of v, exactly as cpu/attention.rs: p[j] = softmax_j(q·k_j · scale) for j <= last, 0 after.
extern "C" __global__ void attention_fwd(float* out, float* probs, const float* q,
                                         const float* k, const float* v,
                                         const unsigned long long* rows, int hq, int hkv,
                                         int hd, float scale) {
    __shared__ float sh[BLOCK];
    const unsigned long long* r = rows + 6ull * blockIdx.x;
    unsigned long long qrow = r[0], ks = r[1], kl = r[2], last = r[3];
    int h = blockIdx.y;
    int g = h / (hq / hkv);
    unsigned long long qw = (unsigned long long)hq * hd, kw = (unsigned long long)hkv * hd;
    const float* qi = q + qrow * qw + (unsigned long long)h * hd;
    float* p = probs + r[4] + (unsigned long long)h * r[5];
    float mx = NEG_INF;
    for (unsigned long long j = threadIdx.x; j <= last; j += BLOCK) {
        const float* kj = k + (ks + j) * kw + (unsigned long long)g * hd;
        float s = 0.f;
        for (int d = 0; d < hd; d++) s += qi[d] * kj[d];
        s *= scale;
        p[j] = s;
        mx = fmaxf(mx, s);
    }
    mx = block_max(mx, sh);
    float acc = 0.f;
    for (unsigned long long j = threadIdx.x; j <= last; j += BLOCK) {
        float e = expf(p[j] - mx);
        p[j] = e;
        acc += e;
    }
    float sum = block_sum(acc, sh);
    for (unsigned long long j = threadIdx.x; j < kl; j += BLOCK) p[j] = j <= last ? p[j] / sum : 0.f;
    __syncthreads();
    for (int d = threadIdx.x; d < hd; d += BLOCK) {
        float o = 0.f;
        for (unsigned long long j = 0; j <= last; j++) o += p[j] * v[(ks + j) * kw + (unsigned long long)g * hd + d];
        out[qrow * qw + (unsigned long long)h * hd + d] = o;
    }
}

// Backward, part 1. Same grid and rows as attention_fwd. ds: scratch of the probs' size.
// Per (query row, head): dp_j = dout·v_j, ds_j = p_j (dp_j − Σ_j p_j dp_j) · scale (kept in
// ds for part 2), dq += Σ_j ds_j k_j (this block alone owns the row, so no atomics).
extern "C" __global__ void attention_bwd_q(float* dq, float* ds, const float* dout,
                                           const float* probs, const float* k, const float* v,
                                           const unsigned long long* rows, int hq, int hkv,
                                           int hd, float scale) {
    __shared__ float sh[BLOCK];
    const unsigned long long* r = rows + 6ull * blockIdx.x;
    unsigned long long qrow = r[0], ks = r[1], last = r[3];
    int h = blockIdx.y;
    int g = h / (hq / hkv);
    unsigned long long qw = (unsigned long long)hq * hd, kw = (unsigned long long)hkv * hd;
    unsigned long long qo = qrow * qw + (unsigned long long)h * hd;
    const float* p = probs + r[4] + (unsigned long long)h * r[5];
    float* dsr = ds + r[4] + (unsigned long long)h * r[5];
    float acc = 0.f;
    for (unsigned long long j = threadIdx.x; j <= last; j += BLOCK) {
        const float* vj = v + (ks + j) * kw + (unsigned long long)g * hd;
        float dp = 0.f;
        for (int d = 0; d < hd; d++) dp += dout[qo + d] * vj[d];
        dsr[j] = dp;
        acc += p[j] * dp;
    }
    float sum = block_sum(acc, sh);
    for (unsigned long long j = threadIdx.x; j <= last; j += BLOCK) dsr[j] = p[j] * (dsr[j] - sum) * scale;
    __syncthreads();
    for (int d = threadIdx.x; d < hd; d += BLOCK) {
        float a = 0.f;
        for (unsigned long long j = 0; j <= last; j++) a += dsr[j] * k[(ks + j) * kw + (unsigned long long)g * hd + d];
        dq[qo + d] += a;
    }
}

// Backward, part 2: one block per (key row, kv head), grid (key rows, Hkv); threads over d.
// `krows` holds 7 u64 per key row, built on the host: [k row, q start, q len, k len, key
// index j, first query attending to it i0 = max(0, j − (k_len − q_len)), probs offset of the
// sequence].
// dk_j += Σ_{h in group} Σ_{i >= i0} ds[h, i, j] q_i ; dv_j += Σ p[h, i, j] dout_i. Each
// block owns its (key row, kv head): no atomics, deterministic.
extern "C" __global__ void attention_bwd_kv(float* dk, float* dv, const float* ds,
                                            const float* dout, const float* probs,
                                            const float* q, const unsigned long long* krows,
                                            int hq, int hkv, int hd) {
    const unsigned long long* r = krows + 7ull * blockIdx.x;
    unsigned long long krow = r[0], qs = r[1], ql = r[2], kl = r[3], j = r[4], i0 = r[5];
    unsigned long long base = r[6];
    int g = blockIdx.y;
    int group = hq / hkv;
    unsigned long long qw = (unsigned long long)hq * hd, kw = (unsigned long long)hkv * hd;
    for (int d = threadIdx.x; d < hd; d += BLOCK) {
        float ak = 0.f, av = 0.f;
        for (int hg = 0; hg < group; hg++) {
            int h = g * group + hg;
            unsigned long long hb = base + (unsigned long long)h * ql * kl;
            for (unsigned long long i = i0; i < ql; i++) {
                unsigned long long at = hb + i * kl + j;
                unsigned long long qo = (qs + i) * qw + (unsigned long long)h * hd + d;
                ak += ds[at] * q[qo];
                av += probs[at] * dout[qo];
            }
        }
        unsigned long long o = krow * kw + (unsigned long long)g * hd + d;
        dk[o] += ak;
        dv[o] += av;
    }
}

// One block per row of a chunk of logits z[n, V] (z = h · wᵀ from cuBLAS). Rewrites the row as
// z' = z · inv_temp − max, returns (ln Σ exp z', Σ e·z' / Σ e) with sums in f64, as
// cpu/lmhead.rs shifted_lse_entropy.
__device__ void row_lse_entropy(float* zr, int vocab, float inv_temp, float* shf, double* shd,
                                float* lse_out, float* ent_out) {
    float mx = NEG_INF;
    for (int j = threadIdx.x; j < vocab; j += BLOCK) {
        float x = zr[j] * inv_temp;
        zr[j] = x;
        mx = fmaxf(mx, x);
    }
    mx = block_max(mx, shf);
    double s = 0.0, zs = 0.0;
    for (int j = threadIdx.x; j < vocab; j += BLOCK) {
        float x = zr[j] - mx;
        zr[j] = x;
        double e = (double)expf(x);
        s += e;
        zs += e * (double)x;
    }
    s = block_sum_d(s, shd);
    zs = block_sum_d(zs, shd);
    double lse = log(s);
    *lse_out = (float)lse;
    *ent_out = (float)(lse - zs / s);
}

// logp[row0 + r] = z'[target] − lse, ent[row0 + r] = H.
extern "C" __global__ void lse_entropy_fwd(float* z, float* logp, float* ent,
                                           const unsigned int* targets, unsigned long long row0,
                                           int vocab, float inv_temp) {
    __shared__ float shf[BLOCK];
    __shared__ double shd[BLOCK];
    float* zr = z + (unsigned long long)blockIdx.x * vocab;
    float lse, h;
    row_lse_entropy(zr, vocab, inv_temp, shf, shd, &lse, &h);
    if (threadIdx.x == 0) {
        unsigned long long t = row0 + blockIdx.x;
        logp[t] = zr[targets[t]] - lse;
        ent[t] = h;
    }
}

// Rewrites each row into dz_j = inv_temp (dlogp (1[j = target] − p_j) − dent p_j (log p_j + H)).
// dent may be null (has_dent = 0).
extern "C" __global__ void lse_entropy_bwd(float* z, const unsigned int* targets,
                                           const float* dlogp, const float* dent, int has_dent,
                                           unsigned long long row0, int vocab, float inv_temp) {
    __shared__ float shf[BLOCK];
    __shared__ double shd[BLOCK];
    float* zr = z + (unsigned long long)blockIdx.x * vocab;
    float lse, h;
    row_lse_entropy(zr, vocab, inv_temp, shf, shd, &lse, &h);
    unsigned long long t = row0 + blockIdx.x;
    float gl = dlogp[t];
    float ge = has_dent ? dent[t] : 0.f;
    for (int j = threadIdx.x; j < vocab; j += BLOCK) {
        float lp = zr[j] - lse;
        float p = expf(lp);
        zr[j] = inv_temp * (-gl * p - ge * p * (lp + h));
    }
    __syncthreads();
    if (threadIdx.x == 0) zr[targets[t]] += inv_temp * gl;
}
