/*===- qgemm_kernels.c - int8 GEMM: activation quantization, micro-kernels -===*
 *
 * The per-ISA code of the int8 linear (qgemm.c drives it):
 *   - quantization of fp32 rows of A to u8 (ONNX QuantizeLinear math,
 *     bertc_quantize_u8 in qgemm_internal.h) straight into the packed
 *     panel layout the micro-kernel reads, with the per-row dynamic
 *     parameters (bertc_qparams_dynamic) when asked;
 *   - the micro-kernel: one QMR x QNR (12 x 32) tile of int32 dot products
 *     of u8 A and s8 W, then the fused epilogue (zero-point correction,
 *     scales, bias, activation) written to C as fp32.
 * Variants:
 *   VNNI     AVX-512F/BW/VL + AVX512-VNNI: 24 zmm accumulators, per k-quad
 *            2 loads of W (32 columns x 4 k), 12 broadcasts of A's 32-bit
 *            k-quads, 24 vpdpbusd (u8 x s8, 4 products summed into each
 *            s32 lane, exact); 8- and 4-row variants for the last panel.
 *   AVX2     4 x 8 sub-tiles: A quantized to int16 panels, W widened to
 *            int16 in registers, vpmaddwd (exact) + vpaddd (6 x 8 spilled
 *            accumulators: GCC hoists the broadcasts).
 *   generic  portable C, exact int32 arithmetic.
 * All variants compute identical integers (quantized values, accumulators);
 * only the fp32 epilogue may differ in the last bit (FMA contraction).
 * Each SIMD function has a per-function target(...) attribute; the file is
 * compiled with the default flags, so one model.so runs on any x86-64.
 *===----------------------------------------------------------------------===*/
#include "act_math.h"
#include "qgemm_internal.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define QGEMM_X86 1
#define VNNI_TARGET "avx512f,avx512bw,avx512vl,avx512vnni"
#endif

#define QINLINE __attribute__((always_inline)) static inline

static inline int64_t qmin64(int64_t a, int64_t b) { return a < b ? a : b; }

/*===-------------------------- generic C code ---------------------------===*/

QINLINE void minmax_impl(const float *a, int64_t sam, int64_t sak,
                         int64_t rows, int64_t k, float *mn, float *mx) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *row = a + i * sam;
    float lo = 0.0f, hi = 0.0f; /* the range always includes 0 */
    for (int64_t kk = 0; kk < k; ++kk) {
      float x = row[kk * sak];
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
    mn[i] = lo;
    mx[i] = hi;
  }
}

/* One row of A (element k at x[k * sak]) -> row r of the panel. */
QINLINE void quant_row_impl(const float *x, int64_t sak, int64_t k, float s,
                            int32_t zp, uint8_t *dst, int64_t r) {
  int64_t kq = (k + 3) / 4;
  for (int64_t q = 0; q < kq; ++q) {
    uint8_t *d = dst + (q * QMR + r) * 4;
    for (int t = 0; t < 4; ++t) {
      int64_t kk = 4 * q + t;
      d[t] = kk < k ? bertc_quantize_u8(x[kk * sak], s, zp) : 0;
    }
  }
}

/* Rows past `rows` of the panel: zero, with zero parameters. */
QINLINE void pad_rows(int64_t rows, int64_t k, uint8_t *dst, float *sa,
                      int32_t *za) {
  int64_t kq = (k + 3) / 4;
  for (int64_t r = rows; r < QMR; ++r) {
    sa[r] = 0.0f;
    za[r] = 0;
    for (int64_t q = 0; q < kq; ++q)
      memset(dst + (q * QMR + r) * 4, 0, 4);
  }
}

QINLINE void quant_impl(const float *a, int64_t sam, int64_t sak,
                        int64_t rows, int64_t k, int per_row, float scale,
                        int32_t zp, uint8_t *dst, float *sa, int32_t *za) {
  for (int64_t i = 0; i < rows; ++i) {
    float s = scale;
    int32_t z = zp;
    if (per_row) {
      float mn, mx;
      minmax_impl(a + i * sam, 0, sak, 1, k, &mn, &mx);
      bertc_qparams_dynamic(mn, mx, &s, &z);
    }
    sa[i] = s;
    za[i] = z;
    quant_row_impl(a + i * sam, sak, k, s, z, dst, i);
  }
  pad_rows(rows, k, dst, sa, za);
}

