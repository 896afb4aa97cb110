// Checks the lm-head, row and elementwise kernels on the CPU emulator: forward against the
// formula in double, backward against central differences of that formula (attention:
// check_attention.cpp).
#include "common.h"


static void lm_case() {
    const int n = 3, V = 300;  // V > BLOCK: strided loops
    float it = 1 / 0.7f;
    std::vector<float> z(n * V); for (auto& x : z) x = rnd() * 3;
    std::vector<unsigned> tg = {0, 299, 17};
    std::vector<float> logp(n), ent(n), z2 = z, gl = {0.3f, -1.f, 2.f}, ge = {1.f, 0.5f, -0.2f};
    launch(n, 1, BLOCK, [&] { lse_entropy_fwd(z.data(), logp.data(), ent.data(), tg.data(), 0, V, it); });
    auto f = [&](const std::vector<double>& zr, int row, double* lp, double* h) {
        double mx = -1e300; for (int j = 0; j < V; j++) mx = fmax(mx, zr[j] * it);
        double s = 0; for (int j = 0; j < V; j++) s += exp(zr[j] * it - mx);
        double H = 0; for (int j = 0; j < V; j++) { double l = zr[j] * it - mx - log(s); H -= exp(l) * l; }
        *lp = zr[tg[row]] * it - mx - log(s); *h = H;
    };
    for (int r = 0; r < n; r++) {
        std::vector<double> zr(z2.begin() + r * V, z2.begin() + (r + 1) * V); double lp, h; f(zr, r, &lp, &h);
        near("logp", logp[r], lp, 1e-5); near("entropy", ent[r], h, 1e-5);
    }
    std::vector<float> z3 = z2;
    launch(n, 1, BLOCK, [&] { lse_entropy_bwd(z3.data(), tg.data(), gl.data(), ge.data(), 1, 0, V, it); });
    for (int r = 0; r < n; r++) for (int j = 0; j < V; j++) {
        std::vector<double> zr(z2.begin() + r * V, z2.begin() + (r + 1) * V); double e = 1e-4, a, b, ha, hb;
        zr[j] += e; f(zr, r, &a, &ha); zr[j] -= 2 * e; f(zr, r, &b, &hb);
        near("dz", z3[r * V + j], gl[r] * (a - b) / (2 * e) + ge[r] * (ha - hb) / (2 * e), 1e-3);
    }
    printf("lm head rows: checked\n");
}


