// Causal grouped-query attention without the L² probabilities (appended after kernels.cu at
// compile time: BLOCK and NEG_INF come from there). Shapes as in the Backend trait: q, out
// [Tq, Hq, hd], k, v [Tk, Hkv, hd], head h reads kv head h / (Hq / Hkv); query i of a
// sequence (q_len queries, k_len keys) sees keys 0..=k_len − q_len + i.
//
// Forward (flash_attn_fwd): one block per (tile of FA_R query rows, head); K and V stream
// through shared memory FA_K keys at a time with an online softmax; saves lse = m + ln l per
// (query row, head) (the `saved` buffer: [q rows, Hq]). Backward recomputes the probabilities
// tile by tile from lse (FlashAttention-2): D = rowsum(dO ∘ O) (flash_attn_bwd_dot), then
// dS = P ∘ (dP − D), dq by query tiles (flash_attn_bwd_dq) and dk, dv by key tiles
// (flash_attn_bwd_dkdv), each block owning its output rows: no atomics, deterministic.
// Decode (flash_attn_decode + flash_attn_combine): few query rows per sequence, keys split in
// ranges of whole FA_K tiles, one block per (range, kv head) for all the group's query heads
// (K and V read once per group), partial (o, m, l) per range, then a combine per (row, head).
//
// Host tables (u64, built in ops.rs):
//   query tiles  [first q row, rows in tile, k start, k len, index of the first query in its
//                 sequence i0, causal offset k_len − q_len]
//   key tiles    [first k row, keys in tile, q start, q len, index of the first key j0, offset]
//   decode items [q start, q len, k start, k len, first key, end key, partial offset]
//   combine rows [q row, partial offset of the sequence's first item, items, q len, i]

#define FA_HD 128          // largest head_dim (Qwen2: 64 and 128); checked on the host
#define FA_HP (FA_HD + 1)  // row stride of the shared tiles: keys fall in different banks
#define FA_R 32            // query rows (decode: query slots) per forward block; 8 threads each
#define FA_K 32            // keys per forward tile
#define FA_B 16            // query rows and keys per backward tile; 16 threads each

// Online softmax of FA_R query slots (qs, rows past the tile zero) over the keys [jb, je) of a
// sequence whose key rows start at krow0, kv head g. Slot z sees key j iff j <= lim[z] (−1:
// none). Updates m (running max), l (running sum) and the thread's unnormalized output o: the
// thread owns slot threadIdx.x / 8 and columns threadIdx.x % 8 + 8 jj.
__device__ void fa_online(const float* k, const float* v, unsigned long long krow0,
                          unsigned long long kw, int g, int hd, unsigned long long jb,
                          unsigned long long je, float scale, float (*qs)[FA_HP],
                          float (*kv)[FA_HP], float (*s)[FA_K + 1], const long long* lim,
                          float* m, float* l, float* alpha, float* o) {
    int t = threadIdx.x, row = t / 8, lane = t % 8;
    unsigned long long hoff = (unsigned long long)g * hd;
    for (unsigned long long j0 = jb; j0 < je; j0 += FA_K) {
        int n = je - j0 < FA_K ? (int)(je - j0) : FA_K;
        for (int e = t; e < FA_K * hd; e += BLOCK) {
            int c = e / hd, d = e % hd;
            kv[c][d] = c < n ? k[(krow0 + j0 + c) * kw + hoff + d] : 0.f;
        }
        __syncthreads();
        for (int e = t; e < FA_R * FA_K; e += BLOCK) {
            int z = e / FA_K, c = e % FA_K;
            float x = NEG_INF;
            if (c < n && (long long)(j0 + c) <= lim[z]) {
                float acc = 0.f;
                for (int d = 0; d < hd; d++) acc += qs[z][d] * kv[c][d];
                x = acc * scale;
            }
            s[z][c] = x;
        }
        __syncthreads();
        if (t < FA_R) {
            float mx = m[t];
            for (int c = 0; c < n; c++) mx = fmaxf(mx, s[t][c]);
            // A slot that has seen no key yet keeps m = −∞, l = 0 (no 0 · ∞).
            float a = mx == NEG_INF ? 1.f : expf(m[t] - mx);
            float sum = 0.f;
            for (int c = 0; c < n; c++) {
                float p = mx == NEG_INF ? 0.f : expf(s[t][c] - mx);
                s[t][c] = p;
                sum += p;
            }
            m[t] = mx;
            l[t] = l[t] * a + sum;
            alpha[t] = a;
        }
        __syncthreads();
        for (int e = t; e < FA_K * hd; e += BLOCK) {
            int c = e / hd, d = e % hd;
            kv[c][d] = c < n ? v[(krow0 + j0 + c) * kw + hoff + d] : 0.f;
        }
        __syncthreads();
        float a = alpha[row];
        for (int jj = 0; jj < FA_HD / 8; jj++) {
            int d = lane + 8 * jj;
            if (d < hd) {
                float acc = o[jj] * a;
                for (int c = 0; c < n; c++) acc += s[row][c] * kv[c][d];
                o[jj] = acc;
            }
        }
        __syncthreads();
    }
}