/* y = (acc - zp_a * colsum) * (scale_a * w_scale) + bias, then act: the
 * epilogue of one tile of int32 results t (row stride QNR). */
QINLINE void epilogue_impl(const int32_t *t, float *c, int64_t scm,
                           int64_t scn, int64_t rows, int64_t cols,
                           const bertc_qgemm_epi *e) {
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t *tr = t + r * QNR;
    float *cr = c + r * scm;
    float sa = e->a_scale[r];
    int32_t za = e->a_zp[r];
    for (int64_t j = 0; j < cols; ++j) {
      float y = (float)(tr[j] - za * e->w_colsum[j]) * (sa * e->w_scale[j]);
      if (e->bias)
        y += e->bias[j];
      cr[j * scn] = y;
    }
    if (e->act != BERTC_ACT_NONE) {
      if (scn == 1)
        act_row(e->act, cr, cols);
      else
        for (int64_t j = 0; j < cols; ++j)
          cr[j * scn] = act_scalar(e->act, cr[j * scn]);
    }
  }
}

/* Per row, the W panel's 128 bytes per k-quad are multiplied by the row's
 * 4 A bytes repeated and summed into 128 int32 partial sums (contiguous:
 * vectorizes), reduced to the 32 column sums at the end. */
QINLINE void kern_impl(int64_t kq, const uint8_t *a, const int8_t *b,
                       float *c, int64_t scm, int64_t scn, int64_t rows,
                       int64_t cols, const bertc_qgemm_epi *e) {
  int32_t t[QMR * QNR];
  for (int64_t r = 0; r < rows; ++r) {
    int32_t part[QNR * 4];
    for (int j = 0; j < QNR * 4; ++j)
      part[j] = 0;
    for (int64_t q = 0; q < kq; ++q) {
      const uint8_t *aq = a + (q * QMR + r) * 4;
      const int8_t *bq = b + q * QNR * 4;
      int32_t a4[4] = {aq[0], aq[1], aq[2], aq[3]};
      for (int j = 0; j < QNR * 4; ++j)
        part[j] += a4[j & 3] * (int32_t)bq[j];
    }
    for (int j = 0; j < QNR; ++j)
      t[r * QNR + j] = part[4 * j] + part[4 * j + 1] + part[4 * j + 2] +
                       part[4 * j + 3];
  }
  epilogue_impl(t, c, scm, scn, rows, cols, e);
}

void bertc_qgemm_minmax_generic(const float *a, int64_t sam, int64_t sak,
                                int64_t rows, int64_t k, float *mn, float *mx) {
  minmax_impl(a, sam, sak, rows, k, mn, mx);
}
void bertc_qgemm_quant_generic(const float *a, int64_t sam, int64_t sak,
                               int64_t rows, int64_t k, int per_row,
                               float scale, int32_t zp, uint8_t *dst,
                               float *sa, int32_t *za) {
  quant_impl(a, sam, sak, rows, k, per_row, scale, zp, dst, sa, za);
}
void bertc_qgemm_kern_generic(int64_t kq, const uint8_t *a, const int8_t *b,
                              float *c, int64_t scm, int64_t scn, int64_t rows,
                              int64_t cols, const bertc_qgemm_epi *e) {
  kern_impl(kq, a, b, c, scm, scn, rows, cols, e);
}

#ifdef QGEMM_X86
/*===------------------------------- AVX2 --------------------------------===*/
/* AVX2 has no u8 x s8 dot product that cannot saturate (vpmaddubsw sums
 * two products into int16: 2 x 255 x 127 overflows), so A is quantized
 * into int16 panels (same layout, 2 bytes per element) and W's bytes are
 * widened to int16 in registers: vpmaddwd gives, per 32-bit lane, the sum
 * of two exact products; each column's two partial sums are combined at
 * the end (vphaddd). */

QINLINE void quant_row16_impl(const float *x, int64_t sak, int64_t k, float s,
                              int32_t zp, int16_t *dst, int64_t r) {
  int64_t kq = (k + 3) / 4;
  for (int64_t q = 0; q < kq; ++q) {
    int16_t *d = dst + (q * QMR + r) * 4;
    for (int t = 0; t < 4; ++t) {
      int64_t kk = 4 * q + t;
      d[t] = kk < k ? (int16_t)bertc_quantize_u8(x[kk * sak], s, zp) : 0;
    }
  }
}

