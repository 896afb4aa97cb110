// Checks the flash attention kernels (flash_attention.cu) on the CPU emulator: the forward and
// the decode kernels against softmax(q kᵀ / sqrt(hd)) v and its log-sum-exp in double, the
// backward against the same formula's gradient in double (every element) and its central
// differences (a spread subset of elements). Host tables built exactly as flash.rs builds them.
#include "common.h"

struct Layout { std::vector<u64> qs, ql, ks, kl; };
struct Shape { int hq, hkv, hd; };
typedef std::vector<double> Vd;

static u64 q_rows(const Layout& L) { u64 r = 0; for (size_t s = 0; s < L.qs.size(); s++) r = std::max(r, L.qs[s] + L.ql[s]); return r; }

// Per (sequence, head, query): probabilities over keys 0..=last, in double; calls f(s, h, g,
// row, p, last) for each.
template <class F> static void each_row(const Layout& L, Shape S, const Vd& q, const Vd& k, F f) {
    double sc = 1 / sqrt((double)S.hd);
    u64 qw = S.hq * S.hd, kw = S.hkv * S.hd;
    for (size_t s = 0; s < L.qs.size(); s++)
        for (int h = 0; h < S.hq; h++) {
            int g = h / (S.hq / S.hkv);
            for (u64 i = 0; i < L.ql[s]; i++) {
                u64 last = L.kl[s] - L.ql[s] + i, row = L.qs[s] + i;
                Vd p(last + 1);
                double mx = -1e300, sum = 0;
                for (u64 j = 0; j <= last; j++) {
                    double d = 0;
                    for (int e = 0; e < S.hd; e++) d += q[row * qw + h * S.hd + e] * k[(L.ks[s] + j) * kw + g * S.hd + e];
                    p[j] = d * sc; mx = fmax(mx, p[j]);
                }
                for (auto& x : p) { x = exp(x - mx); sum += x; }
                for (auto& x : p) x /= sum;
                f(s, h, g, row, p, last, mx + log(sum));
            }
        }
}

// out and lse (rows not in the layout: 0).
static void naive(const Layout& L, Shape S, const Vd& q, const Vd& k, const Vd& v, size_t tq, Vd& out, Vd& lse) {
    out.assign(tq * S.hq * S.hd, 0); lse.assign(tq * S.hq, 0);
    u64 qw = S.hq * S.hd, kw = S.hkv * S.hd;
    each_row(L, S, q, k, [&](size_t s, int h, int g, u64 row, const Vd& p, u64 last, double ls) {
        for (int e = 0; e < S.hd; e++) {
            double o = 0;
            for (u64 j = 0; j <= last; j++) o += p[j] * v[(L.ks[s] + j) * kw + g * S.hd + e];
            out[row * qw + h * S.hd + e] = o;
        }
        lse[row * S.hq + h] = ls;
    });
}

// Gradient of Σ out ∘ r in double: dp = r·v, ds = p (dp − Σ p dp).
static void naive_grad(const Layout& L, Shape S, const Vd& q, const Vd& k, const Vd& v, const Vd& r, Vd& dq, Vd& dk, Vd& dv) {
    double sc = 1 / sqrt((double)S.hd);
    u64 qw = S.hq * S.hd, kw = S.hkv * S.hd;
    dq.assign(q.size(), 0); dk.assign(k.size(), 0); dv.assign(v.size(), 0);
    each_row(L, S, q, k, [&](size_t s, int h, int g, u64 row, const Vd& p, u64 last, double) {
        Vd dp(last + 1); double D = 0;
        for (u64 j = 0; j <= last; j++) {
            u64 kj = (L.ks[s] + j) * kw + g * S.hd;
            for (int e = 0; e < S.hd; e++) dp[j] += r[row * qw + h * S.hd + e] * v[kj + e];
            D += p[j] * dp[j];
        }
        for (u64 j = 0; j <= last; j++) {
            u64 kj = (L.ks[s] + j) * kw + g * S.hd;
            double ds = p[j] * (dp[j] - D) * sc;
            for (int e = 0; e < S.hd; e++) {
                dq[row * qw + h * S.hd + e] += ds * k[kj + e];
                dk[kj + e] += ds * q[row * qw + h * S.hd + e];
                dv[kj + e] += p[j] * r[row * qw + h * S.hd + e];
            }
        }
    });
}

// Query tiles of `rows` rows / key tiles of `keys` keys: 6 u64 each, as flash.rs query_tiles
// and key_tiles build them.
static std::vector<u64> q_tiles(const Layout& L, u64 rows) {
    std::vector<u64> t;
    for (size_t s = 0; s < L.qs.size(); s++)
        for (u64 i0 = 0; i0 < L.ql[s]; i0 += rows) { u64 a[6] = {L.qs[s] + i0, std::min(rows, L.ql[s] - i0), L.ks[s], L.kl[s], i0, L.kl[s] - L.ql[s]}; t.insert(t.end(), a, a + 6); }
    return t;
}
static std::vector<u64> k_tiles(const Layout& L, u64 keys) {
    std::vector<u64> t;
    for (size_t s = 0; s < L.qs.size(); s++)
        for (u64 j0 = 0; L.ql[s] > 0 && j0 < L.kl[s]; j0 += keys) { u64 a[6] = {L.ks[s] + j0, std::min(keys, L.kl[s] - j0), L.qs[s], L.ql[s], j0, L.kl[s] - L.ql[s]}; t.insert(t.end(), a, a + 6); }
    return t;
}