// Forward: grid (query tiles of FA_R rows, Hq). out = softmax(q kᵀ · scale) v; lse[row, h].
extern "C" __global__ void flash_attn_fwd(float* out, float* lse, const float* q, const float* k,
                                          const float* v, const unsigned long long* tiles,
                                          int hq, int hkv, int hd, float scale) {
    __shared__ float qs[FA_R][FA_HP];
    __shared__ float kv[FA_K][FA_HP];
    __shared__ float s[FA_R][FA_K + 1];
    __shared__ float m[FA_R], l[FA_R], alpha[FA_R];
    __shared__ long long lim[FA_R];
    const unsigned long long* r = tiles + 6ull * blockIdx.x;
    unsigned long long q0 = r[0], nq = r[1], ks = r[2], i0 = r[4], off = r[5];
    int h = blockIdx.y, t = threadIdx.x;
    int g = h / (hq / hkv);
    unsigned long long qw = (unsigned long long)hq * hd, kw = (unsigned long long)hkv * hd;
    for (int e = t; e < FA_R * hd; e += BLOCK) {
        int z = e / hd, d = e % hd;
        qs[z][d] = z < (int)nq ? q[(q0 + z) * qw + (unsigned long long)h * hd + d] : 0.f;
    }
    if (t < FA_R) {
        m[t] = NEG_INF;
        l[t] = 0.f;
        lim[t] = t < (int)nq ? (long long)(off + i0 + t) : -1;
    }
    __syncthreads();
    float o[FA_HD / 8];
    for (int jj = 0; jj < FA_HD / 8; jj++) o[jj] = 0.f;
    // Keys up to the last one the tile's last query sees.
    fa_online(k, v, ks, kw, g, hd, 0, off + i0 + nq, scale, qs, kv, s, lim, m, l, alpha, o);
    int row = t / 8, lane = t % 8;
    if (row < (int)nq) {
        float inv = 1.f / l[row];
        unsigned long long at = (q0 + row) * qw + (unsigned long long)h * hd;
        for (int jj = 0; jj < FA_HD / 8; jj++) {
            int d = lane + 8 * jj;
            if (d < hd) out[at + d] = o[jj] * inv;
        }
        if (lane == 0) lse[(q0 + row) * hq + h] = m[row] + logf(l[row]);
    }
}

