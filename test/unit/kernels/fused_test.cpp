// Fused kernels (runtime/src/cpu/fused.c) against straightforward
// double-precision references, at every kernel ISA the CPU supports
// (generic, AVX2, AVX-512: forced through gemm_dispatch.h, which the fused
// kernels dispatch on too).
#include "kernel_test_util.h"


#include <array>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

using namespace bertc_test;

namespace {

/// Runs each test once per ISA; skips the ones this CPU lacks.
class Fused : public ::testing::TestWithParam<int> {
protected:
  void SetUp() override {
    if (GetParam() > bertc_cpu_gemm_best_isa())
      GTEST_SKIP() << "ISA not supported by this CPU";
    ASSERT_EQ(bertc_cpu_gemm_set_isa(GetParam()), GetParam());
  }
  void TearDown() override { bertc_cpu_gemm_set_isa(-1); }
};

TEST_P(Fused, Linear_BiasGeluEpilogue) {
  const int64_t m = 13, k = 20, n = 37;
  auto a = randomVec(m * k, 1), w = randomVec(k * n, 2), bias = randomVec(n, 3);
  std::vector<float> c(m * n);
  auto A = view2(a, 0, m, k, k, 1), W = view2(w, 0, k, n, n, 1),
       C = view2(c, 0, m, n, n, 1);
  auto B = view1(bias, n);
  ThreadedCtx ctx(2);
  _mlir_ciface_bertc_linear_f32(&A, &W, &B, &C, /*gelu_erf*/ 2, 1);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double x = bias[j];
      for (int64_t p = 0; p < k; ++p)
        x += (double)a[i * k + p] * w[p * n + j];
      double ref = 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
      EXPECT_NEAR(c[i * n + j], ref, 1e-4 * (1 + std::fabs(ref)));
    }
}

TEST_P(Fused, Linear_PrepackedWeightsMatchUnpacked) {
  const int64_t m = 29, k = 45, n = 70, nr = BERTC_GEMM_NR;
  const int64_t panels = (n + nr - 1) / nr;
  auto a = randomVec(m * k, 7), w = randomVec(k * n, 8), bias = randomVec(n, 9);
  // The compiler emits packed weights 64-byte aligned (model.so globals).
  std::unique_ptr<float, decltype(&std::free)> storage(
      static_cast<float *>(std::aligned_alloc(64, panels * k * nr * sizeof(float))),
      &std::free);
  float *packedData = storage.get();
  std::fill(packedData, packedData + panels * k * nr, 0.0f);
  auto packed = [&](int64_t i) -> float & { return packedData[i]; };
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < nr && p * nr + j < n; ++j)
        packed((p * k + kk) * nr + j) = w[kk * n + p * nr + j];
  std::vector<float> c1(m * n), c2(m * n);
  auto A = view2(a, 0, m, k, k, 1), W = view2(w, 0, k, n, n, 1);
  auto C1 = view2(c1, 0, m, n, n, 1), C2 = view2(c2, 0, m, n, n, 1);
  auto B = view1(bias, n);
  bertc_memref3d_f32 WP = {packedData, packedData, 0, {panels, k, nr},
                           {k * nr, nr, 1}};
  ThreadedCtx ctx(2);
  _mlir_ciface_bertc_linear_f32(&A, &W, &B, &C1, /*relu*/ 1, 1);
  _mlir_ciface_bertc_linear_packed_f32(&A, &WP, &B, &C2, /*relu*/ 1, 1);
  for (int64_t i = 0; i < m * n; ++i)
    ASSERT_NEAR(c1[i], c2[i], 1e-5f) << i;
}

TEST_P(Fused, LayerNorm_SkipWithBroadcastRowsAndSum) {
  const int64_t rows = 6, skipRows = 3, n = 40;
  auto x = randomVec(rows * n, 1), skip = randomVec(skipRows * n, 2);
  auto g = randomVec(n, 3), b = randomVec(n, 4);
  std::vector<float> y(rows * n), s(rows * n);
  auto X = view2(x, 0, rows, n, n, 1), S = view2(skip, 0, skipRows, n, n, 1),
       Y = view2(y, 0, rows, n, n, 1), Sum = view2(s, 0, rows, n, n, 1);
  auto G = view1(g, n), Bt = view1(b, n);
  _mlir_ciface_bertc_skip_layer_norm_f32(&X, &G, &Bt, &S, &G, &Y, &Sum, 1e-5f,
                                         /*beta | skip*/ 3);
  for (int64_t i = 0; i < rows; ++i) {
    double mean = 0, var = 0;
    std::vector<double> v(n);
    for (int64_t j = 0; j < n; ++j)
      mean += v[j] = (double)x[i * n + j] + skip[(i % skipRows) * n + j];
    mean /= n;
    for (double e : v)
      var += (e - mean) * (e - mean);
    var /= n;
    for (int64_t j = 0; j < n; ++j) {
      EXPECT_NEAR(s[i * n + j], v[j], 1e-5);
      double ref = (v[j] - mean) / std::sqrt(var + 1e-5) * g[j] + b[j];
      EXPECT_NEAR(y[i * n + j], ref, 1e-4);
    }
  }
}