static std::vector<float> f32(const Vd& x) { return std::vector<float>(x.begin(), x.end()); }
static Vd random(size_t n) { Vd x(n); for (auto& e : x) e = rnd(); return x; }

// Forward and backward of the flash kernels on one layout.
static void flash_case(const char* name, Layout L, Shape S, size_t tq, size_t tk) {
    size_t nq = tq * S.hq * S.hd, nk = tk * S.hkv * S.hd;
    Vd q = random(nq), k = random(nk), v = random(nk), r = random(nq);
    auto qf = f32(q), kf = f32(k), vf = f32(v), rf = f32(r);
    float sc = 1 / sqrtf((float)S.hd);
    u64 rows = q_rows(L);
    std::vector<float> out(nq, 0), lse(rows * S.hq, 0);
    auto qt = q_tiles(L, FA_R);
    launch(qt.size() / 6, S.hq, BLOCK, [&] { flash_attn_fwd(out.data(), lse.data(), qf.data(), kf.data(), vf.data(), qt.data(), S.hq, S.hkv, S.hd, sc); });
    Vd ro, rl; naive(L, S, q, k, v, tq, ro, rl);
    char buf[96];
    for (size_t i = 0; i < nq; i++) { snprintf(buf, 96, "%s out[%zu]", name, i); near(buf, out[i], ro[i], 1e-5); }
    for (size_t i = 0; i < rows * S.hq; i++) { snprintf(buf, 96, "%s lse[%zu]", name, i); near(buf, lse[i], rl[i], 1e-5); }
    // Backward, adding into random gradients.
    Vd q0 = random(nq), k0 = random(nk), v0 = random(nk);
    auto dq = f32(q0), dk = f32(k0), dv = f32(v0);
    std::vector<float> dsum(rows * S.hq, 0);
    u64 n = rows * S.hq;
    elems(n, [&] { flash_attn_bwd_dot(dsum.data(), rf.data(), out.data(), S.hd, n); });
    auto bt = q_tiles(L, FA_B), kt = k_tiles(L, FA_B);
    launch(bt.size() / 6, S.hq, BLOCK, [&] { flash_attn_bwd_dq(dq.data(), rf.data(), lse.data(), dsum.data(), qf.data(), kf.data(), vf.data(), bt.data(), S.hq, S.hkv, S.hd, sc); });
    launch(kt.size() / 6, S.hkv, BLOCK, [&] { flash_attn_bwd_dkdv(dk.data(), dv.data(), rf.data(), lse.data(), dsum.data(), qf.data(), kf.data(), vf.data(), kt.data(), S.hq, S.hkv, S.hd, sc); });
    Vd gq, gk, gv; naive_grad(L, S, q, k, v, r, gq, gk, gv);
    for (size_t i = 0; i < nq; i++) { snprintf(buf, 96, "%s dq[%zu]", name, i); near(buf, dq[i] - q0[i], gq[i], 1e-4); }
    for (size_t i = 0; i < nk; i++) { snprintf(buf, 96, "%s dk[%zu]", name, i); near(buf, dk[i] - k0[i], gk[i], 1e-4); }
    for (size_t i = 0; i < nk; i++) { snprintf(buf, 96, "%s dv[%zu]", name, i); near(buf, dv[i] - v0[i], gv[i], 1e-4); }
    // Central differences of Σ out ∘ r on about 150 elements of each input.
    auto loss = [&] { Vd o, l; naive(L, S, q, k, v, tq, o, l); double a = 0; for (size_t t = 0; t < nq; t++) a += o[t] * r[t]; return a; };
    int fd = 0;
    for (int which = 0; which < 3; which++) {
        Vd& x = which == 0 ? q : which == 1 ? k : v;
        std::vector<float>& got = which == 0 ? dq : which == 1 ? dk : dv;
        Vd& base = which == 0 ? q0 : which == 1 ? k0 : v0;
        size_t step = x.size() / 150 + 1;
        for (size_t i = (size_t)which; i < x.size(); i += step) {
            double o = x[i], e = 1e-5;
            x[i] = o + e; double a = loss(); x[i] = o - e; double b = loss(); x[i] = o;
            snprintf(buf, 96, "%s central difference %c[%zu]", name, "qkv"[which], i);
            near(buf, got[i] - base[i], (a - b) / (2 * e), 1e-4); fd++;
        }
    }
    printf("%s: checked (%zu q rows, %zu k rows, hq %d, hkv %d, hd %d; %zu fwd blocks, %zu dq blocks, %zu dk/dv blocks; %d central differences)\n",
           name, tq, tk, S.hq, S.hkv, S.hd, qt.size() / 6 * S.hq, bt.size() / 6 * S.hq, kt.size() / 6 * S.hkv, fd);
}

