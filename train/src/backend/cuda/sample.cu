// Sampling on the device: one block per row of logits [rows, vocab], the rule of sample.rs
// `sample_token`, without sorting the vocabulary. Appended after kernels.cu (BLOCK, NEG_INF,
// block_max, block_sum_d are in scope).
//
// The CPU sorts the row by logit, descending, ties by ascending index (f32 total_cmp), keeps
// the first top_k, then the shortest prefix whose probability reaches top_p, then walks that
// prefix for the inverse CDF. Here element j's place in that order is one 64-bit rank
//     r(j) = (~key(z_j) << 32) | j,
// key being the order-preserving integer encoding of the float (the order total_cmp uses), so
// ascending r is the CPU's sorted order, and "the first n elements" is {j : r(j) <= R} for a
// threshold R. Each rule is then a search for the smallest R whose prefix weight (a count, or
// a probability mass) passes a test (sample_search). Probabilities are the CPU's:
// q_j = exp(f64(logp_j)) with logp_j = f32((z_j − max) / T − ln Σ_i exp((z_i − max) / T)).
//
// Parity with the CPU: the same token, except when a cumulative mass lands within rounding of
// a boundary (top_p, or u · total in the inverse CDF). The CPU sums masses sequentially in
// sorted order and walks `target −= q`; here the normaliser is a block tree, and prefix masses
// are sums of per-thread partial sums by bin plus the bins already passed, so the f64 values
// compared differ from the CPU's in the last bits (relative ~1e-16 · log2(vocab)); exp on the
// device is within 1 ulp of the host's, so a log-prob can differ from the CPU's by one f32 ulp.
// Ties, top_k and greedy are resolved exactly as on the CPU.

#define SAMPLE_BINS 16
// sample_search's per-thread rows: the 16 bins, the count and the index sum of the range.
#define SAMPLE_ROWS (SAMPLE_BINS + 2)
static_assert(BLOCK == SAMPLE_BINS * SAMPLE_BINS, "sample_search's sums assume BLOCK 256");

// The element's place in the CPU's sorted order (see the top of this file).
__device__ unsigned long long sample_rank(float z, int j) {
    unsigned b = __float_as_uint(z);
    unsigned key = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
    return ((unsigned long long)(~key) << 32) | (unsigned)j;
}

// log p_j exactly as sample_token: ((z − max) in f32, then / T and − ln Σ in f64), to f32.
__device__ float sample_logp(float z, float mx, double temp, double norm) {
    return (float)((double)(z - mx) / temp - norm);
}

// The smallest rank R such that the weight W(R) of {j : r(j) <= min(R, limit)} passes the
// test W >= target (W > target if `strict`), where target = a + b · W(limit) and the weight
// of j is 1 (mass = 0) or q_j (mass = 1). Returns 0, R untouched, when W(limit) itself fails.
//
// R is fixed 4 bits per pass from the top: the key's 8 nibbles, then the index's nibbles from
// the highest one vocab − 1 uses. Each pass sums, over the elements still in range [lo, hi]
// (and <= limit), their weight by next digit into 16 bins, their count and the sum of their
// indices + 1: every thread into its own column of h (no atomics), then per row 16 partial
// sums of 16 columns and their sum, in a fixed order, so the result is deterministic. The
// first bin whose cumulative weight (the weight before the range, plus the bins before it)
// passes is kept. If rounding makes no bin pass (a sum regrouped across passes), the last bin
// of positive weight is kept: never an empty range. A range down to one element is the answer
// (its index is the index sum − 1), which ends most searches after a few passes.
// h: SAMPLE_ROWS · BLOCK doubles of shared memory; tot: SAMPLE_ROWS. Every thread takes the
// same decisions from the same shared sums, so the block stays uniform.
__device__ int sample_search(const float* z, int vocab, float mx, double temp, double norm,
                             int mass, unsigned long long limit, double a, double b,
                             int strict, double* h, double* tot, unsigned long long* found) {
    int top = 0;
    while (top < 28 && ((unsigned)(vocab - 1) >> (top + 4)) != 0) top += 4;
    unsigned long long lo = 0, hi = ~0ull;
    double base = 0.0, target = 0.0;
    for (int shift = 60; shift >= 0; shift -= 4) {
        if (shift < 32 && shift > top) continue;
        for (int d = 0; d < SAMPLE_ROWS; d++) h[d * BLOCK + threadIdx.x] = 0.0;
        for (int j = threadIdx.x; j < vocab; j += BLOCK) {
            unsigned long long r = sample_rank(z[j], j);
            if (r < lo || r > hi || r > limit) continue;
            double w = mass ? exp((double)sample_logp(z[j], mx, temp, norm)) : 1.0;
            h[((r >> shift) & (SAMPLE_BINS - 1)) * BLOCK + threadIdx.x] += w;
            h[SAMPLE_BINS * BLOCK + threadIdx.x] += 1.0;
            h[(SAMPLE_BINS + 1) * BLOCK + threadIdx.x] += (double)j + 1.0;
        }
        __syncthreads();
        for (int i = threadIdx.x; i < SAMPLE_ROWS * SAMPLE_BINS; i += BLOCK) {
            double* c = h + (i / SAMPLE_BINS) * BLOCK + (i % SAMPLE_BINS) * SAMPLE_BINS;
            double acc = 0.0;
            for (int k = 0; k < SAMPLE_BINS; k++) acc += c[k];
            c[0] = acc;
        }
        __syncthreads();
        if (threadIdx.x < SAMPLE_ROWS) {
            const double* c = h + threadIdx.x * BLOCK;
            double acc = 0.0;
            for (int s = 0; s < SAMPLE_BINS; s++) acc += c[s * SAMPLE_BINS];
            tot[threadIdx.x] = acc;
        }
        __syncthreads();
        // tot is rewritten two barriers into the next pass, after every thread read it here.
        if (shift == 60) {
            double all = 0.0;
            for (int d = 0; d < SAMPLE_BINS; d++) all += tot[d];
            target = a + b * all;
            if (!(strict ? all > target : all >= target)) return 0;
        }
        if (tot[SAMPLE_BINS] == 1.0) {
            int j = (int)tot[SAMPLE_BINS + 1] - 1;
            *found = sample_rank(z[j], j);
            return 1;
        }
        int pick = -1, last = 0;
        double cum = base, before = base, before_last = base;
        for (int d = 0; d < SAMPLE_BINS; d++) {
            if (tot[d] > 0.0) {
                last = d;
                before_last = cum;
            }
            double next = cum + tot[d];
            if (strict ? next > target : next >= target) {
                pick = d;
                before = cum;
                break;
            }
            cum = next;
        }
        if (pick < 0) {
            pick = last;
            before = before_last;
        }
        base = before;
        lo += (unsigned long long)pick << shift;
        hi = lo + ((1ull << shift) - 1);
    }
    *found = lo;
    return 1;
}

