// bertc_matmul_f32 / bertc_batch_matmul_f32 / bertc_cpu_sgemm_packed_b
// against a double-precision reference: shapes around the edges of the
// 12 x 32 register tile and the K / N cache blocks, transposed and strided
// operands (A, B and C), offsets, accumulate, degenerate sizes, batch
// broadcast of A or B, 1-3 threads, and every micro-kernel the CPU supports
// (AVX-512, AVX2, generic C), forced through gemm_dispatch.h.
#include "gemm_dispatch.h"
#include "kernel_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>

using namespace bertc_test;

namespace {

/// Forces a GEMM ISA for a scope.
struct IsaScope {
  explicit IsaScope(int isa) { bertc_cpu_gemm_set_isa(isa); }
  ~IsaScope() { bertc_cpu_gemm_set_isa(-1); }
};

std::vector<int> supportedIsas() {
  std::vector<int> isas;
  for (int isa = BERTC_GEMM_ISA_GENERIC; isa <= bertc_cpu_gemm_best_isa(); ++isa)
    isas.push_back(isa);
  return isas;
}

/// One strided 2-D operand inside a padded buffer.
struct Mat {
  int64_t rows, cols;
  bool trans;     // stored column-major: element (i, j) at j * ld + i
  int64_t ld;     // leading stride (> the contiguous extent when padded)
  int64_t cs = 1; // stride of the contiguous dim (> 1: every cs-th float)
  int64_t off;
  std::vector<float> buf;