// Decode: the key-split kernel and the combine against the formula, keys split every `split`
// keys (a multiple of FA_K), items and rows as flash.rs decode_tables builds them.
static void decode_case(const char* name, Layout L, Shape S, size_t tq, size_t tk, u64 split) {
    size_t nq = tq * S.hq * S.hd, nk = tk * S.hkv * S.hd;
    Vd q = random(nq), k = random(nk), v = random(nk);
    auto qf = f32(q), kf = f32(k), vf = f32(v);
    float sc = 1 / sqrtf((float)S.hd);
    u64 group = S.hq / S.hkv, off = 0, maxn = 0;
    std::vector<u64> items, crows;
    for (size_t s = 0; s < L.qs.size(); s++) {
        u64 per = S.hkv * L.ql[s] * group * (S.hd + 2), first = off, n = 0;
        for (u64 jb = 0; jb < L.kl[s]; jb += split, n++) {
            u64 a[7] = {L.qs[s], L.ql[s], L.ks[s], L.kl[s], jb, std::min(jb + split, L.kl[s]), off};
            items.insert(items.end(), a, a + 7); off += per;
        }
        for (u64 i = 0; i < L.ql[s]; i++) { u64 a[5] = {L.qs[s] + i, first, n, L.ql[s], i}; crows.insert(crows.end(), a, a + 5); }
        maxn = std::max(maxn, n);
    }
    std::vector<float> part(off, 0), out(nq, 0), lse(q_rows(L) * S.hq, 0);
    launch(items.size() / 7, S.hkv, BLOCK, [&] { flash_attn_decode(part.data(), qf.data(), kf.data(), vf.data(), items.data(), S.hq, S.hkv, S.hd, sc); });
    launch(crows.size() / 5, S.hq, BLOCK, [&] { flash_attn_combine(out.data(), lse.data(), part.data(), crows.data(), S.hq, S.hkv, S.hd); });
    Vd ro, rl; naive(L, S, q, k, v, tq, ro, rl);
    char buf[96];
    for (size_t i = 0; i < nq; i++) { snprintf(buf, 96, "%s out[%zu]", name, i); near(buf, out[i], ro[i], 1e-5); }
    for (size_t i = 0; i < lse.size(); i++) { snprintf(buf, 96, "%s lse[%zu]", name, i); near(buf, lse[i], rl[i], 1e-5); }
    printf("%s: checked (%zu q rows, %zu k rows, hq %d, hkv %d, hd %d; %zu items of <= %llu keys, up to %llu per sequence)\n",
           name, tq, tk, S.hq, S.hkv, S.hd, items.size() / 7, (unsigned long long)split, (unsigned long long)maxn);
}

int main() {
    setvbuf(stdout, NULL, _IONBF, 0);
    srand(7);
    // Packed, ragged (3, 37, 70 rows): several forward tiles (32 rows) and backward tiles (16).
    flash_case("flash packed", Layout{{0, 3, 40}, {3, 37, 70}, {0, 3, 40}, {3, 37, 70}}, {4, 2, 8}, 110, 110);
    // KV-cache layout: q_len < k_len (20 of 50, 5 of 40), keys in a cache of 64 rows each.
    flash_case("flash kv cache", Layout{{0, 20}, {20, 5}, {0, 64}, {50, 40}}, {4, 2, 8}, 25, 128);
    // head_dim 64, one kv head for four query heads, sequences longer than a tile.
    flash_case("flash hd 64", Layout{{0, 45}, {45, 20}, {0, 45}, {45, 20}}, {4, 1, 64}, 65, 65);
    // head_dim 128 (FA_HD: every column of the threads' register tiles), q_len < k_len.
    flash_case("flash hd 128", Layout{{0}, {20}, {0}, {36}}, {2, 1, 128}, 20, 36);
    // Decode at Qwen2-0.5B's heads (14 query, 2 kv, hd 64): 1-4 new rows per sequence against
    // 33-200 cached keys, split every 64 keys (1-4 items per sequence).
    decode_case("decode qwen2-0.5b heads", Layout{{0, 1, 2, 4}, {1, 1, 2, 4}, {0, 256, 512, 768}, {150, 33, 97, 200}}, {14, 2, 64}, 8, 1024, 64);
    // A layout of that kind through the flash kernels, forward and backward (groups of 7).
    flash_case("flash few rows, groups of 7", Layout{{0, 1, 2, 4}, {1, 1, 2, 4}, {0, 80, 160, 240}, {70, 33, 40, 50}}, {14, 2, 64}, 8, 320);
    printf(fails ? "%d FAILURES\n" : "attention: all ok\n", fails);
    return fails != 0;
}