// RMSNorm (flag 8): no mean subtracted, x / sqrt(mean(x^2) + eps) * gamma,
// with a residual (the T5 block form) and an offset that a mean-centred
// LayerNorm would remove; also on strided (non-contiguous) rows.
TEST_P(Fused, LayerNorm_RMSWithSkip) {
  const int64_t rows = 4, n = 37;
  auto x = randomVec(rows * n, 21), skip = randomVec(rows * n, 22),
       g = randomVec(n, 23);
  for (float &e : x)
    e += 3.0f;
  for (int strided = 0; strided < 2; ++strided) {
    std::vector<float> y(rows * n * 2), s(rows * n);
    auto X = view2(x, 0, rows, n, n, 1), S = view2(skip, 0, rows, n, n, 1),
         Sum = view2(s, 0, rows, n, n, 1);
    auto Y = strided ? view2(y, 0, rows, n, 2 * n, 2) : view2(y, 0, rows, n, n, 1);
    auto G = view1(g, n);
    _mlir_ciface_bertc_skip_layer_norm_f32(&X, &G, &G, &S, &G, &Y, &Sum, 1e-6f,
                                           /*skip | rms*/ 2 | 8);
    for (int64_t i = 0; i < rows; ++i) {
      double ms = 0;
      std::vector<double> v(n);
      for (int64_t j = 0; j < n; ++j) {
        v[j] = (double)x[i * n + j] + skip[i * n + j];
        ms += v[j] * v[j];
      }
      ms /= n;
      for (int64_t j = 0; j < n; ++j) {
        double ref = v[j] / std::sqrt(ms + 1e-6) * g[j];
        float got = strided ? y[i * 2 * n + 2 * j] : y[i * n + j];
        EXPECT_NEAR(got, ref, 1e-4) << "row " << i << " col " << j;
      }
    }
  }
}

// Plain LayerNorm (no skip, bias or sum: normalizes x in place of a copy),
// a row length that is not a whole number of vectors, and a large offset
// (the variance must be computed around the mean, not as E[x^2] - E[x]^2).
TEST_P(Fused, LayerNorm_PlainLargeOffset) {
  const int64_t rows = 5, n = 771;
  auto x = randomVec(rows * n, 11), g = randomVec(n, 12);
  for (float &e : x)
    e = 1000.0f + e;
  std::vector<float> y(rows * n);
  auto X = view2(x, 0, rows, n, n, 1), Y = view2(y, 0, rows, n, n, 1);
  auto G = view1(g, n);
  ThreadedCtx ctx(2);
  _mlir_ciface_bertc_layer_norm_f32(&X, &G, &G, &X, &G, &Y, 1e-12f, /*none*/ 0);
  for (int64_t i = 0; i < rows; ++i) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < n; ++j)
      mean += x[i * n + j];
    mean /= n;
    for (int64_t j = 0; j < n; ++j)
      var += (x[i * n + j] - mean) * (x[i * n + j] - mean);
    var /= n;
    for (int64_t j = 0; j < n; ++j) {
      double ref = (x[i * n + j] - mean) / std::sqrt(var + 1e-12) * g[j];
      EXPECT_NEAR(y[i * n + j], ref, 2e-3) << i << "," << j;
    }
  }
}

