// Helpers for the CPU kernel tests: memref descriptors over std::vector and
// an execution context whose parallel_for runs on real threads.
#ifndef BERTC_TEST_UNIT_KERNELS_KERNEL_TEST_UTIL_H
#define BERTC_TEST_UNIT_KERNELS_KERNEL_TEST_UTIL_H

#include "bertc/cpu_kernels.h"
#include "gemm_dispatch.h"

#include <cmath>
#include <random>
#include <thread>
#include <vector>

namespace bertc_test {

inline bertc_memref2d_f32 view2(std::vector<float> &v, int64_t off, int64_t r,
                                int64_t c, int64_t s0, int64_t s1) {
  return {v.data(), v.data(), off, {r, c}, {s0, s1}};
}
inline bertc_memref1d_f32 view1(std::vector<float> &v, int64_t n) {
  return {v.data(), v.data(), 0, {n}, {1}};
}
inline bertc_memref3d_f32 view3(std::vector<float> &v, int64_t a, int64_t b,
                                int64_t c) {
  return {v.data(), v.data(), 0, {a, b, c}, {b * c, c, 1}};
}

inline std::vector<float> randomVec(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (float &x : v)
    x = d(gen);
  return v;
}

/// Runs parallel_for ranges on `threads` std::threads.
struct ThreadedCtx {
  bertc_abi_exec_ctx ctx{};
  explicit ThreadedCtx(int threads) {
    ctx.abi_version = 1;
    ctx.num_threads = threads;
    ctx.parallel_for = [](bertc_abi_exec_ctx *c, int64_t n, int64_t grain,
                          bertc_abi_task_fn fn, void *arg) {
      int64_t t = c->num_threads;
      int64_t chunk = (n + t - 1) / t;
      if (chunk < grain)
        chunk = grain;
      std::vector<std::thread> pool;
      for (int64_t b = 0; b < n; b += chunk)
        pool.emplace_back(fn, arg, b, std::min(n, b + chunk));
      for (auto &th : pool)
        th.join();
    };
    ctx.report_error = [](bertc_abi_exec_ctx *, int32_t, const char *) {};
    bertc_cpu_set_exec_ctx(&ctx);
  }
  ~ThreadedCtx() { bertc_cpu_set_exec_ctx(nullptr); }
};

/// Name of a kernel ISA (gemm_dispatch.h) for test messages and names.
inline const char *isaName(int isa) {
  switch (isa) {
  case BERTC_GEMM_ISA_AVX512:
    return "avx512";
  case BERTC_GEMM_ISA_AVX2:
    return "avx2";
  default:
    return "generic";
  }
}

} // namespace bertc_test

#endif