  Mat(int64_t r, int64_t c, bool t, int64_t pad, int64_t off_, unsigned seed,
      int64_t cs_ = 1)
      : rows(r), cols(c), trans(t), cs(cs_), off(off_) {
    int64_t inner = (t ? r : c), outer = (t ? c : r);
    ld = inner * cs + pad;
    buf = randomVec((size_t)(off + outer * ld + 1), seed);
  }
  int64_t s0() const { return trans ? cs : ld; }
  int64_t s1() const { return trans ? ld : cs; }
  float &at(int64_t i, int64_t j) { return buf[off + i * s0() + j * s1()]; }
  bertc_memref2d_f32 view() {
    return {buf.data(), buf.data(), off, {rows, cols}, {s0(), s1()}};
  }
};

struct Case {
  int64_t m, n, k;
  bool transA = false, transB = false, accumulate = false;
  int threads = 1;
  bool transC = false;
  int64_t cs = 1; // column stride of C (when not transposed)
};

std::string describe(const Case &cs, int isa) {
  std::ostringstream os;
  os << cs.m << "x" << cs.n << "x" << cs.k << (cs.transA ? " At" : "")
     << (cs.transB ? " Bt" : "") << (cs.transC ? " Ct" : "")
     << (cs.cs != 1 ? " Cstrided" : "") << (cs.accumulate ? " acc" : "")
     << " threads=" << cs.threads << " isa=" << isaName(isa);
  return os.str();
}

/// Tolerance: fp32 accumulation error grows ~ sqrt(K) times the magnitude of
/// the products (sum |a||b|).
void expectClose(double got, double ref, double absSum, int64_t k,
                 const std::string &what, int64_t i, int64_t j) {
  double tol = 1e-5 * (absSum + 1e-30) * std::sqrt((double)k + 1) + 1e-6;
  ASSERT_LE(std::fabs(got - ref), tol)
      << what << " at (" << i << "," << j << "): got " << got << " want " << ref;
}

void runCase(const Case &cs, int isa) {
  IsaScope scope(isa);
  const int64_t m = cs.m, n = cs.n, k = cs.k;
  Mat A(m, k, cs.transA, 3, 5, 1);
  Mat B(k, n, cs.transB, 5, 2, 2);
  Mat C(m, n, cs.transC, 2, 1, 3, cs.cs);
  std::vector<float> c0 = C.buf;
  bertc_memref2d_f32 a = A.view(), b = B.view(), c = C.view();
  {
    ThreadedCtx ctx(cs.threads);
    _mlir_ciface_bertc_matmul_f32(&a, &b, &c, cs.accumulate);
    ASSERT_EQ(bertc_cpu_take_error(), 0);
  }
  const std::string what = describe(cs, isa);
  // Every element of C in the view is checked; everything else untouched.
  std::vector<char> inView(C.buf.size(), 0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double ref = 0, absSum = 0;
      for (int64_t p = 0; p < k; ++p) {
        double prod = (double)A.at(i, p) * B.at(p, j);
        ref += prod;
        absSum += std::fabs(prod);
      }
      size_t idx = (size_t)(C.off + i * C.s0() + j * C.s1());
      inView[idx] = 1;
      if (cs.accumulate) {
        ref += c0[idx];
        absSum += std::fabs(c0[idx]);
      }
      expectClose(C.buf[idx], ref, absSum, k, what, i, j);
      if (::testing::Test::HasFatalFailure())
        return;
    }
  for (size_t idx = 0; idx < C.buf.size(); ++idx)
    if (!inView[idx]) {
      ASSERT_EQ(C.buf[idx], c0[idx]) << what << ": wrote outside C at " << idx;
    }
}

void runAllIsas(const Case &cs) {
  for (int isa : supportedIsas()) {
    runCase(cs, isa);
    if (::testing::Test::HasFatalFailure())
      return;
  }
}

TEST(SGemm, Dispatch) {
  int best = bertc_cpu_gemm_best_isa();
  EXPECT_GE(best, BERTC_GEMM_ISA_GENERIC);
  EXPECT_LE(best, BERTC_GEMM_ISA_AVX512);
  EXPECT_EQ(bertc_cpu_gemm_isa(), best);
  EXPECT_EQ(bertc_cpu_gemm_set_isa(BERTC_GEMM_ISA_GENERIC), BERTC_GEMM_ISA_GENERIC);
  EXPECT_EQ(bertc_cpu_gemm_set_isa(99), best); // clamped to the CPU
  EXPECT_EQ(bertc_cpu_gemm_set_isa(-1), best);
}

TEST(SGemm, TinyAndDegenerate) {
  for (int64_t m : {1, 2, 3})
    for (int64_t n : {1, 2, 17})
      for (int64_t k : {1, 2, 5}) {
        runAllIsas({m, n, k});
        runAllIsas({m, n, k, true, true, true});
      }
}

TEST(SGemm, RegisterTileEdges) {
  // Around MR = 12 (and the 8- and 4-row variants, the 6-row AVX2 halves)
  // and NR = 32 (and the 16-wide halves).
  for (int64_t m : {4, 5, 6, 7, 8, 9, 11, 12, 13, 24, 25})
    for (int64_t n : {15, 16, 17, 31, 32, 33, 64, 65})
      runAllIsas({m, n, 7, false, false, (m + n) % 2 == 0});
}

TEST(SGemm, CacheBlockEdges) {
  // K around the (balanced, at most 384-deep) slices, N around the
  // 256-column blocks.
  for (int64_t k : {255, 256, 257, 383, 384, 385, 769})
    runAllIsas({13, 37, k, false, false, k % 2 == 1});
  for (int64_t n : {255, 256, 257, 600})
    runAllIsas({14, n, 19});
}

TEST(SGemm, OddShapesAllLayouts) {
  for (int t = 0; t < 16; ++t) {
    Case cs{37, 53, 61, (t & 1) != 0, (t & 2) != 0, (t & 4) != 0,
            1 + (t & 8 ? 1 : 0)};
    runAllIsas(cs);
  }
}

TEST(SGemm, StridedAndTransposedC) {
  runAllIsas({29, 45, 33, false, false, false, 1, /*transC=*/true});
  runAllIsas({29, 45, 33, true, true, true, 2, /*transC=*/true});
  runAllIsas({29, 45, 33, false, true, false, 1, false, /*cs=*/3});
  runAllIsas({29, 45, 33, false, false, true, 3, false, /*cs=*/2});
}

TEST(SGemm, BertShape) {
  runCase({128, 768, 768}, bertc_cpu_gemm_best_isa());
  runCase({128, 768, 768, false, true, true, 2}, bertc_cpu_gemm_best_isa());
}

TEST(SGemm, MultiThreaded) {
  // Splits along N, along M, and both; 2 and 3 threads.
  for (int threads : {2, 3}) {
    runAllIsas({200, 300, 70, false, false, false, threads});
    runAllIsas({300, 40, 50, true, false, true, threads});
    runAllIsas({96, 1000, 40, false, true, false, threads});
    runAllIsas({1, 700, 90, false, false, true, threads});
    runAllIsas({700, 1, 90, false, false, false, threads});
  }
}

TEST(SGemm, ZeroK) {
  for (int64_t accumulate : {0, 1}) {
    std::vector<float> a(4), b(4), c(6, 7.0f);
    auto A = view2(a, 0, 2, 0, 1, 1), B = view2(b, 0, 0, 3, 3, 1);
    auto C = view2(c, 0, 2, 3, 3, 1);
    _mlir_ciface_bertc_matmul_f32(&A, &B, &C, accumulate);
    for (float x : c)
      EXPECT_EQ(x, accumulate ? 7.0f : 0.0f);
  }
}

TEST(SGemm, ZeroMOrN) {
  std::vector<float> a(8, 1.0f), b(8, 1.0f), c(8, 7.0f);
  auto A0 = view2(a, 0, 0, 2, 2, 1), B = view2(b, 0, 2, 3, 3, 1);
  auto C0 = view2(c, 0, 0, 3, 3, 1);
  _mlir_ciface_bertc_matmul_f32(&A0, &B, &C0, 0);
  auto A = view2(a, 0, 2, 2, 2, 1), B0 = view2(b, 0, 2, 0, 1, 1);
  auto Cn = view2(c, 0, 2, 0, 1, 1);
  _mlir_ciface_bertc_matmul_f32(&A, &B0, &Cn, 0);
  for (float x : c)
    EXPECT_EQ(x, 7.0f);
}

TEST(SGemm, OverwriteIgnoresNaNInC) {
  // accumulate = 0 must not read C (it may hold garbage, NaN included).
  const int64_t m = 13, n = 35, k = 9;
  std::vector<float> a = randomVec(m * k, 7), b = randomVec(k * n, 8);
  std::vector<float> c(m * n, std::numeric_limits<float>::quiet_NaN());
  auto A = view2(a, 0, m, k, k, 1), B = view2(b, 0, k, n, n, 1);
  auto C = view2(c, 0, m, n, n, 1);
  for (int isa : supportedIsas()) {
    IsaScope scope(isa);
    _mlir_ciface_bertc_matmul_f32(&A, &B, &C, 0);
    for (float x : c)
      ASSERT_FALSE(std::isnan(x)) << isaName(isa);
  }
}

TEST(SGemm, PackedB) {
  // bertc_cpu_sgemm_packed_b: B packed as [ceil(N/NR)][K][NR], zero past N.
  const int64_t nr = BERTC_GEMM_NR;
  for (auto [m, n, k] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
           {1, 5, 3}, {37, 70, 300}, {128, 96, 64}}) {
    std::vector<float> a = randomVec(m * k, 9), b = randomVec(k * n, 10);
    int64_t panels = (n + nr - 1) / nr;
    std::vector<float> bp(panels * k * nr, 0.0f);
    for (int64_t p = 0; p < panels; ++p)
      for (int64_t kk = 0; kk < k; ++kk)
        for (int64_t j = 0; j < nr && p * nr + j < n; ++j)
          bp[(p * k + kk) * nr + j] = b[kk * n + p * nr + j];
    for (int threads : {1, 2})
      for (int isa : supportedIsas()) {
        IsaScope scope(isa);
        ThreadedCtx ctx(threads);
        std::vector<float> c(m * (n + 1), 5.0f);
        auto A = view2(a, 0, m, k, k, 1), C = view2(c, 0, m, n, n + 1, 1);
        bertc_cpu_sgemm_packed_b(&A, bp.data(), &C, nullptr, nullptr);
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            double ref = 0, absSum = 0;
            for (int64_t p = 0; p < k; ++p) {
              ref += (double)a[i * k + p] * b[p * n + j];
              absSum += std::fabs((double)a[i * k + p] * b[p * n + j]);
            }
            expectClose(c[i * (n + 1) + j], ref, absSum, k, "packed", i, j);
          }
          ASSERT_EQ(c[i * (n + 1) + n], 5.0f);
        }
      }
  }
}