__attribute__((target("avx2,fma"))) void
bertc_qgemm_minmax_avx2(const float *a, int64_t sam, int64_t sak, int64_t rows,
                        int64_t k, float *mn, float *mx) {
  minmax_impl(a, sam, sak, rows, k, mn, mx);
}

__attribute__((target("avx2,fma"))) void
bertc_qgemm_quant_avx2(const float *a, int64_t sam, int64_t sak, int64_t rows,
                       int64_t k, int per_row, float scale, int32_t zp,
                       uint8_t *dst, float *sa, int32_t *za) {
  int16_t *d = (int16_t *)(void *)dst;
  int64_t kq = (k + 3) / 4;
  for (int64_t i = 0; i < rows; ++i) {
    float s = scale;
    int32_t z = zp;
    if (per_row) {
      float mn, mx;
      minmax_impl(a + i * sam, 0, sak, 1, k, &mn, &mx);
      bertc_qparams_dynamic(mn, mx, &s, &z);
    }
    sa[i] = s;
    za[i] = z;
    quant_row16_impl(a + i * sam, sak, k, s, z, d, i);
  }
  for (int64_t r = rows; r < QMR; ++r) {
    sa[r] = 0.0f;
    za[r] = 0;
    for (int64_t q = 0; q < kq; ++q)
      memset(d + (q * QMR + r) * 4, 0, 8);
  }
}

/* t[0:4][0:8] (row stride QNR) = int32 dot products of 4 rows of an int16
 * A panel (a: its row 0) and 8 columns of a W panel (b: its column 0). */
__attribute__((target("avx2,fma"), noinline)) static void
qk256_4x8(int64_t kq, const int16_t *a, const int8_t *b, int32_t *t) {
  __m256i x0[4], x1[4];
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r)
    x0[r] = x1[r] = _mm256_setzero_si256();
  for (int64_t q = 0; q < kq; ++q) {
    __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)b));
    __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 16)));
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
      int64_t w;
      memcpy(&w, a + 4 * r, 8);
      __m256i av = _mm256_set1_epi64x(w);
      x0[r] = _mm256_add_epi32(x0[r], _mm256_madd_epi16(av, b0));
      x1[r] = _mm256_add_epi32(x1[r], _mm256_madd_epi16(av, b1));
    }
    a += QMR * 4;
    b += QNR * 4;
  }
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) {
    /* [c0 c1 c4 c5 | c2 c3 c6 c7] -> c0..c7 */
    __m256i s = _mm256_hadd_epi32(x0[r], x1[r]);
    _mm256_storeu_si256((__m256i *)(t + r * QNR),
                        _mm256_permute4x64_epi64(s, 0xD8));
  }
}

__attribute__((target("avx2,fma"))) void
bertc_qgemm_kern_avx2(int64_t kq, const uint8_t *a, const int8_t *b, float *c,
                      int64_t scm, int64_t scn, int64_t rows, int64_t cols,
                      const bertc_qgemm_epi *e) {
  int32_t t[QMR * QNR];
  const int16_t *a16 = (const int16_t *)(const void *)a;
  for (int64_t r0 = 0; r0 < rows; r0 += 4)
    for (int64_t c0 = 0; c0 < cols; c0 += 8)
      qk256_4x8(kq, a16 + r0 * 4, b + c0 * 4, t + r0 * QNR + c0);
  epilogue_impl(t, c, scm, scn, rows, cols, e);
}

/*===---------------------- AVX-512F/BW/VL + VNNI ------------------------===*/

__attribute__((target(VNNI_TARGET))) static inline __mmask16 mask16(int64_t n) {
  return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
}

/* min/max of one contiguous row, including 0. */
__attribute__((always_inline, target(VNNI_TARGET))) static inline void
row_minmax_vnni(const float *x, int64_t k, float *mn, float *mx) {
  __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
  int64_t kk = 0;
  for (; kk + 16 <= k; kk += 16) {
    __m512 v = _mm512_loadu_ps(x + kk);
    lo = _mm512_min_ps(v, lo);
    hi = _mm512_max_ps(v, hi);
  }
  if (kk < k) {
    __m512 v = _mm512_maskz_loadu_ps(mask16(k - kk), x + kk); /* 0 past k */
    lo = _mm512_min_ps(v, lo);
    hi = _mm512_max_ps(v, hi);
  }
  *mn = _mm512_reduce_min_ps(lo);
  *mx = _mm512_reduce_max_ps(hi);
}