// Decode, part 1: grid (decode items, Hkv). Slot z = i · group + hg is query i of the
// sequence and head g · group + hg (q len · group <= FA_R, checked on the host). Writes per
// slot its unnormalized output over the item's keys, then m and l: hd + 2 floats at
// part[offset + (g · slots + z) · (hd + 2)].
extern "C" __global__ void flash_attn_decode(float* part, const float* q, const float* k,
                                             const float* v, const unsigned long long* items,
                                             int hq, int hkv, int hd, float scale) {
    __shared__ float qs[FA_R][FA_HP];
    __shared__ float kv[FA_K][FA_HP];
    __shared__ float s[FA_R][FA_K + 1];
    __shared__ float m[FA_R], l[FA_R], alpha[FA_R];
    __shared__ long long lim[FA_R];
    const unsigned long long* r = items + 7ull * blockIdx.x;
    unsigned long long qs0 = r[0], ql = r[1], ks = r[2], kl = r[3], jb = r[4], je = r[5];
    int g = blockIdx.y, t = threadIdx.x;
    int group = hq / hkv, slots = (int)ql * group;
    unsigned long long qw = (unsigned long long)hq * hd, kw = (unsigned long long)hkv * hd;
    for (int e = t; e < FA_R * hd; e += BLOCK) {
        int z = e / hd, d = e % hd;
        unsigned long long h = (unsigned long long)g * group + z % group;
        qs[z][d] = z < slots ? q[(qs0 + z / group) * qw + h * hd + d] : 0.f;
    }
    if (t < FA_R) {
        m[t] = NEG_INF;
        l[t] = 0.f;
        lim[t] = t < slots ? (long long)(kl - ql) + t / group : -1;
    }
    __syncthreads();
    float o[FA_HD / 8];
    for (int jj = 0; jj < FA_HD / 8; jj++) o[jj] = 0.f;
    fa_online(k, v, ks, kw, g, hd, jb, je, scale, qs, kv, s, lim, m, l, alpha, o);
    int row = t / 8, lane = t % 8;
    if (row < slots) {
        float* p = part + r[6] + ((unsigned long long)g * slots + row) * (hd + 2);
        for (int jj = 0; jj < FA_HD / 8; jj++) {
            int d = lane + 8 * jj;
            if (d < hd) p[d] = o[jj];
        }
        if (lane == 0) {
            p[hd] = m[row];
            p[hd + 1] = l[row];
        }
    }
}

// Decode, part 2: grid (query rows, Hq), threads over d. Merges the items' partials:
// M = max m, L = Σ l e^(m − M), out = Σ o e^(m − M) / L, lse = M + ln L. The first item holds
// key 0, which every query sees, so M is finite.
extern "C" __global__ void flash_attn_combine(float* out, float* lse, const float* part,
                                              const unsigned long long* rows, int hq, int hkv,
                                              int hd) {
    const unsigned long long* r = rows + 5ull * blockIdx.x;
    unsigned long long qrow = r[0], n = r[2], ql = r[3], i = r[4];
    int h = blockIdx.y;
    int group = hq / hkv, g = h / group;
    unsigned long long slots = ql * group, z = i * group + h % group;
    unsigned long long stride = (unsigned long long)hkv * slots * (hd + 2);
    const float* p = part + r[1] + ((unsigned long long)g * slots + z) * (hd + 2);
    float mx = NEG_INF;
    for (unsigned long long b = 0; b < n; b++) mx = fmaxf(mx, p[b * stride + hd]);
    float sum = 0.f;
    for (unsigned long long b = 0; b < n; b++) {
        float mb = p[b * stride + hd];
        if (mb != NEG_INF) sum += p[b * stride + hd + 1] * expf(mb - mx);
    }
    for (int d = threadIdx.x; d < hd; d += BLOCK) {
        float acc = 0.f;
        for (unsigned long long b = 0; b < n; b++) {
            float mb = p[b * stride + hd];
            if (mb != NEG_INF) acc += p[b * stride + d] * expf(mb - mx);
        }
        out[qrow * hq * hd + (unsigned long long)h * hd + d] = acc / sum;
    }
    if (threadIdx.x == 0) lse[qrow * hq + h] = mx + logf(sum);
}

