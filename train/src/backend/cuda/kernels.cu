// The CUDA backend's kernels, compiled once at start-up by NVRTC for the device's architecture
// (see device.rs). Each kernel mirrors one function of the CPU reference (src/backend/cpu);
// the shapes are given as in the Backend trait, row-major, f32. Backward kernels ADD into
// their gradient outputs, like the CPU backend. Simple first: one thread per element, or one
// block per row with a shared-memory reduction; atomics where rows scatter into shared rows.

#define BLOCK 256
// −∞ without math.h (NVRTC has no standard headers).
#define NEG_INF __int_as_float(0xff800000)

// Sum of `v` over the block (blockDim.x == BLOCK); every thread gets the result.
__device__ float block_sum(float v, float* sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = BLOCK / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    float r = sh[0];
    __syncthreads();
    return r;
}

__device__ double block_sum_d(double v, double* sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = BLOCK / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}

__device__ float block_max(float v, float* sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = BLOCK / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] = fmaxf(sh[threadIdx.x], sh[threadIdx.x + s]);
        __syncthreads();
    }
    float r = sh[0];
    __syncthreads();
    return r;
}

// ---- memory helpers ----

// dst[rows[i] * width + c] = src[i * width + c]; n = rows.len() * width.
extern "C" __global__ void scatter_rows(float* dst, const unsigned long long* rows,
                                        const float* src, unsigned long long width,
                                        unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    unsigned long long i = e / width, c = e % width;
    dst[rows[i] * width + c] = src[e];
}

// dst[i * width + c] = src[rows[i] * width + c].
extern "C" __global__ void gather_rows(float* dst, const float* src,
                                       const unsigned long long* rows,
                                       unsigned long long width, unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    unsigned long long i = e / width, c = e % width;
    dst[e] = src[rows[i] * width + c];
}

extern "C" __global__ void add_assign(float* dst, const float* src, unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e < n) dst[e] += src[e];
}

extern "C" __global__ void scale(float* buf, float s, unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e < n) buf[e] *= s;
}

// out[0] += Σ buf² in f64 (out zeroed by the caller); grid-stride, one atomic per block.
extern "C" __global__ void sum_squares(double* out, const float* buf, unsigned long long n) {
    __shared__ double sh[BLOCK];
    double acc = 0.0;
    for (unsigned long long e = blockIdx.x * (unsigned long long)BLOCK + threadIdx.x; e < n;
         e += (unsigned long long)gridDim.x * BLOCK) {
        double x = buf[e];
        acc += x * x;
    }
    acc = block_sum_d(acc, sh);
    if (threadIdx.x == 0) atomicAdd(out, acc);
}

// ---- embedding: out[T, D] = table[ids[t], :]; ids checked on the host ----
extern "C" __global__ void embedding_fwd(float* out, const float* table, const unsigned int* ids,
                                         unsigned long long dim, unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    unsigned long long t = e / dim, d = e % dim;
    out[e] = table[(unsigned long long)ids[t] * dim + d];
}

// dtable[ids[t], :] += dout[t, :] (atomics: a token can repeat).
extern "C" __global__ void embedding_bwd(float* dtable, const float* dout, const unsigned int* ids,
                                         unsigned long long dim, unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    unsigned long long t = e / dim, d = e % dim;
    atomicAdd(&dtable[(unsigned long long)ids[t] * dim + d], dout[e]);
}

// ---- RMSNorm, one block per row: out = x * rstd * w, rstd = 1/sqrt(mean(x²) + eps) ----
extern "C" __global__ void rmsnorm_fwd(float* out, float* rstd, const float* x, const float* w,
                                       int dim, float eps) {
    __shared__ float sh[BLOCK];
    const float* xr = x + (unsigned long long)blockIdx.x * dim;
    float* o = out + (unsigned long long)blockIdx.x * dim;
    float acc = 0.f;
    for (int i = threadIdx.x; i < dim; i += BLOCK) acc += xr[i] * xr[i];
    float ms = block_sum(acc, sh) / (float)dim;
    float s = 1.f / sqrtf(ms + eps);
    if (threadIdx.x == 0) rstd[blockIdx.x] = s;
    for (int i = threadIdx.x; i < dim; i += BLOCK) o[i] = xr[i] * s * w[i];
}