// --- batch matmul ---------------------------------------------------------

struct BatchCase {
  int64_t batch, m, n, k;
  bool bcastA = false, bcastB = false, transB = false, accumulate = false;
  int threads = 1;
};

void runBatch(const BatchCase &bc, int isa) {
  IsaScope scope(isa);
  const int64_t bt = bc.batch, m = bc.m, n = bc.n, k = bc.k;
  // A and C with padded rows and an offset; B possibly transposed.
  int64_t lda = k + 1, ldb = (bc.transB ? k : n) + 2, ldc = n + 3;
  int64_t sA = bc.bcastA ? 0 : m * lda + 4, sB = bc.bcastB ? 0 : (bc.transB ? n : k) * ldb;
  int64_t sC = m * ldc + 1;
  std::vector<float> a = randomVec(2 + (bc.bcastA ? 1 : bt) * (m * lda + 4), 11);
  std::vector<float> b = randomVec((bc.bcastB ? 1 : bt) * (bc.transB ? n : k) * ldb + 1, 12);
  std::vector<float> c = randomVec(bt * sC + 1, 13), c0 = c;
  bertc_memref3d_f32 A = {a.data(), a.data(), 2, {bt, m, k}, {sA, lda, 1}};
  bertc_memref3d_f32 B = {b.data(), b.data(), 0, {bt, k, n},
                          {sB, bc.transB ? 1 : ldb, bc.transB ? ldb : 1}};
  bertc_memref3d_f32 C = {c.data(), c.data(), 0, {bt, m, n}, {sC, ldc, 1}};
  {
    ThreadedCtx ctx(bc.threads);
    _mlir_ciface_bertc_batch_matmul_f32(&A, &B, &C, bc.accumulate);
    ASSERT_EQ(bertc_cpu_take_error(), 0);
  }
  std::ostringstream os;
  os << "batch " << bt << " " << m << "x" << n << "x" << k
     << (bc.bcastA ? " bcastA" : "") << (bc.bcastB ? " bcastB" : "")
     << (bc.transB ? " Bt" : "") << (bc.accumulate ? " acc" : "")
     << " threads=" << bc.threads << " isa=" << isaName(isa);
  std::vector<char> inView(c.size(), 0);
  for (int64_t t = 0; t < bt; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double ref = 0, absSum = 0;
        for (int64_t p = 0; p < k; ++p) {
          double prod = (double)a[2 + t * sA + i * lda + p] *
                        b[t * sB + p * B.strides[1] + j * B.strides[2]];
          ref += prod;
          absSum += std::fabs(prod);
        }
        size_t idx = (size_t)(t * sC + i * ldc + j);
        inView[idx] = 1;
        if (bc.accumulate) {
          ref += c0[idx];
          absSum += std::fabs(c0[idx]);
        }
        expectClose(c[idx], ref, absSum, k, os.str(), i, j);
        if (::testing::Test::HasFatalFailure())
          return;
      }
  for (size_t idx = 0; idx < c.size(); ++idx)
    if (!inView[idx]) {
      ASSERT_EQ(c[idx], c0[idx]) << os.str() << ": wrote outside C";
    }
}

