// The int8 linear (bertc_qlinear_packed_f32, runtime/src/cpu/qgemm.c)
// against a straightforward reference that quantizes A the same way (ONNX
// QuantizeLinear / DynamicQuantizeLinear math, per row or per tensor, or
// static), accumulates in exact integers and dequantizes in double: the
// integer path must match exactly, so the outputs agree within 1e-5
// relative. Odd shapes (M 1/3/17/128, K 1/3/64/100/768, N 1/5/33/768),
// every mode, with and without bias, every activation, strided operands,
// 1-6 threads, and every int8 kernel the CPU supports (generic C, AVX2,
// AVX-512 VNNI: forced through gemm_dispatch.h). Also the reference weight
// packing layout and ONNX's DynamicQuantizeLinear examples by hand.
#include "kernel_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <string>

using namespace bertc_test;

namespace {

/// Forces an int8 GEMM ISA for a scope.
struct QIsaScope {
  explicit QIsaScope(int isa) { bertc_cpu_qgemm_set_isa(isa); }
  ~QIsaScope() { bertc_cpu_qgemm_set_isa(-1); }
};

std::vector<int> supportedQIsas() {
  std::vector<int> isas;
  for (int isa : {BERTC_QGEMM_ISA_GENERIC, BERTC_QGEMM_ISA_AVX2,
                  BERTC_QGEMM_ISA_VNNI})
    if (isa <= bertc_cpu_qgemm_best_isa())
      isas.push_back(isa);
  return isas;
}

const char *qisaName(int isa) {
  return isa == BERTC_QGEMM_ISA_VNNI   ? "vnni"
         : isa == BERTC_QGEMM_ISA_AVX2 ? "avx2"
                                       : "generic";
}

/// Weights quantized and packed as the compiler does at compile time.
struct QWeights {
  int64_t k, n, kq, panels;
  std::vector<int8_t> wq; // [k][n]
  std::vector<float> scale;
  std::vector<int32_t> colsum;
  std::vector<int8_t> packed;

