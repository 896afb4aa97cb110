// What every emulator check shares: the emulator, the kernels (all.cu, which run.sh writes by
// concatenating the .cu files in mod.rs's KERNELS order), random inputs and the tolerance test.
#pragma once
#include "emu.h"
#include <cstdio>
#include <cstdlib>
#include "all.cu"

typedef unsigned long long u64;
static double rnd() { return (double)rand() / RAND_MAX * 2 - 1; }
static int fails = 0;
// Counts a failure unless |a − b| <= tol · (1 + |b|); prints the first 20.
static void near(const char* what, double a, double b, double tol) {
    if (!(fabs(a - b) <= tol * (1 + fabs(b)))) { if (fails < 20) printf("FAIL %s: %g vs %g\n", what, a, b); fails++; }
}
// Elementwise launches: n threads in blocks of BLOCK, as grid_for in mod.rs.
template <class F> static void elems(size_t n, F f) { launch((n + BLOCK - 1) / BLOCK, 1, BLOCK, f); }
