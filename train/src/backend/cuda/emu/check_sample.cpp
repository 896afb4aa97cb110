// Checks sample_rows (sample.cu) against a transcription of sample.rs `sample_token` in double:
// a full sort (descending logit, ascending index on ties, -0 below +0 as f32 total_cmp), top_k
// truncation, the top_p prefix, the inverse-CDF walk. Rows with vocabularies larger than the
// block (and of 97 and 1), many exact ties (±0 among them), all-negative and peaked logits;
// greedy, top_k 1/5/50, top_p 0.5/0.9/1, temperatures 0.7/1.5; draws at 0, near 0, near 1 and
// random. The token must match exactly, the log-prob to 1e-6.
#include "common.h"
#include <algorithm>
#include <numeric>

// f32 total_cmp for finite floats, written independently of the kernel's bit encoding.
static bool total_gt(float a, float b) {
    if (a != b) return a > b;
    return !std::signbit(a) && std::signbit(b);  // +0 above -0
}

// sample_token, line by line (sample.rs).
static void reference(const std::vector<float>& z, float temperature, float top_p, size_t top_k,
                      double u, unsigned* tok, float* lp) {
    float temp = temperature > 0 ? temperature : 1.0f;
    float mx = -INFINITY;
    for (float x : z) mx = std::max(mx, x);
    double s = 0;
    for (float x : z) s += exp((double)(x - mx) / (double)temp);
    double norm = log(s);
    auto logp = [&](size_t j) { return (float)((double)(z[j] - mx) / (double)temp - norm); };
    if (!(temperature > 0)) {
        size_t b = 0;
        for (size_t j = 0; j < z.size(); j++) if (z[j] > z[b]) b = j;
        *tok = b; *lp = logp(b); return;
    }
    std::vector<size_t> order(z.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (z[a] != z[b] || std::signbit(z[a]) != std::signbit(z[b])) return total_gt(z[a], z[b]);
        return a < b;
    });
    if (top_k > 0 && top_k < order.size()) order.resize(top_k);
    std::vector<double> probs;
    for (size_t j : order) probs.push_back(exp((double)logp(j)));
    size_t keep = probs.size();
    if (top_p < 1) {
        double acc = 0;
        for (size_t i = 0; i < probs.size(); i++) { acc += probs[i]; if (acc >= (double)top_p) { keep = i + 1; break; } }
    }
    double total = 0;
    for (size_t i = 0; i < keep; i++) total += probs[i];
    double target = u * total;
    for (size_t i = 0; i < keep; i++) {
        target -= probs[i];
        if (target < 0) { *tok = order[i]; *lp = logp(order[i]); return; }
    }
    *tok = order[keep - 1]; *lp = logp(order[keep - 1]);
}

struct Rows { const char* what; int vocab; std::vector<std::vector<float>> z; };

static Rows make(const char* what, int vocab, int n, float (*gen)(int j)) {
    Rows r{what, vocab, {}};
    for (int i = 0; i < n; i++) { std::vector<float> z(vocab); for (int j = 0; j < vocab; j++) z[j] = gen(j); r.z.push_back(z); }
    return r;
}

int main() {
    srand(3);
    const double U[] = {0.0, 1e-12, 0.37, -1, 0.999999, 1 - 1e-9, -1, 0.6180339887};  // -1: random
    std::vector<Rows> sets = {
        // Fewer elements than threads (the tests' tiny models), and a single one.
        make("random V=97", 97, 1, [](int) { return (float)(3 * rnd()); }),
        make("single V=1", 1, 1, [](int) { return 0.5f; }),
        make("random V=1000", 1000, 1, [](int) { return (float)(3 * rnd()); }),
        make("random V=5000", 5000, 1, [](int) { return (float)(4 * rnd()); }),
        // Five distinct values (±0 among them): every cut falls inside a group of ~200 ties.
        make("ties V=1000", 1000, 2, [](int) { const float v[] = {-1.f, 0.f, -0.f, 0.5f, 0.5f, 2.f}; return v[rand() % 6]; }),
        make("ties V=5000", 5000, 1, [](int) { return (float)(rand() % 7) * 0.25f - 1.f; }),
        make("negative V=1000", 1000, 1, [](int) { return (float)(2 * rnd() - 10); }),
        make("peaked V=1000", 1000, 1, [](int) { return (float)(20 * rnd()); }),
    };
    // Repeated maxima: greedy must return the lowest index (300, not 700).
    sets[2].z[0][700] = 50.f; sets[2].z[0][300] = 50.f;
    struct Cfg { float t, p; int k; };
    std::vector<Cfg> cfgs = {{0.f, 1.f, 0}, {-1.f, 0.5f, 5}};
    for (int k : {0, 1, 5, 50}) for (float p : {0.5f, 0.9f, 1.f}) cfgs.push_back({0.7f, p, k});
    for (Cfg c : std::vector<Cfg>{{1.5f, 1.f, 0}, {1.5f, 0.9f, 50}, {1.5f, 0.5f, 5}}) cfgs.push_back(c);
    int cases = 0, ui = 0;
    for (const Cfg& c : cfgs)
        for (const Rows& s : sets) {
            int n = (int)s.z.size();
            std::vector<float> flat;
            std::vector<double> u(n);
            for (int i = 0; i < n; i++) {
                flat.insert(flat.end(), s.z[i].begin(), s.z[i].end());
                double d = U[ui++ % 8];
                u[i] = d < 0 ? (rnd() + 1) / 2 * 0.999 : d;
            }
            std::vector<unsigned> tok(n, ~0u);
            std::vector<float> lp(n);
            launch(n, 1, BLOCK, [&] { sample_rows(flat.data(), u.data(), tok.data(), lp.data(), s.vocab, c.t, c.p, c.k); });
            for (int i = 0; i < n; i++) {
                unsigned rt; float rl;
                reference(s.z[i], c.t, c.p, c.k, u[i], &rt, &rl);
                char what[160];
                snprintf(what, sizeof what, "%s row %d T=%g top_k=%d top_p=%g u=%.17g: token", s.what, i, c.t, c.k, c.p, u[i]);
                if (tok[i] != rt) { if (fails < 20) printf("FAIL %s %u vs %u\n", what, tok[i], rt); fails++; continue; }
                snprintf(what, sizeof what, "%s row %d T=%g top_k=%d top_p=%g: logprob", s.what, i, c.t, c.k, c.p);
                near(what, lp[i], rl, 1e-6);
                cases++;
            }
        }
    printf("sample_rows: %d rows checked over %zu settings\n", cases, cfgs.size());
    printf(fails ? "%d FAILURES\n" : "all ok\n", fails);
    return fails != 0;
}