  QWeights(int64_t k_, int64_t n_, unsigned seed) : k(k_), n(n_) {
    std::vector<float> w = randomVec((size_t)(k * n), seed);
    wq.resize((size_t)(k * n));
    scale.resize((size_t)n);
    bertc_cpu_quantize_qweight_s8(w.data(), k, n, n, wq.data(), n, scale.data());
    pack();
  }
  /// From given int8 values and scales.
  QWeights(int64_t k_, int64_t n_, std::vector<int8_t> q, std::vector<float> s)
      : k(k_), n(n_), wq(std::move(q)), scale(std::move(s)) {
    pack();
  }
  void pack() {
    kq = (k + 3) / 4;
    panels = (n + BERTC_QGEMM_NR - 1) / BERTC_QGEMM_NR;
    colsum.resize((size_t)n);
    packed.assign((size_t)bertc_cpu_qweight_packed_bytes(k, n), 99);
    bertc_cpu_pack_qweight_s8(wq.data(), k, n, n, packed.data(), colsum.data());
  }
  bertc_memref3d_i8 view() {
    return {packed.data(), packed.data(), 0,
            {panels, kq, BERTC_QGEMM_NR * 4},
            {kq * BERTC_QGEMM_NR * 4, BERTC_QGEMM_NR * 4, 1}};
  }
};

// ---- reference ----

void refParams(float mn, float mx, float &s, int &zp) {
  float lo = std::min(mn, 0.0f), hi = std::max(mx, 0.0f);
  s = (hi == lo ? 1.0f : hi - lo) / 255.0f;
  float z = std::clamp(0.0f - lo / s, 0.0f, 255.0f);
  zp = (int)std::nearbyint(z);
}

int refQ(float x, float s, int zp) {
  return (int)std::clamp(std::nearbyint(x / s) + (float)zp, 0.0f, 255.0f);
}

double refAct(int act, double x) {
  switch (act) {
  case BERTC_ACT_RELU: return x > 0 ? x : 0;
  case BERTC_ACT_GELU_ERF: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  case BERTC_ACT_GELU_TANH:
    return 0.5 * x * (1 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
  case BERTC_ACT_QUICK_GELU: return x / (1 + std::exp(-1.702 * x));
  default: return x;
  }
}

struct Ref {
  std::vector<double> y;    // [m][n]
  std::vector<double> tol;  // per element
  std::vector<int64_t> acc; // acc - zp * colsum, exact
};

/// a: element (i, kk) at a[i * sam + kk * sak].
Ref reference(const float *a, int64_t sam, int64_t sak, int64_t m,
              const QWeights &w, const float *bias, int act, int mode,
              float sS, int zS) {
  int64_t k = w.k, n = w.n;
  std::vector<float> sa((size_t)m);
  std::vector<int> za((size_t)m);
  float gmn = 0, gmx = 0;
  for (int64_t i = 0; i < m; ++i) {
    float mn = 0, mx = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      mn = std::min(mn, a[i * sam + kk * sak]);
      mx = std::max(mx, a[i * sam + kk * sak]);
    }
    gmn = std::min(gmn, mn);
    gmx = std::max(gmx, mx);
    if (mode == BERTC_QUANT_DYNAMIC_ROW)
      refParams(mn, mx, sa[i], za[i]);
  }
  for (int64_t i = 0; i < m; ++i) {
    if (mode == BERTC_QUANT_DYNAMIC_TENSOR)
      refParams(gmn, gmx, sa[i], za[i]);
    else if (mode == BERTC_QUANT_STATIC)
      sa[i] = sS, za[i] = zS;
  }
  Ref r;
  r.y.resize((size_t)(m * n));
  r.tol.resize((size_t)(m * n));
  r.acc.resize((size_t)(m * n));
  std::vector<int> q((size_t)k);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t kk = 0; kk < k; ++kk)
      q[kk] = refQ(a[i * sam + kk * sak], sa[i], za[i]);
    for (int64_t j = 0; j < n; ++j) {
      int64_t acc = 0;
      for (int64_t kk = 0; kk < k; ++kk)
        acc += (int64_t)(q[kk] - za[i]) * w.wq[kk * n + j];
      r.acc[i * n + j] = acc;
      double prod = (double)acc * (double)sa[i] * (double)w.scale[j];
      double b = bias ? bias[j] : 0.0;
      double x = prod + b;
      r.y[i * n + j] = refAct(act, x);
      r.tol[i * n + j] = 1e-5 * (std::fabs(prod) + std::fabs(b)) + 1e-6;
    }
  }
  return r;
}

struct Out {
  std::vector<float> buf;
  int64_t m, n, s0, s1, off;
  Out(int64_t m_, int64_t n_, int64_t cs = 1, int64_t pad = 0, int64_t off_ = 0)
      : m(m_), n(n_), s0(n_ * cs + pad), s1(cs), off(off_) {
    buf.assign((size_t)(off + m * s0 + 1), -12345.0f);
  }
  bertc_memref2d_f32 view() { return {buf.data(), buf.data(), off, {m, n}, {s0, s1}}; }
  float at(int64_t i, int64_t j) const { return buf[off + i * s0 + j * s1]; }
};

void runQLinear(std::vector<float> &a, int64_t m, int64_t k, QWeights &w,
                std::vector<float> *bias, Out &c, int act, int mode,
                float sS = 0, int zS = 0, int64_t sam = -1, int64_t sak = 1) {
  if (sam < 0)
    sam = k;
  bertc_memref2d_f32 A = {a.data(), a.data(), 0, {m, k}, {sam, sak}};
  std::vector<float> dummy(1);
  bertc_memref1d_f32 B = bias ? view1(*bias, w.n) : view1(dummy, 1);
  bertc_memref3d_i8 W = w.view();
  bertc_memref1d_f32 S = view1(w.scale, w.n);
  bertc_memref1d_i32 CS = {w.colsum.data(), w.colsum.data(), 0, {w.n}, {1}};
  bertc_memref2d_f32 C = c.view();
  _mlir_ciface_bertc_qlinear_packed_f32(&A, &W, &S, &CS, &B, &C, act, mode, sS,
                                        zS, bias ? BERTC_QLINEAR_BIAS : 0);
}

