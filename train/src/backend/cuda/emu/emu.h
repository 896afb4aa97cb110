// A CPU emulator of the CUDA execution model, enough for the backend's kernels: one block at a
// time, one std::thread per CUDA thread, __syncthreads as a barrier, __shared__ as static
// (shared by the block's threads, since blocks run one after another), atomics under a lock.
#include <math.h>
#include <barrier>
#include <mutex>
#include <thread>
#include <vector>
#define __global__
#define __device__
#define __shared__ static
struct dim3_ { unsigned x, y, z; };
thread_local dim3_ threadIdx, blockIdx;
dim3_ blockDim, gridDim;
static std::barrier<>* g_bar;
static std::mutex g_atomic;
inline void __syncthreads() { g_bar->arrive_and_wait(); }
inline float atomicAdd(float* a, float v) { std::lock_guard<std::mutex> l(g_atomic); float o = *a; *a += v; return o; }
inline double atomicAdd(double* a, double v) { std::lock_guard<std::mutex> l(g_atomic); double o = *a; *a += v; return o; }
inline float __int_as_float(int x) { float f; __builtin_memcpy(&f, &x, 4); return f; }
inline unsigned __float_as_uint(float x) { unsigned u; __builtin_memcpy(&u, &x, 4); return u; }
template <class F> void launch(unsigned gx, unsigned gy, unsigned block, F f) {
    gridDim = {gx, gy, 1};
    blockDim = {block, 1, 1};
    for (unsigned by = 0; by < gy; by++)
        for (unsigned bx = 0; bx < gx; bx++) {
            std::barrier<> b(block);
            g_bar = &b;
            std::vector<std::thread> ts;
            for (unsigned t = 0; t < block; t++)
                ts.emplace_back([&, t] { threadIdx = {t, 0, 0}; blockIdx = {bx, by, 0}; f(); });
            for (auto& t : ts) t.join();
        }
}