// dx += r (dout·w − x̂ mean(dout·w·x̂)), dw += dout·x̂ (atomics over rows), x̂ = x·r.
extern "C" __global__ void rmsnorm_bwd(float* dx, float* dw, const float* dout, const float* x,
                                       const float* w, const float* rstd, int dim) {
    __shared__ float sh[BLOCK];
    unsigned long long off = (unsigned long long)blockIdx.x * dim;
    float r = rstd[blockIdx.x];
    float acc = 0.f;
    for (int i = threadIdx.x; i < dim; i += BLOCK) {
        float xh = x[off + i] * r;
        acc += dout[off + i] * w[i] * xh;
        atomicAdd(&dw[i], dout[off + i] * xh);
    }
    float mean = block_sum(acc, sh) / (float)dim;
    for (int i = threadIdx.x; i < dim; i += BLOCK)
        dx[off + i] += r * (dout[off + i] * w[i] - x[off + i] * r * mean);
}

// ---- RoPE (rotate_half layout) in place on x[T, H, hd]; one thread per (t, h, i < hd/2) ----
// inv_freq[hd/2] = theta^(-2i/hd) comes from the host, computed by the CPU reference's code,
// so both backends rotate by the same f32 angle pos · inv_freq[i]. sign = 1 forward, −1 for
// the transposed rotation (backward).
extern "C" __global__ void rope(float* x, const unsigned int* pos, const float* inv_freq,
                                int heads, int head_dim, float sign, unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    int half = head_dim / 2;
    int i = (int)(e % half);
    unsigned long long th = e / half;  // t * heads + h
    unsigned long long t = th / heads;
    float a = (float)pos[t] * inv_freq[i];
    float sn = sinf(a) * sign, cs = cosf(a);
    float* hp = x + th * head_dim;
    float u = hp[i], v = hp[i + half];
    hp[i] = u * cs - v * sn;
    hp[i + half] = v * cs + u * sn;
}

// ---- SwiGLU: out = silu(gate) * up ----
__device__ float sigmoidf_(float x) { return 1.f / (1.f + expf(-x)); }

extern "C" __global__ void swiglu_fwd(float* out, const float* gate, const float* up,
                                      unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e < n) out[e] = gate[e] * sigmoidf_(gate[e]) * up[e];
}

extern "C" __global__ void swiglu_bwd(float* dgate, float* dup, const float* dout,
                                      const float* gate, const float* up, unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    float g = gate[e], s = sigmoidf_(g), d = dout[e];
    dup[e] += d * g * s;
    dgate[e] += d * up[e] * s * (1.f + g * (1.f - s));
}

// ---- linear bias: out[T, N] rows = b; db[N] += Σ_t dout[t, :] ----
extern "C" __global__ void broadcast_rows(float* out, const float* b, unsigned long long width,
                                          unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e < n) out[e] = b[e % width];
}

extern "C" __global__ void column_sum_add(float* db, const float* dout, unsigned long long rows,
                                          unsigned long long width) {
    unsigned long long c = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (c >= width) return;
    float acc = 0.f;
    for (unsigned long long r = 0; r < rows; r++) acc += dout[r * width + c];
    db[c] += acc;
}

// ---- AdamW (torch.optim.AdamW), with step_size = lr / bc1 and bc2_sqrt from the host ----
extern "C" __global__ void adamw(float* p, const float* g, float* m, float* v, float beta1,
                                 float beta2, float eps, float step_size, float bc2_sqrt,
                                 float decay, unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    float pe = p[e] * decay;
    float me = beta1 * m[e] + (1.f - beta1) * g[e];
    float ve = beta2 * v[e] + (1.f - beta2) * g[e] * g[e];
    m[e] = me;
    v[e] = ve;
    p[e] = pe - step_size * me / (sqrtf(ve) / bc2_sqrt + eps);
}

// ---- bf16 GEMM operands (gemm.rs): f32 rounded to the nearest bf16, ties to even ----
// bf16 is f32's top 16 bits. Adding 0x7fff plus the kept part's lowest bit before dropping the
// low 16 bits rounds to nearest with ties to even, and carries into the exponent where it
// must (the largest finite values round to infinity, as in IEEE). NaN stays a (quiet) NaN.
extern "C" __global__ void f32_to_bf16(unsigned short* out, const float* x, unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    unsigned int u = __float_as_uint(x[e]);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        out[e] = (unsigned short)((u >> 16) | 0x40u);
        return;
    }
    out[e] = (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