int compare(const Ref &r, const Out &c, const std::string &what) {
  int bad = 0;
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double ref = r.y[i * c.n + j], got = c.at(i, j);
      double tol = r.tol[i * c.n + j] + 1e-5 * std::fabs(ref);
      if (!(std::fabs(got - ref) <= tol) && ++bad <= 3)
        ADD_FAILURE() << what << " at (" << i << ", " << j << "): got " << got
                      << ", want " << ref << " (acc " << r.acc[i * c.n + j]
                      << ")";
    }
  return bad;
}

const int kModes[] = {BERTC_QUANT_DYNAMIC_ROW, BERTC_QUANT_DYNAMIC_TENSOR,
                      BERTC_QUANT_STATIC};

/// A static (scale, zero point) calibrated to cover most of `a`.
void staticParams(const std::vector<float> &a, float &s, int &zp) {
  float mn = 0, mx = 0;
  for (float x : a)
    mn = std::min(mn, x), mx = std::max(mx, x);
  // 80% of the range: some values saturate, as with a real calibration.
  refParams(0.8f * mn, 0.8f * mx, s, zp);
}

// ---- tests ----

TEST(QGemm, ShapesModesIsas) {
  const int64_t ms[] = {1, 3, 17, 128}, ks[] = {1, 3, 64, 100, 768},
                ns[] = {1, 5, 33, 768};
  int idx = 0;
  for (int64_t k : ks)
    for (int64_t n : ns) {
      QWeights w(k, n, (unsigned)(k * 31 + n));
      std::vector<float> bias = randomVec((size_t)n, (unsigned)n + 5);
      for (int64_t m : ms) {
        std::vector<float> a = randomVec((size_t)(m * k), (unsigned)(m * 7 + k));
        for (int mode : kModes) {
          ++idx;
          int act = idx % 5;
          bool hasBias = idx % 2 == 0;
          float sS = 0;
          int zS = 0;
          staticParams(a, sS, zS);
          Ref r = reference(a.data(), k, 1, m, w, hasBias ? bias.data() : nullptr,
                            act, mode, sS, zS);
          for (int isa : supportedQIsas()) {
            QIsaScope scope(isa);
            ASSERT_EQ(bertc_cpu_qgemm_isa(), isa);
            int threads = 1 + idx % 3;
            ThreadedCtx ctx(threads);
            Out c(m, n);
            runQLinear(a, m, k, w, hasBias ? &bias : nullptr, c, act, mode, sS, zS);
            std::ostringstream what;
            what << qisaName(isa) << " " << m << "x" << n << "x" << k << " mode "
                 << mode << " act " << act << " bias " << hasBias << " threads "
                 << threads;
            ASSERT_EQ(compare(r, c, what.str()), 0) << what.str();
          }
          ASSERT_EQ(bertc_cpu_take_error(), 0);
        }
      }
    }
}

TEST(QGemm, EveryActivationBiasModeThreads) {
  const int64_t m = 29, k = 100, n = 70;
  QWeights w(k, n, 3);
  std::vector<float> a = randomVec((size_t)(m * k), 4), bias = randomVec((size_t)n, 5);
  for (int mode : kModes)
    for (int act = 0; act <= BERTC_ACT_QUICK_GELU; ++act)
      for (int hasBias = 0; hasBias < 2; ++hasBias) {
        float sS;
        int zS;
        staticParams(a, sS, zS);
        Ref r = reference(a.data(), k, 1, m, w, hasBias ? bias.data() : nullptr,
                          act, mode, sS, zS);
        for (int isa : supportedQIsas())
          for (int threads = 1; threads <= 3; ++threads) {
            QIsaScope scope(isa);
            ThreadedCtx ctx(threads);
            Out c(m, n);
            runQLinear(a, m, k, w, hasBias ? &bias : nullptr, c, act, mode, sS, zS);
            std::ostringstream what;
            what << qisaName(isa) << " mode " << mode << " act " << act
                 << " bias " << hasBias << " threads " << threads;
            ASSERT_EQ(compare(r, c, what.str()), 0) << what.str();
          }
      }
}

