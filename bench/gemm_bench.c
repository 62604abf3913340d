/* gemm_bench: GFLOP/s of bertc's SGEMM at BERT shapes against this core's
 * measured fp32 FMA peak (a register-only AVX-512 FMA loop).
 *   bench/gemm_bench.sh            (builds and runs this file)
 *   gemm_bench [M N K ...]         (one thread; default BERT-base shapes) */
#include "bertc/cpu_kernels.h"

#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((target("avx512f"))) static double peak_gflops(void) {
  __m512 a[12];
  __m512 x = _mm512_set1_ps(1.0000001f), y = _mm512_set1_ps(0.9999999f);
  for (int i = 0; i < 12; i++)
    a[i] = _mm512_set1_ps((float)i);
  long it = 50000000;
  double t = now();
  for (long i = 0; i < it; i++)
    for (int j = 0; j < 12; j++)
      a[j] = _mm512_fmadd_ps(a[j], x, y);
  t = now() - t;
  volatile float sink = 0;
  for (int i = 0; i < 12; i++)
    sink += a[i][0];
  return it * 12.0 * 32 / t / 1e9;
}

static void run(int64_t m, int64_t n, int64_t k, double peak) {
  float *a = aligned_alloc(64, m * k * 4), *b = aligned_alloc(64, k * n * 4),
        *c = aligned_alloc(64, m * n * 4);
  for (int64_t i = 0; i < m * k; i++)
    a[i] = 1e-3f * (i % 7);
  for (int64_t i = 0; i < k * n; i++)
    b[i] = 1e-3f * (i % 5);
  bertc_memref2d_f32 A = {a, a, 0, {m, k}, {k, 1}}, B = {b, b, 0, {k, n}, {n, 1}},
                     C = {c, c, 0, {m, n}, {n, 1}};
  for (int i = 0; i < 3; i++)
    _mlir_ciface_bertc_matmul_f32(&A, &B, &C, 0);
  int it = 10;
  double t = now();
  for (int i = 0; i < it; i++)
    _mlir_ciface_bertc_matmul_f32(&A, &B, &C, 0);
  t = (now() - t) / it;
  double gf = 2.0 * m * n * k / t / 1e9;
  printf("| %ld x %ld x %ld | %.3f | %.1f | %.0f%% |\n", (long)m, (long)n,
         (long)k, t * 1e3, gf, 100 * gf / peak);
  free(a), free(b), free(c);
}

int main(int argc, char **argv) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) {
    printf("no AVX-512 on this CPU: peak loop skipped\n");
    return 0;
  }
  double peak = peak_gflops();
  printf("single-core fp32 FMA peak: %.1f GFLOP/s\n\n", peak);
  printf("| M x N x K | ms | GFLOP/s | of peak |\n|---|---|---|---|\n");
  if (argc >= 4) {
    for (int i = 1; i + 2 < argc; i += 3)
      run(atol(argv[i]), atol(argv[i + 1]), atol(argv[i + 2]), peak);
    return 0;
  }
  int64_t shapes[][3] = {{128, 768, 768},  {128, 3072, 768}, {128, 768, 3072},
                         {1024, 768, 768}, {1024, 3072, 768}, {384, 2304, 768}};
  for (unsigned i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    run(shapes[i][0], shapes[i][1], shapes[i][2], peak);
  return 0;
}