__attribute__((target(VNNI_TARGET))) void
bertc_qgemm_minmax_vnni(const float *a, int64_t sam, int64_t sak, int64_t rows,
                        int64_t k, float *mn, float *mx) {
  if (sak != 1) {
    minmax_impl(a, sam, sak, rows, k, mn, mx);
    return;
  }
  for (int64_t i = 0; i < rows; ++i)
    row_minmax_vnni(a + i * sam, k, &mn[i], &mx[i]);
}

/* 16 values at a time: divide, clamp to [-zp, 255 - zp], round half to
 * even (vcvtps2dq under the default MXCSR), add zp, narrow; the 4 k-quads
 * go to row r of 4 consecutive panel quads. */
__attribute__((always_inline, target(VNNI_TARGET))) static inline void
quant_row_vnni(const float *x, int64_t k, float s, int32_t zp, uint8_t *dst,
               int64_t r) {
  const __m512 vs = _mm512_set1_ps(s), lo = _mm512_set1_ps((float)-zp),
               hi = _mm512_set1_ps((float)(255 - zp));
  const __m512i vz = _mm512_set1_epi32(zp);
  int64_t kq = (k + 3) / 4;
  for (int64_t k0 = 0; k0 < k; k0 += 16) {
    __mmask16 m = mask16(k - k0);
    __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(m, x + k0), vs);
    v = _mm512_min_ps(_mm512_max_ps(v, lo), hi); /* NaN -> lo */
    __m512i q = _mm512_maskz_add_epi32(m, _mm512_cvtps_epi32(v), vz);
    __m128i b = _mm512_cvtepi32_epi8(q);
    uint32_t w[4];
    _mm_storeu_si128((__m128i *)w, b);
    int64_t q0 = k0 / 4, nq = qmin64(4, kq - q0);
    for (int64_t i = 0; i < nq; ++i)
      memcpy(dst + ((q0 + i) * QMR + r) * 4, &w[i], 4);
  }
}

__attribute__((target(VNNI_TARGET))) void
bertc_qgemm_quant_vnni(const float *a, int64_t sam, int64_t sak, int64_t rows,
                       int64_t k, int per_row, float scale, int32_t zp,
                       uint8_t *dst, float *sa, int32_t *za) {
  if (sak != 1) {
    quant_impl(a, sam, sak, rows, k, per_row, scale, zp, dst, sa, za);
    return;
  }
  for (int64_t i = 0; i < rows; ++i) {
    const float *x = a + i * sam;
    float s = scale;
    int32_t z = zp;
    if (per_row) {
      float mn, mx;
      row_minmax_vnni(x, k, &mn, &mx);
      bertc_qparams_dynamic(mn, mx, &s, &z);
    }
    sa[i] = s;
    za[i] = z;
    quant_row_vnni(x, k, s, z, dst, i);
  }
  pad_rows(rows, k, dst, sa, za);
}