/// Many tasks along N share the lazily quantized A panels (and race for
/// them: a task that finds a panel being quantized makes a private copy).
/// Also a single panel of rows (M <= 12) with a long K: every task needs panel 0
/// first, at the same time.
TEST(QGemm, TasksShareQuantizedPanels) {
  for (int64_t m : {130, 5}) {
    const int64_t k = m > 12 ? 64 : 3000, n = m > 12 ? 1000 : 256;
    QWeights w(k, n, 41);
    std::vector<float> a = randomVec((size_t)(m * k), 42),
                       bias = randomVec((size_t)n, 43);
    for (int mode : kModes) {
      Ref r = reference(a.data(), k, 1, m, w, bias.data(), BERTC_ACT_RELU, mode,
                        0.03f, 120);
      for (int isa : supportedQIsas())
        for (int rep = 0; rep < 8; ++rep) {
          QIsaScope scope(isa);
          ThreadedCtx ctx(4 + rep % 3);
          Out c(m, n);
          runQLinear(a, m, k, w, &bias, c, BERTC_ACT_RELU, mode, 0.03f, 120);
          std::string what = std::string(qisaName(isa)) + " m " +
                             std::to_string(m) + " mode " + std::to_string(mode) +
                             " rep " + std::to_string(rep);
          ASSERT_EQ(compare(r, c, what), 0) << what;
        }
    }
  }
}

/// Scales of 1 and integer-valued A: the output is the exact integer
/// sum_k (q - zp) * Wq (well inside float's 2^24).
TEST(QGemm, IntegerPathExact) {
  const int64_t m = 40, k = 771, n = 97;
  std::vector<int8_t> q((size_t)(k * n));
  std::mt19937 gen(11);
  for (auto &v : q)
    v = (int8_t)((int)(gen() % 256) - 128); // full range, -128 included
  QWeights w(k, n, q, std::vector<float>((size_t)n, 1.0f));
  const int zp = 77;
  std::vector<float> a((size_t)(m * k));
  for (auto &v : a)
    v = (float)((int)(gen() % 256) - zp); // exactly representable in u8
  Ref r = reference(a.data(), k, 1, m, w, nullptr, 0, BERTC_QUANT_STATIC, 1.0f, zp);
  for (int isa : supportedQIsas())
    for (int threads : {1, 2}) {
      QIsaScope scope(isa);
      ThreadedCtx ctx(threads);
      Out c(m, n);
      runQLinear(a, m, k, w, nullptr, c, BERTC_ACT_NONE, BERTC_QUANT_STATIC, 1.0f, zp);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          ASSERT_EQ(c.at(i, j), (float)r.acc[i * n + j])
              << qisaName(isa) << " threads " << threads << " at " << i << ", " << j;
    }
}