// One block per row: tokens[row], logprobs[row] for logits[row, :] and the row's uniform draw
// u in [0, 1), by sample_token's rule: temperature <= 0 is greedy (argmax, lowest index on
// ties, log-prob at temperature 1); otherwise keep the first top_k (0 = all) in sorted order,
// then the shortest prefix of mass >= top_p (all kept if none reaches it; top_p >= 1 = off),
// and return the first element whose cumulative mass exceeds u · (kept mass), or the last
// kept one if rounding leaves none. The log-prob is of the untruncated distribution at T.
extern "C" __global__ void sample_rows(const float* logits, const double* uniforms,
                                       unsigned int* tokens, float* logprobs, int vocab,
                                       float temperature, float top_p, int top_k) {
    __shared__ float shf[BLOCK];
    __shared__ int shi[BLOCK];
    __shared__ double shd[BLOCK];
    __shared__ double h[SAMPLE_ROWS * BLOCK];
    __shared__ double tot[SAMPLE_ROWS];
    const float* z = logits + (unsigned long long)blockIdx.x * vocab;
    int greedy = !(temperature > 0.f);
    double temp = greedy ? 1.0 : (double)temperature;
    float mx = NEG_INF;
    for (int j = threadIdx.x; j < vocab; j += BLOCK) mx = fmaxf(mx, z[j]);
    mx = block_max(mx, shf);
    double s = 0.0;
    for (int j = threadIdx.x; j < vocab; j += BLOCK) s += exp((double)(z[j] - mx) / temp);
    double norm = log(block_sum_d(s, shd));
    unsigned long long pick = 0;
    if (greedy) {
        // Each thread's first maximum (its indices ascend), then a tree keeping the larger
        // value and, on equal values, the lower index: the CPU's first index of the maximum.
        int bi = threadIdx.x < vocab ? (int)threadIdx.x : 0x7fffffff;
        float bv = threadIdx.x < vocab ? z[threadIdx.x] : NEG_INF;
        for (int j = threadIdx.x + BLOCK; j < vocab; j += BLOCK)
            if (z[j] > bv) {
                bv = z[j];
                bi = j;
            }
        shf[threadIdx.x] = bv;
        shi[threadIdx.x] = bi;
        __syncthreads();
        for (int st = BLOCK / 2; st > 0; st >>= 1) {
            if (threadIdx.x < st) {
                float ov = shf[threadIdx.x + st];
                int oi = shi[threadIdx.x + st];
                if (ov > shf[threadIdx.x] || (ov == shf[threadIdx.x] && oi < shi[threadIdx.x])) {
                    shf[threadIdx.x] = ov;
                    shi[threadIdx.x] = oi;
                }
            }
            __syncthreads();
        }
        pick = (unsigned long long)shi[0];
    } else {
        unsigned long long limit = ~0ull, r = 0;
        if (top_k > 0 && top_k < vocab &&
            sample_search(z, vocab, mx, temp, norm, 0, limit, (double)top_k, 0.0, 0, h, tot, &r))
            limit = r;
        if (top_p < 1.f &&
            sample_search(z, vocab, mx, temp, norm, 1, limit, (double)top_p, 0.0, 0, h, tot, &r))
            limit = r;
        if (!sample_search(z, vocab, mx, temp, norm, 1, limit, 0.0, uniforms[blockIdx.x], 1, h,
                           tot, &pick)) {
            // u · total rounded up to total: the CPU's fallback, the last kept element.
            if (limit == ~0ull)
                sample_search(z, vocab, mx, temp, norm, 0, limit, (double)vocab, 0.0, 0, h, tot,
                              &limit);
            pick = limit;
        }
    }
    if (threadIdx.x == 0) {
        unsigned j = (unsigned)(pick & 0xffffffffull);
        tokens[blockIdx.x] = j;
        logprobs[blockIdx.x] = sample_logp(z[j], mx, temp, norm);
    }
}