TEST(SGemmBatch, BroadcastB) {
  for (int isa : supportedIsas())
    for (int threads : {1, 2, 3}) {
      runBatch({5, 7, 19, 11, false, true, false, false, threads}, isa);
      runBatch({3, 30, 40, 20, false, true, true, true, threads}, isa);
    }
}

TEST(SGemmBatch, BroadcastWeightsFlattened) {
  // Contiguous A and C rows with shared B: computed as one (batch*M) GEMM.
  const int64_t bt = 4, m = 9, n = 37, k = 21;
  std::vector<float> a = randomVec(bt * m * k, 14), b = randomVec(k * n, 15);
  std::vector<float> c(bt * m * n);
  bertc_memref3d_f32 A = view3(a, bt, m, k), C = view3(c, bt, m, n);
  bertc_memref3d_f32 B = {b.data(), b.data(), 0, {bt, k, n}, {0, n, 1}};
  ThreadedCtx ctx(2);
  _mlir_ciface_bertc_batch_matmul_f32(&A, &B, &C, 0);
  for (int64_t t = 0; t < bt; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double ref = 0, absSum = 0;
        for (int64_t p = 0; p < k; ++p) {
          ref += (double)a[(t * m + i) * k + p] * b[p * n + j];
          absSum += std::fabs((double)a[(t * m + i) * k + p] * b[p * n + j]);
        }
        expectClose(c[(t * m + i) * n + j], ref, absSum, k, "flattened", i, j);
      }
}