/// Transposed A, strided C with an offset and padding (nothing written
/// outside C), strided bias / scale / colsum vectors.
TEST(QGemm, StridedOperands) {
  const int64_t m = 19, k = 67, n = 45;
  QWeights w(k, n, 21);
  std::vector<float> at = randomVec((size_t)(m * k), 22); // A^T stored [k][m]
  std::vector<float> bias = randomVec((size_t)n, 23);
  std::vector<float> bias2((size_t)(3 * n)), scale2((size_t)(2 * n));
  std::vector<int32_t> colsum2((size_t)(2 * n));
  for (int64_t j = 0; j < n; ++j) {
    bias2[3 * j] = bias[j];
    scale2[2 * j] = w.scale[j];
    colsum2[2 * j] = w.colsum[j];
  }
  for (int mode : kModes) {
    Ref r = reference(at.data(), 1, m, m, w, bias.data(), BERTC_ACT_GELU_ERF,
                      mode, 0.02f, 130);
    for (int isa : supportedQIsas()) {
      QIsaScope scope(isa);
      ThreadedCtx ctx(2);
      Out c(m, n, /*cs*/ 2, /*pad*/ 5, /*off*/ 3);
      bertc_memref2d_f32 A = {at.data(), at.data(), 0, {m, k}, {1, m}};
      bertc_memref3d_i8 W = w.view();
      bertc_memref1d_f32 S = {scale2.data(), scale2.data(), 0, {n}, {2}};
      bertc_memref1d_i32 CS = {colsum2.data(), colsum2.data(), 0, {n}, {2}};
      bertc_memref1d_f32 B = {bias2.data(), bias2.data(), 0, {n}, {3}};
      bertc_memref2d_f32 C = c.view();
      _mlir_ciface_bertc_qlinear_packed_f32(&A, &W, &S, &CS, &B, &C,
                                            BERTC_ACT_GELU_ERF, mode, 0.02f,
                                            130, BERTC_QLINEAR_BIAS);
      std::string what = std::string(qisaName(isa)) + " mode " + std::to_string(mode);
      ASSERT_EQ(compare(r, c, what), 0) << what;
      // Only C's elements were written.
      std::vector<bool> inC(c.buf.size());
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          inC[c.off + i * c.s0 + j * c.s1] = true;
      for (size_t x = 0; x < c.buf.size(); ++x)
        if (!inC[x]) {
          ASSERT_EQ(c.buf[x], -12345.0f) << what << " wrote outside C at " << x;
        }
    }
  }
}

/// Degenerate sizes: K = 0 gives bias + act of 0; M or N = 0 do nothing.
TEST(QGemm, DegenerateSizes) {
  for (int isa : supportedQIsas()) {
    QIsaScope scope(isa);
    QWeights w(0, 7, 1);
    std::vector<float> a(1), bias = randomVec(7, 2);
    Out c(3, 7);
    runQLinear(a, 3, 0, w, &bias, c, BERTC_ACT_RELU, BERTC_QUANT_DYNAMIC_ROW);
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 7; ++j)
        EXPECT_EQ(c.at(i, j), std::max(bias[j], 0.0f));
    Out c0(0, 7);
    runQLinear(a, 0, 0, w, &bias, c0, BERTC_ACT_NONE, BERTC_QUANT_DYNAMIC_TENSOR);
    EXPECT_EQ(bertc_cpu_take_error(), 0);
  }
}