// Backward, part 1: dsum[e] = Σ_d dout[e, d] · out[e, d] for each (row, head) e < n.
extern "C" __global__ void flash_attn_bwd_dot(float* dsum, const float* dout, const float* out,
                                              int hd, unsigned long long n) {
    unsigned long long e = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    const float* a = dout + e * hd;
    const float* b = out + e * hd;
    float acc = 0.f;
    for (int d = 0; d < hd; d++) acc += a[d] * b[d];
    dsum[e] = acc;
}

// Loads rows [r0, r0 + n) of head h of x (row width w) into sh, zeros past n.
__device__ void fa_load(float (*sh)[FA_HP], const float* x, unsigned long long r0, int n,
                        unsigned long long w, unsigned long long h, int hd) {
    for (int e = threadIdx.x; e < FA_B * hd; e += BLOCK) {
        int z = e / hd, d = e % hd;
        sh[z][d] = z < n ? x[(r0 + z) * w + h * hd + d] : 0.f;
    }
}

// Backward, dq: grid (query tiles of FA_B rows, Hq). Per key tile: P = exp(q kᵀ · scale − lse),
// dP = dO vᵀ, dS = P (dP − D); dq += dS k · scale. Thread: row t / 16, columns t % 16 + 16 jj.
extern "C" __global__ void flash_attn_bwd_dq(float* dq, const float* dout, const float* lse,
                                             const float* dsum, const float* q, const float* k,
                                             const float* v, const unsigned long long* tiles,
                                             int hq, int hkv, int hd, float scale) {
    __shared__ float qs[FA_B][FA_HP], dos[FA_B][FA_HP], kt[FA_B][FA_HP], vt[FA_B][FA_HP];
    __shared__ float ds[FA_B][FA_B + 1];
    const unsigned long long* r = tiles + 6ull * blockIdx.x;
    unsigned long long q0 = r[0], ks = r[2], i0 = r[4], off = r[5];
    int nq = (int)r[1], h = blockIdx.y, t = threadIdx.x;
    int g = h / (hq / hkv);
    unsigned long long qw = (unsigned long long)hq * hd, kw = (unsigned long long)hkv * hd;
    fa_load(qs, q, q0, nq, qw, h, hd);
    fa_load(dos, dout, q0, nq, qw, h, hd);
    int row = t / FA_B, col = t % FA_B;
    float lr = row < nq ? lse[(q0 + row) * hq + h] : 0.f;
    float dr = row < nq ? dsum[(q0 + row) * hq + h] : 0.f;
    long long lim = row < nq ? (long long)(off + i0 + row) : -1;
    float acc[FA_HD / FA_B];
    for (int jj = 0; jj < FA_HD / FA_B; jj++) acc[jj] = 0.f;
    unsigned long long je = off + i0 + nq;
    for (unsigned long long j0 = 0; j0 < je; j0 += FA_B) {
        int n = je - j0 < FA_B ? (int)(je - j0) : FA_B;
        fa_load(kt, k, ks + j0, n, kw, g, hd);
        fa_load(vt, v, ks + j0, n, kw, g, hd);
        __syncthreads();
        float x = 0.f;
        if (col < n && (long long)(j0 + col) <= lim) {
            float sc = 0.f, dp = 0.f;
            for (int d = 0; d < hd; d++) {
                sc += qs[row][d] * kt[col][d];
                dp += dos[row][d] * vt[col][d];
            }
            x = expf(sc * scale - lr) * (dp - dr);
        }
        ds[row][col] = x;
        __syncthreads();
        for (int jj = 0; jj < FA_HD / FA_B; jj++) {
            int d = col + FA_B * jj;
            if (d < hd)
                for (int c = 0; c < n; c++) acc[jj] += ds[row][c] * kt[c][d];
        }
        __syncthreads();
    }
    if (row < nq) {
        unsigned long long at = (q0 + row) * qw + (unsigned long long)h * hd;
        for (int jj = 0; jj < FA_HD / FA_B; jj++) {
            int d = col + FA_B * jj;
            if (d < hd) dq[at + d] += acc[jj] * scale;
        }
    }
}

