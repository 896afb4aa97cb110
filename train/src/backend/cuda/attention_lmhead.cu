// The fused lm-head log-softmax kernels (appended to kernels.cu at compile time, so block_sum /
// block_max are in scope). Shapes as in the Backend trait. Attention is in
// flash_attention.cu.

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