/// ONNX DynamicQuantizeLinear's documented examples, through the per-tensor
/// mode: W = identity (scale 1), so C = (q - zp) * scale.
TEST(QGemm, DynamicPerTensorMatchesOnnxDynamicQuantizeLinear) {
  struct Example {
    std::vector<float> x;
    float scale;
    int zp;
    std::vector<int> q;
  };
  const Example examples[] = {
      {{0, 2, -3, -2.5f, 1.34f, 0.5f}, 0.019607844f, 153, {153, 255, 0, 26, 221, 179}},
      {{-1.0f, -2.1f, -1.3f, -2.5f, -3.34f, -4.0f}, 0.015686275f, 255,
       {191, 121, 172, 96, 42, 0}},
      {{1, 2.1f, 1.3f, 2.5f, 3.34f, 4.0f, 1.5f, 2.6f, 3.9f, 4.0f, 3.0f, 2.345f},
       0.015686275f, 0, {64, 134, 83, 159, 213, 255, 96, 166, 249, 255, 191, 149}},
  };
  for (const Example &ex : examples) {
    const int64_t k = 3, m = (int64_t)ex.x.size() / k;
    std::vector<int8_t> eye((size_t)(k * k), 0);
    for (int64_t i = 0; i < k; ++i)
      eye[i * k + i] = 1;
    QWeights w(k, k, eye, std::vector<float>((size_t)k, 1.0f));
    float s;
    int zp;
    refParams(*std::min_element(ex.x.begin(), ex.x.end()),
              *std::max_element(ex.x.begin(), ex.x.end()), s, zp);
    EXPECT_FLOAT_EQ(s, ex.scale);
    EXPECT_EQ(zp, ex.zp);
    std::vector<float> a = ex.x;
    for (int isa : supportedQIsas()) {
      QIsaScope scope(isa);
      Out c(m, k);
      runQLinear(a, m, k, w, nullptr, c, BERTC_ACT_NONE, BERTC_QUANT_DYNAMIC_TENSOR);
      for (int64_t i = 0; i < m * k; ++i)
        EXPECT_FLOAT_EQ(c.at(i / k, i % k), (float)(ex.q[i] - ex.zp) * ex.scale)
            << qisaName(isa) << " element " << i;
    }
  }
  // Per row, the same formula on each row: row 0 of example 1 is
  // [0, 2, -3] -> scale 5/255, zp 153, q = [153, 255, 0].
  {
    std::vector<int8_t> eye = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    QWeights w(3, 3, eye, std::vector<float>(3, 1.0f));
    std::vector<float> a = {0, 2, -3, 0.25f, 0.2f, 1.0f};
    for (int isa : supportedQIsas()) {
      QIsaScope scope(isa);
      Out c(2, 3);
      runQLinear(a, 2, 3, w, nullptr, c, BERTC_ACT_NONE, BERTC_QUANT_DYNAMIC_ROW);
      const float s0 = 5.0f / 255.0f, s1 = 1.0f / 255.0f;
      EXPECT_FLOAT_EQ(c.at(0, 0), 0.0f);
      EXPECT_FLOAT_EQ(c.at(0, 1), 102 * s0);
      EXPECT_FLOAT_EQ(c.at(0, 2), -153 * s0);
      // row 1: [0.25, 0.2, 1] -> scale 1/255, zp 0, q = [64 (63.75), 51, 255]
      EXPECT_FLOAT_EQ(c.at(1, 0), 64 * s1);
      EXPECT_FLOAT_EQ(c.at(1, 1), 51 * s1);
      EXPECT_FLOAT_EQ(c.at(1, 2), 255 * s1);
    }
  }
}

/// Static mode: saturation at both ends and round half to even.
TEST(QGemm, StaticSaturatesAndRoundsHalfToEven) {
  std::vector<int8_t> one = {1};
  QWeights w(1, 1, one, {1.0f});
  std::vector<float> a = {-100.0f, 1000.0f, 2.5f, 3.5f, -0.5f, 1e30f, -1e30f};
  const float s = 1.0f;
  const int zp = 10;
  const float want[] = {-10, 245, 2, 4, 0, 245, -10};
  for (int isa : supportedQIsas()) {
    QIsaScope scope(isa);
    Out c((int64_t)a.size(), 1);
    runQLinear(a, (int64_t)a.size(), 1, w, nullptr, c, BERTC_ACT_NONE,
               BERTC_QUANT_STATIC, s, zp);
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_EQ(c.at((int64_t)i, 0), want[i]) << qisaName(isa) << " " << a[i];
  }
}