TEST(SGemmBatch, BroadcastA) {
  for (int isa : supportedIsas())
    for (int threads : {1, 2}) {
      runBatch({6, 13, 29, 17, true, false, false, false, threads}, isa);
      runBatch({2, 13, 29, 17, true, false, true, true, threads}, isa);
    }
}

TEST(SGemmBatch, Attention) {
  // QK^T (B = K transposed) and P.V over batch * heads, few and many
  // matrices relative to the threads.
  int isa = bertc_cpu_gemm_best_isa();
  for (int threads : {1, 2, 3}) {
    runBatch({12, 33, 33, 64, false, false, true, false, threads}, isa);
    runBatch({12, 33, 64, 33, false, false, false, false, threads}, isa);
    runBatch({2, 65, 65, 16, false, false, true, true, threads}, isa);
  }
}

TEST(SGemmBatch, Degenerate) {
  int isa = bertc_cpu_gemm_best_isa();
  runBatch({1, 1, 1, 1}, isa);
  runBatch({3, 1, 5, 1, true, true}, isa);
  runBatch({4, 3, 2, 0, false, false, false, false, 2}, isa); // K = 0: zeroes
  runBatch({4, 3, 2, 0, false, true, false, true, 2}, isa);   // K = 0: no-op
  // batch = 0 and M = 0: nothing happens.
  std::vector<float> a(4), b(4), c(4, 3.0f);
  bertc_memref3d_f32 A = {a.data(), a.data(), 0, {0, 1, 1}, {1, 1, 1}};
  bertc_memref3d_f32 B = {b.data(), b.data(), 0, {0, 1, 1}, {1, 1, 1}};
  bertc_memref3d_f32 C = {c.data(), c.data(), 0, {0, 1, 1}, {1, 1, 1}};
  _mlir_ciface_bertc_batch_matmul_f32(&A, &B, &C, 0);
  bertc_memref3d_f32 A2 = {a.data(), a.data(), 0, {2, 0, 1}, {0, 1, 1}};
  bertc_memref3d_f32 B2 = {b.data(), b.data(), 0, {2, 1, 1}, {0, 1, 1}};
  bertc_memref3d_f32 C2 = {c.data(), c.data(), 0, {2, 0, 1}, {0, 1, 1}};
  _mlir_ciface_bertc_batch_matmul_f32(&A2, &B2, &C2, 0);
  for (float x : c)
    EXPECT_EQ(x, 3.0f);
}

} // namespace