/// Reference attention for one configuration. With `packedQKV`, Q, K and V
/// are strided views into one [batch, seq, 3 * hidden] buffer, as after
/// bertc-fuse-qkv (row stride 3 * hidden, column offsets 0, hidden, 2 hidden).
///
/// With `biasDims` ([batch|1, heads|1, seq|1, seq|1]), a random score bias
/// of those sizes is added to the scaled scores (size-1 dimensions
/// broadcast).
void attentionCase(bool causal, bool replace, float maskValue, int64_t seq = 7,
                   bool packedQKV = false,
                   std::array<int64_t, 4> biasDims = {0, 0, 0, 0}) {
  const int64_t batch = 2, heads = 2, d = 8, h = heads * d;
  const bool hasBias = biasDims[0] != 0;
  std::vector<float> bias;
  bertc_memref4d_f32 B = {nullptr, nullptr, 0, {1, 1, 1, 1}, {1, 1, 1, 1}};
  if (hasBias) {
    bias = randomVec(biasDims[0] * biasDims[1] * biasDims[2] * biasDims[3], 4);
    B = {bias.data(), bias.data(), 0,
         {biasDims[0], biasDims[1], biasDims[2], biasDims[3]},
         {biasDims[1] * biasDims[2] * biasDims[3], biasDims[2] * biasDims[3],
          biasDims[3], 1}};
  }
  auto biasAt = [&](int64_t b, int64_t hh, int64_t i, int64_t j) -> double {
    if (!hasBias)
      return 0;
    int64_t idx[4] = {b, hh, i, j};
    int64_t off = 0;
    for (int a = 0; a < 4; ++a)
      off += (B.sizes[a] == 1 ? 0 : idx[a]) * B.strides[a];
    return bias[off];
  };
  auto q = randomVec(batch * seq * h, 1), k = randomVec(batch * seq * h, 2),
       v = randomVec(batch * seq * h, 3);
  std::vector<float> keep(batch * seq, 1.0f), out(batch * seq * h);
  keep[0 * seq + 6] = 0; // batch 0: last key padded
  keep[1 * seq + 3] = 0;
  auto Q = view3(q, batch, seq, h), K = view3(k, batch, seq, h),
       V = view3(v, batch, seq, h), O = view3(out, batch, seq, h);
  std::vector<float> qkv;
  if (packedQKV) {
    qkv.assign(batch * seq * 3 * h, NAN); // a stray read shows as NaN
    for (int64_t r = 0; r < batch * seq; ++r)
      for (int64_t c = 0; c < h; ++c) {
        qkv[r * 3 * h + c] = q[r * h + c];
        qkv[r * 3 * h + h + c] = k[r * h + c];
        qkv[r * 3 * h + 2 * h + c] = v[r * h + c];
      }
    Q = view3(qkv, batch, seq, h);
    Q.strides[0] = seq * 3 * h;
    Q.strides[1] = 3 * h;
    K = Q;
    K.offset = h;
    V = Q;
    V.offset = 2 * h;
  }
  auto M = view2(keep, 0, batch, seq, seq, 1);
  ThreadedCtx ctx(2);
  const float scale = 0.3f;
  _mlir_ciface_bertc_attention_f32(&Q, &K, &V, &M, &B, &O, heads, scale,
                                   causal, maskValue, replace, 1, hasBias);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t hh = 0; hh < heads; ++hh)
      for (int64_t i = 0; i < seq; ++i) {
        std::vector<double> s(seq);
        double mx = -INFINITY;
        for (int64_t j = 0; j < seq; ++j) {
          double dot = 0;
          for (int64_t c = 0; c < d; ++c)
            dot += (double)q[(b * seq + i) * h + hh * d + c] *
                   k[(b * seq + j) * h + hh * d + c];
          s[j] = dot * scale + biasAt(b, hh, i, j);
          if (keep[b * seq + j] == 0)
            s[j] = replace ? maskValue : s[j] + maskValue;
          if (causal && j > i)
            s[j] = -INFINITY;
          mx = std::max(mx, s[j]);
        }
        double tot = 0;
        for (double &e : s)
          tot += e = std::exp(e - mx);
        for (int64_t c = 0; c < d; ++c) {
          double ref = 0;
          for (int64_t j = 0; j < seq; ++j)
            ref += s[j] / tot * v[(b * seq + j) * h + hh * d + c];
          EXPECT_NEAR(out[(b * seq + i) * h + hh * d + c], ref, 1e-5)
              << "b=" << b << " h=" << hh << " i=" << i;
        }
      }
}

TEST_P(Fused, Attention_PaddingAdditive) { attentionCase(false, false, -10000.0f); }
TEST_P(Fused, Attention_PaddingReplace) { attentionCase(false, true, -3.4e38f); }
TEST_P(Fused, Attention_CausalAndPadding) { attentionCase(true, false, -10000.0f); }
// Sequences of 64 or more take the GEMM-tiled path (query blocks of 64).
TEST_P(Fused, Attention_LongPadding) { attentionCase(false, false, -10000.0f, 150); }
TEST_P(Fused, Attention_LongCausalReplace) { attentionCase(true, true, -3.4e38f, 97); }
// Q, K, V as column slices of one merged projection (bertc-fuse-qkv), on the
// short (small-GEMM) and the long (SGEMM) paths.
TEST_P(Fused, Attention_PackedQKV) { attentionCase(false, false, -10000.0f, 7, true); }
TEST_P(Fused, Attention_PackedQKVLong) { attentionCase(true, false, -10000.0f, 97, true); }
// A score bias (relative position bias): per head and shared by the batch
// (T5, MPNet), per batch row only, full, on both paths; with each mask mode.
TEST_P(Fused, Attention_BiasPerHead) { attentionCase(false, false, -3.4e38f, 7, false, {1, 2, 7, 7}); }
TEST_P(Fused, Attention_BiasPerBatchReplace) { attentionCase(false, true, -3.4e38f, 7, false, {2, 1, 1, 7}); }
TEST_P(Fused, Attention_BiasFullLong) { attentionCase(true, false, -10000.0f, 97, false, {2, 2, 97, 97}); }
TEST_P(Fused, Attention_BiasPerHeadLongReplace) { attentionCase(false, true, -3.4e38f, 150, true, {1, 2, 150, 150}); }

INSTANTIATE_TEST_SUITE_P(Isa, Fused,
                         ::testing::Values(BERTC_GEMM_ISA_GENERIC,
                                           BERTC_GEMM_ISA_AVX2,
                                           BERTC_GEMM_ISA_AVX512),
                         [](const ::testing::TestParamInfo<int> &info) {
                           return std::string(isaName(info.param));
                         });

} // namespace