/// The packing layout documented in kernel_abi.h, element by element.
TEST(QGemm, ReferencePackingLayout) {
  const int64_t k = 10, n = 37, nr = BERTC_QGEMM_NR, kq = (k + 3) / 4;
  std::vector<int8_t> q((size_t)(k * n));
  for (int64_t i = 0; i < k * n; ++i)
    q[i] = (int8_t)(i * 37 % 255 - 127);
  QWeights w(k, n, q, std::vector<float>((size_t)n, 1.0f));
  ASSERT_EQ(bertc_cpu_qweight_packed_bytes(k, n), 2 * kq * nr * 4);
  for (int64_t p = 0; p < w.panels; ++p)
    for (int64_t qq = 0; qq < kq; ++qq)
      for (int64_t j = 0; j < nr; ++j)
        for (int64_t t = 0; t < 4; ++t) {
          int64_t kk = 4 * qq + t, col = p * nr + j;
          int8_t want = kk < k && col < n ? q[kk * n + col] : 0;
          ASSERT_EQ(w.packed[((p * kq + qq) * nr + j) * 4 + t], want);
        }
  for (int64_t j = 0; j < n; ++j) {
    int32_t s = 0;
    for (int64_t kk = 0; kk < k; ++kk)
      s += q[kk * n + j];
    EXPECT_EQ(w.colsum[j], s);
  }
  // Weight quantization: symmetric per column, max |w| -> 127, half to even.
  std::vector<float> wf = {0.5f, 4.0f, -1.27f, -2.0f, 1.0f, 0.0f, 0.0f, 0.0f}; // [4][2]
  std::vector<int8_t> wq(8);
  std::vector<float> sc(2);
  bertc_cpu_quantize_qweight_s8(wf.data(), 4, 2, 2, wq.data(), 2, sc.data());
  EXPECT_FLOAT_EQ(sc[0], 1.27f / 127.0f);
  EXPECT_FLOAT_EQ(sc[1], 4.0f / 127.0f);
  EXPECT_EQ(wq[0], 50);
  EXPECT_EQ(wq[2], -127);
  EXPECT_EQ(wq[4], 100);
  EXPECT_EQ(wq[1], 127);
  EXPECT_EQ(wq[3], -64); // -63.5 -> -64 (even)
  EXPECT_EQ(wq[5], 0);
}

TEST(QGemm, InvalidArgumentsReportErrors) {
  QWeights w(8, 5, 1);
  std::vector<float> a = randomVec(16, 2);
  Out c(2, 5);
  bertc_cpu_take_error();
  runQLinear(a, 2, 8, w, nullptr, c, 0, BERTC_QUANT_STATIC, 0.1f, 300);
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_INTERNAL);
  runQLinear(a, 2, 8, w, nullptr, c, 0, BERTC_QUANT_STATIC, 0.0f, 0);
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_INTERNAL);
  runQLinear(a, 2, 8, w, nullptr, c, 0, 7, 0.1f, 0);
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_INTERNAL);
  // K of A and of the packed weight differ.
  std::vector<float> a2 = randomVec(24, 3);
  runQLinear(a2, 2, 12, w, nullptr, c, 0, BERTC_QUANT_DYNAMIC_ROW);
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_INTERNAL);
  runQLinear(a, 2, 8, w, nullptr, c, 0, BERTC_QUANT_DYNAMIC_ROW);
  EXPECT_EQ(bertc_cpu_take_error(), 0);
}

TEST(QGemm, IsaSelection) {
  int best = bertc_cpu_qgemm_best_isa();
  EXPECT_EQ(bertc_cpu_qgemm_isa(), best);
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl")) {
    EXPECT_EQ(best, BERTC_QGEMM_ISA_VNNI);
  }
#endif
  EXPECT_EQ(bertc_cpu_qgemm_set_isa(BERTC_QGEMM_ISA_GENERIC), BERTC_QGEMM_ISA_GENERIC);
  // AVX-512 without VNNI has no int8 kernel of its own: AVX2.
  if (best >= BERTC_QGEMM_ISA_AVX2) {
    EXPECT_EQ(bertc_cpu_qgemm_set_isa(BERTC_ISA_AVX512), BERTC_QGEMM_ISA_AVX2);
  }
  EXPECT_EQ(bertc_cpu_qgemm_set_isa(99), best);
  EXPECT_EQ(bertc_cpu_qgemm_set_isa(-1), best);
}

} // namespace