static void row_kernels() {
    const int T = 3, D = 300;  // D > BLOCK: strided loops
    std::vector<double> x(T * D), w(D), r(T * D);
    for (auto* v : {&x, &w, &r}) for (auto& e : *v) e = rnd();
    std::vector<float> xf(x.begin(), x.end()), wf(w.begin(), w.end()), rf(r.begin(), r.end());
    std::vector<float> out(T * D), rstd(T), dx(T * D, 0), dw(D, 0);
    launch(T, 1, BLOCK, [&] { rmsnorm_fwd(out.data(), rstd.data(), xf.data(), wf.data(), D, 1e-6f); });
    auto fwd = [&](const std::vector<double>& xx, const std::vector<double>& ww) {
        double l = 0;
        for (int t = 0; t < T; t++) {
            double ms = 0; for (int i = 0; i < D; i++) ms += xx[t * D + i] * xx[t * D + i];
            double s = 1 / sqrt(ms / D + 1e-6);
            for (int i = 0; i < D; i++) l += r[t * D + i] * xx[t * D + i] * s * ww[i];
        }
        return l;
    };
    for (int t = 0; t < T; t++) {
        double ms = 0; for (int i = 0; i < D; i++) ms += x[t * D + i] * x[t * D + i];
        double s = 1 / sqrt(ms / D + 1e-6);
        near("rstd", rstd[t], s, 1e-5);
        for (int i = 0; i < D; i++) near("rmsnorm out", out[t * D + i], x[t * D + i] * s * w[i], 1e-5);
    }
    launch(T, 1, BLOCK, [&] { rmsnorm_bwd(dx.data(), dw.data(), rf.data(), xf.data(), wf.data(), rstd.data(), D); });
    for (int i = 0; i < T * D; i += 7) { double o = x[i], e = 1e-5; x[i] = o + e; double a = fwd(x, w); x[i] = o - e; double b = fwd(x, w); x[i] = o; near("rmsnorm dx", dx[i], (a - b) / (2 * e), 1e-4); }
    for (int i = 0; i < D; i += 3) { double o = w[i], e = 1e-5; w[i] = o + e; double a = fwd(x, w); w[i] = o - e; double b = fwd(x, w); w[i] = o; near("rmsnorm dw", dw[i], (a - b) / (2 * e), 1e-4); }

    // RoPE: forward against the rotation formula, backward (sign −1) undoes it.
    const int H = 3, HDR = 16, P = 4;
    unsigned pos[P] = {0, 1, 7, 4095};
    std::vector<float> inv(HDR / 2); for (int i = 0; i < HDR / 2; i++) inv[i] = 1.f / powf(1e6f, (float)(2 * i) / HDR);
    std::vector<float> xr(P * H * HDR); for (auto& e : xr) e = rnd();
    std::vector<float> x0 = xr;
    size_t n = P * H * (HDR / 2);
    elems(n, [&] { rope(xr.data(), pos, inv.data(), H, HDR, 1.f, n); });
    for (int t = 0; t < P; t++) for (int h = 0; h < H; h++) for (int i = 0; i < HDR / 2; i++) {
        size_t b = (t * H + h) * HDR; double a = (double)(float)((float)pos[t] * inv[i]);
        near("rope a", xr[b + i], x0[b + i] * cos(a) - x0[b + i + HDR / 2] * sin(a), 1e-5);
        near("rope b", xr[b + i + HDR / 2], x0[b + i + HDR / 2] * cos(a) + x0[b + i] * sin(a), 1e-5);
    }
    elems(n, [&] { rope(xr.data(), pos, inv.data(), H, HDR, -1.f, n); });
    for (size_t i = 0; i < xr.size(); i++) near("rope inverse", xr[i], x0[i], 1e-5);

    // SwiGLU against the formula and central differences.
    const size_t m = 600;
    std::vector<float> g(m), u(m), o(m), dout(m), dg(m, 0), du(m, 0);
    for (size_t i = 0; i < m; i++) { g[i] = 3 * rnd(); u[i] = rnd(); dout[i] = rnd(); }
    elems(m, [&] { swiglu_fwd(o.data(), g.data(), u.data(), m); });
    elems(m, [&] { swiglu_bwd(dg.data(), du.data(), dout.data(), g.data(), u.data(), m); });
    for (size_t i = 0; i < m; i++) {
        auto f = [](double gg, double uu) { return gg / (1 + exp(-gg)) * uu; };
        near("swiglu", o[i], f(g[i], u[i]), 1e-5);
        near("swiglu dgate", dg[i], dout[i] * (f(g[i] + 1e-5, u[i]) - f(g[i] - 1e-5, u[i])) / 2e-5, 1e-4);
        near("swiglu dup", du[i], dout[i] * (f(g[i], u[i] + 1e-5) - f(g[i], u[i] - 1e-5)) / 2e-5, 1e-4);
    }

    // Embedding forward/backward with a repeated id, gather/scatter, sum of squares.
    const int V = 5, DE = 4; unsigned ids[4] = {3, 0, 3, 4};
    std::vector<float> table(V * DE), eo(4 * DE), dt(V * DE, 0), de(4 * DE);
    for (auto& e : table) e = rnd(); for (auto& e : de) e = rnd();
    elems(4 * DE, [&] { embedding_fwd(eo.data(), table.data(), ids, DE, 4 * DE); });
    elems(4 * DE, [&] { embedding_bwd(dt.data(), de.data(), ids, DE, 4 * DE); });
    for (int t = 0; t < 4; t++) for (int d = 0; d < DE; d++) near("embedding", eo[t * DE + d], table[ids[t] * DE + d], 0);
    for (int d = 0; d < DE; d++) near("embedding dtable", dt[3 * DE + d], de[0 * DE + d] + de[2 * DE + d], 1e-6);
    u64 rows[2] = {4, 1}; std::vector<float> gat(2 * DE);
    elems(2 * DE, [&] { gather_rows(gat.data(), table.data(), rows, DE, 2 * DE); });
    for (int d = 0; d < DE; d++) near("gather", gat[DE + d], table[DE + d], 0);
    elems(2 * DE, [&] { scatter_rows(table.data(), rows, eo.data(), DE, 2 * DE); });
    for (int d = 0; d < DE; d++) near("scatter", table[4 * DE + d], eo[d], 0);
    // add_assign, scale, and the linear bias: broadcast into rows, column sums added.
    std::vector<float> a1(m), a2(m), a0;
    for (size_t i = 0; i < m; i++) { a1[i] = rnd(); a2[i] = rnd(); }
    a0 = a1;
    elems(m, [&] { add_assign(a1.data(), a2.data(), m); });
    for (size_t i = 0; i < m; i++) near("add_assign", a1[i], (double)a0[i] + a2[i], 1e-6);
    elems(m, [&] { scale(a1.data(), -0.37f, m); });
    for (size_t i = 0; i < m; i++) near("scale", a1[i], ((double)a0[i] + a2[i]) * -0.37, 1e-6);
    const size_t BR = 7, BW = 300;  // BW > BLOCK
    std::vector<float> bias(BW), bo(BR * BW), db(BW);
    for (auto& e : bias) e = rnd(); for (auto& e : db) e = rnd();
    std::vector<float> db0 = db;
    elems(BR * BW, [&] { broadcast_rows(bo.data(), bias.data(), BW, BR * BW); });
    for (size_t i = 0; i < BR * BW; i++) near("broadcast_rows", bo[i], bias[i % BW], 0);
    for (auto& e : bo) e = rnd();
    elems(BW, [&] { column_sum_add(db.data(), bo.data(), BR, BW); });
    for (size_t c = 0; c < BW; c++) {
        double s = db0[c]; for (size_t r = 0; r < BR; r++) s += bo[r * BW + c];
        near("column_sum_add", db[c], s, 1e-5);
    }
    double ss = 0, want = 0; for (float e : g) want += (double)e * e;
    launch(2, 1, BLOCK, [&] { sum_squares(&ss, g.data(), m); });
    near("sum_squares", ss, want, 1e-12);
    // AdamW, two steps, against torch.optim.AdamW's update written out in double.
    std::vector<float> p(m), gr(m), mm(m, 0), vv(m, 0);
    for (size_t i = 0; i < m; i++) { p[i] = rnd(); gr[i] = rnd(); }
    std::vector<double> pd(p.begin(), p.end()), md(m, 0), vd(m, 0);
    const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
    for (int step = 1; step <= 2; step++) {
        double bc1 = 1 - pow(b1, step), bc2 = 1 - pow(b2, step);
        float ss = (float)(lr / bc1), bs = (float)sqrt(bc2), decay = (float)(1 - lr * wd);
        elems(m, [&] { adamw(p.data(), gr.data(), mm.data(), vv.data(), (float)b1, (float)b2, (float)eps, ss, bs, decay, m); });
        for (size_t i = 0; i < m; i++) {
            pd[i] *= 1 - lr * wd;
            md[i] = b1 * md[i] + (1 - b1) * gr[i];
            vd[i] = b2 * vd[i] + (1 - b2) * gr[i] * gr[i];
            pd[i] -= lr / bc1 * md[i] / (sqrt(vd[i]) / sqrt(bc2) + eps);
        }
    }
    for (size_t i = 0; i < m; i++) near("adamw", p[i], pd[i], 1e-5);
    printf("row and elementwise kernels: checked\n");
}

int main() {
    srand(1);
    lm_case();
    row_kernels();
    printf(fails ? "%d FAILURES\n" : "all ok\n", fails);
    return fails != 0;
}
