// Checks f32_to_bf16 (the bf16 GEMM operands, gemm.rs) against rounding done in double: the
// result must be the bf16 nearest to the input, the even one of two at a tie, infinities and
// overflow as IEEE rounds them, NaN kept a NaN.
#include "common.h"
#include <cstring>

static float bits(unsigned u) { float f; memcpy(&f, &u, 4); return f; }
static float widen(unsigned short h) { return bits((unsigned)h << 16); }

// The expected bf16 (as its 16 bits) of x, from the two bf16 neighbours of x compared in double.
static unsigned short nearest(float x) {
    unsigned u; memcpy(&u, &x, 4);
    unsigned short lo = (unsigned short)(u >> 16);  // toward zero
    if ((u & 0xffffu) == 0) return lo;
    unsigned short hi = (unsigned short)(lo + 1);   // away from zero (may become infinity)
    double dl = fabs((double)x - widen(lo)), dh = fabs((double)x - widen(hi));
    if (std::isinf(widen(hi))) {
        // Past the largest finite bf16, IEEE rounds to infinity at or beyond its halfway point.
        double halfway = (double)widen(lo) + ((double)widen(lo) - (double)widen(lo - 1)) / 2;
        return fabs((double)x) >= fabs(halfway) ? hi : lo;
    }
    if (dl < dh) return lo;
    if (dh < dl) return hi;
    return (lo & 1) ? hi : lo;
}

int main() {
    srand(7);
    std::vector<float> x;
    for (int i = 0; i < 4000; i++) x.push_back((float)(rnd() * pow(10.0, (rand() % 20) - 10)));
    // Exact ties (low half 0x8000) with odd and even kept parts, both signs.
    for (unsigned top : {0x3f80u, 0x3f81u, 0xbf80u, 0xbf81u, 0x0001u, 0x7f7eu})
        x.push_back(bits((top << 16) | 0x8000u));
    // Neighbours of a tie, subnormals, zeros, the largest finite floats, infinities.
    for (unsigned v : {0x3f808001u, 0x3f807fffu, 0x00000001u, 0x807fffffu, 0x00000000u, 0x80000000u,
                       0x7f7fffffu, 0xff7fffffu, 0x7f7f7fffu, 0x7f7f8000u, 0x7f800000u, 0xff800000u})
        x.push_back(bits(v));
    size_t n = x.size();
    std::vector<unsigned short> out(n, 0xdead);
    elems(n, [&] { f32_to_bf16(out.data(), x.data(), n); });
    for (size_t i = 0; i < n; i++) {
        unsigned short want = nearest(x[i]);
        if (out[i] != want) {
            char buf[96];
            snprintf(buf, sizeof buf, "f32_to_bf16(%a) bits %04x, want %04x", x[i], out[i], want);
            near(buf, out[i], want, 0);
        }
    }
    // NaN stays NaN (quiet), of either sign.
    float nans[2] = {bits(0x7f800001u), bits(0xffc00000u)};
    unsigned short nout[2];
    elems(2, [&] { f32_to_bf16(nout, nans, 2); });
    for (auto h : nout) if (!std::isnan(widen(h))) near("f32_to_bf16(NaN) is not NaN", 0, 1, 0);
    printf("f32_to_bf16: checked %zu values\n", n);
    printf(fails ? "%d FAILURES\n" : "all ok\n", fails);
    return fails != 0;
}
