// bertc_matmul_f32 / bertc_batch_matmul_f32 against a double-precision
// reference: odd sizes (edges of the 12 x 32 register tile), transposed and
// strided operands, offsets, accumulate, batch broadcast, 1-3 threads.
#include "kernel_test_util.h"

#include <gtest/gtest.h>

using namespace bertc_test;

namespace {

struct Case {
  int64_t m, n, k;
  bool transA, transB, accumulate;
  int threads;
};

void runCase(const Case &cs) {
  const int64_t m = cs.m, n = cs.n, k = cs.k;
  // A with a padded leading dim and an offset; B possibly transposed.
  int64_t lda = (cs.transA ? m : k) + 3, ldb = (cs.transB ? k : n) + 5;
  std::vector<float> a = randomVec(3 + (cs.transA ? k : m) * lda, 1);
  std::vector<float> b = randomVec((cs.transB ? n : k) * ldb, 2);
  std::vector<float> c = randomVec(m * (n + 2), 3), c0 = c;
  bertc_memref2d_f32 A = cs.transA ? view2(a, 3, m, k, 1, lda) : view2(a, 3, m, k, lda, 1);
  bertc_memref2d_f32 B = cs.transB ? view2(b, 0, k, n, 1, ldb) : view2(b, 0, k, n, ldb, 1);
  bertc_memref2d_f32 C = view2(c, 0, m, n, n + 2, 1);
  {
    ThreadedCtx ctx(cs.threads);
    _mlir_ciface_bertc_matmul_f32(&A, &B, &C, cs.accumulate);
  }
  double maxErr = 0, scale = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double ref = cs.accumulate ? c0[i * (n + 2) + j] : 0.0;
      for (int64_t p = 0; p < k; ++p)
        ref += (double)a[A.offset + i * A.strides[0] + p * A.strides[1]] *
               b[p * B.strides[0] + j * B.strides[1]];
      maxErr = std::max(maxErr, std::fabs(ref - c[i * (n + 2) + j]));
      scale = std::max(scale, std::fabs(ref));
    }
  EXPECT_LE(maxErr, 1e-5 * std::max(1.0, scale) * std::sqrt((double)k + 1))
      << m << "x" << n << "x" << k;
  // Padding columns untouched.
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = n; j < n + 2; ++j)
      ASSERT_EQ(c[i * (n + 2) + j], c0[i * (n + 2) + j]);
}

TEST(SGemm, Shapes) {
  for (Case cs : std::vector<Case>{{1, 1, 1, false, false, false, 1},
                                   {12, 32, 256, false, false, false, 1},
                                   {13, 33, 257, false, false, false, 2},
                                   {37, 53, 61, false, true, false, 2},
                                   {37, 53, 61, true, false, true, 3},
                                   {128, 96, 300, false, false, true, 2},
                                   {5, 700, 9, false, true, false, 2},
                                   {64, 64, 1, false, false, false, 1}})
    runCase(cs);
}

TEST(SGemm, ZeroK) {
  std::vector<float> a(4), b(4), c(6, 7.0f);
  auto A = view2(a, 0, 2, 0, 1, 1), B = view2(b, 0, 0, 3, 3, 1);
  auto C = view2(c, 0, 2, 3, 3, 1);
  _mlir_ciface_bertc_matmul_f32(&A, &B, &C, 0);
  for (float x : c)
    EXPECT_EQ(x, 0.0f);
}

TEST(SGemm, BatchBroadcastWeights) {
  const int64_t batch = 5, m = 7, n = 19, k = 11;
  std::vector<float> a = randomVec(batch * m * k, 4), b = randomVec(k * n, 5);
  std::vector<float> c(batch * m * n);
  bertc_memref3d_f32 A = view3(a, batch, m, k), C = view3(c, batch, m, n);
  bertc_memref3d_f32 B = {b.data(), b.data(), 0, {batch, k, n}, {0, n, 1}};
  ThreadedCtx ctx(2);
  _mlir_ciface_bertc_batch_matmul_f32(&A, &B, &C, 0);
  for (int64_t t = 0; t < batch; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double ref = 0;
        for (int64_t p = 0; p < k; ++p)
          ref += (double)a[t * m * k + i * k + p] * b[p * n + j];
        EXPECT_NEAR(c[t * m * n + i * n + j], ref, 1e-4);
      }
}

} // namespace