/* R x 32 tile (R = 12, 8 or 4 of the panel's 12 rows). */
__attribute__((always_inline, target(VNNI_TARGET))) static inline void
qk512(const int R, int64_t kq, const uint8_t *a, const int8_t *b, float *c,
      int64_t scm, int64_t scn, int64_t rows, int64_t cols,
      const bertc_qgemm_epi *e) {
  __m512i x0[QMR], x1[QMR];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    if (r < rows) {
      _mm_prefetch((const char *)(c + r * scm), _MM_HINT_T0);
      _mm_prefetch((const char *)(c + r * scm + (cols - 1) * scn), _MM_HINT_T0);
    }
    x0[r] = x1[r] = _mm512_setzero_si512();
  }
  for (int64_t q = 0; q < kq; ++q) {
    __m512i b0 = _mm512_loadu_si512(b), b1 = _mm512_loadu_si512(b + 64);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      int32_t w;
      memcpy(&w, a + 4 * r, 4);
      __m512i av = _mm512_set1_epi32(w);
      x0[r] = _mm512_dpbusd_epi32(x0[r], av, b0);
      x1[r] = _mm512_dpbusd_epi32(x1[r], av, b1);
    }
    a += QMR * 4;
    b += QNR * 4;
  }
  __mmask16 m0 = mask16(cols), m1 = mask16(cols - 16);
  __m512i cs0 = _mm512_maskz_loadu_epi32(m0, e->w_colsum),
          cs1 = _mm512_maskz_loadu_epi32(m1, e->w_colsum + 16);
  __m512 sw0 = _mm512_maskz_loadu_ps(m0, e->w_scale),
         sw1 = _mm512_maskz_loadu_ps(m1, e->w_scale + 16);
  __m512 bb0 = _mm512_setzero_ps(), bb1 = _mm512_setzero_ps();
  if (e->bias) {
    bb0 = _mm512_maskz_loadu_ps(m0, e->bias);
    bb1 = _mm512_maskz_loadu_ps(m1, e->bias + 16);
  }
  float t[QMR * QNR] __attribute__((aligned(64)));
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    if (r < rows) {
      __m512i z = _mm512_set1_epi32(e->a_zp[r]);
      __m512 s = _mm512_set1_ps(e->a_scale[r]);
      __m512 y0 = _mm512_cvtepi32_ps(
          _mm512_sub_epi32(x0[r], _mm512_mullo_epi32(z, cs0)));
      __m512 y1 = _mm512_cvtepi32_ps(
          _mm512_sub_epi32(x1[r], _mm512_mullo_epi32(z, cs1)));
      y0 = _mm512_mul_ps(y0, _mm512_mul_ps(s, sw0));
      y1 = _mm512_mul_ps(y1, _mm512_mul_ps(s, sw1));
      if (e->bias) {
        y0 = _mm512_add_ps(y0, bb0);
        y1 = _mm512_add_ps(y1, bb1);
      }
      if (scn == 1) {
        float *cr = c + r * scm;
        _mm512_mask_storeu_ps(cr, m0, y0);
        _mm512_mask_storeu_ps(cr + 16, m1, y1);
      } else {
        _mm512_store_ps(t + r * QNR, y0);
        _mm512_store_ps(t + r * QNR + 16, y1);
      }
    }
  }
  if (scn != 1)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < cols; ++j)
        c[r * scm + j * scn] = t[r * QNR + j];
  if (e->act != BERTC_ACT_NONE)
    for (int64_t r = 0; r < rows; ++r) {
      float *cr = c + r * scm;
      if (scn == 1)
        act_row(e->act, cr, cols);
      else
        for (int64_t j = 0; j < cols; ++j)
          cr[j * scn] = act_scalar(e->act, cr[j * scn]);
    }
}

__attribute__((target(VNNI_TARGET), noinline)) static void
qk512_12(int64_t kq, const uint8_t *a, const int8_t *b, float *c, int64_t scm,
         int64_t scn, int64_t rows, int64_t cols, const bertc_qgemm_epi *e) {
  qk512(12, kq, a, b, c, scm, scn, rows, cols, e);
}
__attribute__((target(VNNI_TARGET), noinline)) static void
qk512_8(int64_t kq, const uint8_t *a, const int8_t *b, float *c, int64_t scm,
        int64_t scn, int64_t rows, int64_t cols, const bertc_qgemm_epi *e) {
  qk512(8, kq, a, b, c, scm, scn, rows, cols, e);
}
__attribute__((target(VNNI_TARGET), noinline)) static void
qk512_4(int64_t kq, const uint8_t *a, const int8_t *b, float *c, int64_t scm,
        int64_t scn, int64_t rows, int64_t cols, const bertc_qgemm_epi *e) {
  qk512(4, kq, a, b, c, scm, scn, rows, cols, e);
}

void bertc_qgemm_kern_vnni(int64_t kq, const uint8_t *a, const int8_t *b,
                           float *c, int64_t scm, int64_t scn, int64_t rows,
                           int64_t cols, const bertc_qgemm_epi *e) {
  if (rows > 8)
    qk512_12(kq, a, b, c, scm, scn, rows, cols, e);
  else if (rows > 4)
    qk512_8(kq, a, b, c, scm, scn, rows, cols, e);
  else
    qk512_4(kq, a, b, c, scm, scn, rows, cols, e);
}
#endif