// Backward, dk and dv: grid (key tiles of FA_B keys, Hkv). For each query head of the group
// and each tile of the queries that see the tile's keys: dv += Pᵀ dO, dk += dSᵀ q · scale.
// Thread: key t / 16, columns t % 16 + 16 jj.
extern "C" __global__ void flash_attn_bwd_dkdv(float* dk, float* dv, const float* dout,
                                               const float* lse, const float* dsum,
                                               const float* q, const float* k, const float* v,
                                               const unsigned long long* tiles, int hq, int hkv,
                                               int hd, float scale) {
    __shared__ float qs[FA_B][FA_HP], dos[FA_B][FA_HP], kt[FA_B][FA_HP], vt[FA_B][FA_HP];
    __shared__ float ps[FA_B][FA_B + 1], ds[FA_B][FA_B + 1];
    __shared__ float lq[FA_B], dl[FA_B];
    const unsigned long long* r = tiles + 6ull * blockIdx.x;
    unsigned long long k0 = r[0], qs0 = r[2], ql = r[3], j0 = r[4], off = r[5];
    int nk = (int)r[1], g = blockIdx.y, t = threadIdx.x;
    int group = hq / hkv;
    unsigned long long qw = (unsigned long long)hq * hd, kw = (unsigned long long)hkv * hd;
    fa_load(kt, k, k0, nk, kw, g, hd);
    fa_load(vt, v, k0, nk, kw, g, hd);
    int key = t / FA_B, col = t % FA_B;
    float ak[FA_HD / FA_B], av[FA_HD / FA_B];
    for (int jj = 0; jj < FA_HD / FA_B; jj++) ak[jj] = av[jj] = 0.f;
    // The first query that sees key j0.
    unsigned long long ib = j0 > off ? j0 - off : 0;
    for (int hg = 0; hg < group; hg++) {
        unsigned long long h = (unsigned long long)g * group + hg;
        for (unsigned long long i0 = ib; i0 < ql; i0 += FA_B) {
            int n = ql - i0 < FA_B ? (int)(ql - i0) : FA_B;
            __syncthreads();
            fa_load(qs, q, qs0 + i0, n, qw, h, hd);
            fa_load(dos, dout, qs0 + i0, n, qw, h, hd);
            if (t < n) {
                lq[t] = lse[(qs0 + i0 + t) * hq + h];
                dl[t] = dsum[(qs0 + i0 + t) * hq + h];
            }
            __syncthreads();
            // Entry (key, query col).
            float p = 0.f, x = 0.f;
            if (key < nk && col < n && j0 + key <= off + i0 + col) {
                float sc = 0.f, dp = 0.f;
                for (int d = 0; d < hd; d++) {
                    sc += kt[key][d] * qs[col][d];
                    dp += vt[key][d] * dos[col][d];
                }
                p = expf(sc * scale - lq[col]);
                x = p * (dp - dl[col]);
            }
            ps[key][col] = p;
            ds[key][col] = x;
            __syncthreads();
            for (int jj = 0; jj < FA_HD / FA_B; jj++) {
                int d = col + FA_B * jj;
                if (d < hd)
                    for (int c = 0; c < n; c++) {
                        av[jj] += ps[key][c] * dos[c][d];
                        ak[jj] += ds[key][c] * qs[c][d];
                    }
            }
        }
    }
    if (key < nk) {
        unsigned long long at = (k0 + key) * kw + (unsigned long long)g * hd;
        for (int jj = 0; jj < FA_HD / FA_B; jj++) {
            int d = col + FA_B * jj;
            if (d < hd) {
                dk[at + d] += ak[jj] * scale;
                dv[at + d] += av[jj];
            }
        }
    }
}
