/*===- sgemm_kernels.c - fp32 GEMM micro-kernels (generic, AVX-512, AVX2) -===*
 *
 * One MR x NR (12 x 32) tile of C per call, updated from a packed A panel
 * [k][MR] (or, on AVX-512, row-major A read in place) and a packed B panel
 * [k][NR] (sgemm_pack.c); the kernel loads, accumulates and stores C itself,
 * masked at the edges. sgemm.c picks one at run time:
 *   AVX-512F  12 x 32: 24 zmm accumulators, per k 2 loads of B and 12
 *             broadcasts of A; 8- and 4-row variants for the last panel.
 *   AVX2+FMA  the 12 x 32 tile as 2 x 2 sub-tiles of 6 x 16 (12 ymm
 *             accumulators each).
 *   generic   portable C (baseline SSE2 after auto-vectorization).
 * Each SIMD kernel has a per-function target(...) attribute; the file is
 * compiled with the default flags, so one model.so runs on any x86-64.
 *===----------------------------------------------------------------------===*/
#include "sgemm_internal.h"

#include <string.h>

/* Writes a rows x cols tile (row stride ldt) into C. */
static void store_tile(float *c, int64_t scm, int64_t scn, const float *t,
                       int64_t ldt, int64_t rows, int64_t cols, int accumulate) {
  for (int64_t r = 0; r < rows; ++r) {
    float *cr = c + r * scm;
    const float *tr = t + r * ldt;
    if (accumulate)
      for (int64_t j = 0; j < cols; ++j)
        cr[j * scn] += tr[j];
    else
      for (int64_t j = 0; j < cols; ++j)
        cr[j * scn] = tr[j];
  }
}

void bertc_sgemm_kern_generic(int64_t kc, const float *a, int64_t lda,
                         const float *b, float *c, int64_t scm, int64_t scn,
                         int64_t rows, int64_t cols, int accumulate) {
  (void)lda; /* packed A only */
  float t[MR][NR];
  for (int64_t r = 0; r < rows; ++r) {
    float acc[NR];
    for (int j = 0; j < NR; ++j)
      acc[j] = 0.0f;
    for (int64_t kk = 0; kk < kc; ++kk) {
      float av = a[kk * MR + r];
      const float *bk = b + kk * NR;
      for (int j = 0; j < NR; ++j)
        acc[j] += av * bk[j];
    }
    memcpy(t[r], acc, sizeof acc);
  }
  store_tile(c, scm, scn, &t[0][0], NR, rows, cols, accumulate);
}

#ifdef BERTC_X86
/* ---- AVX-512: R x 32 (R = 12, 8 or 4 of the 12 packed rows) ---- */
/* lda == 0: `a` is a packed panel a[k][MR]. lda > 0 ("direct A"): `a` is
 * row-major A itself, row r at a + r * lda, read in place (rows past `rows`
 * re-read row 0; their results are not stored). */
__attribute__((always_inline, target("avx512f"))) static inline void
k512(const int R, int64_t kc, const float *a, int64_t lda, const float *b,
     float *c, int64_t scm, int64_t scn, int64_t rows, int64_t cols,
     int accumulate) {
  __m512 x0[MR], x1[MR];
  /* C is only touched after the k loop: start fetching it now. */
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    if (r < rows) {
      _mm_prefetch((const char *)(c + r * scm), _MM_HINT_T0);
      _mm_prefetch((const char *)(c + r * scm + (cols - 1) * scn), _MM_HINT_T0);
    }
    x0[r] = x1[r] = _mm512_setzero_ps();
  }
  if (lda) {
    /* Rows in groups of three from four base pointers (base, +lda, +2 lda
     * by scaled index), so that the 12 row streams need 5 registers. */
    const float *a0 = a, *a3 = a + (rows > 3 ? 3 : 0) * lda,
                *a6 = a + (rows > 6 ? 6 : 0) * lda,
                *a9 = a + (rows > 9 ? 9 : 0) * lda;
    int64_t l1 = rows > 1 ? lda : 0, l2 = rows > 2 ? lda : 0;
    /* rows in a group past `rows` fall back to the group's first row */
    int64_t s4 = rows > 4 ? lda : 0, s5 = rows > 5 ? lda : 0;
    int64_t s7 = rows > 7 ? lda : 0, s8 = rows > 8 ? lda : 0;
    int64_t s10 = rows > 10 ? lda : 0, s11 = rows > 11 ? lda : 0;
    const float *p[MR] = {a0,      a0 + l1,      a0 + 2 * l2,
                          a3,      a3 + s4,      a3 + 2 * s5,
                          a6,      a6 + s7,      a6 + 2 * s8,
                          a9,      a9 + s10,     a9 + 2 * s11};
    for (int64_t kk = 0; kk < kc; ++kk) {
      __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        __m512 av = _mm512_set1_ps(p[r][kk]);
        x0[r] = _mm512_fmadd_ps(av, b0, x0[r]);
        x1[r] = _mm512_fmadd_ps(av, b1, x1[r]);
      }
      b += NR;
    }
  } else {
    for (int64_t kk = 0; kk < kc; ++kk) {
      __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        __m512 av = _mm512_set1_ps(a[r]);
        x0[r] = _mm512_fmadd_ps(av, b0, x0[r]);
        x1[r] = _mm512_fmadd_ps(av, b1, x1[r]);
      }
      a += MR;
      b += NR;
    }
  }
  if (scn == 1) {
    __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 m1 = cols >= 32   ? 0xFFFF
                   : cols > 16 ? (__mmask16)((1u << (cols - 16)) - 1)
                               : 0;
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      if (r < rows) {
        float *cr = c + r * scm;
        __m512 y0 = x0[r], y1 = x1[r];
        if (accumulate) {
          y0 = _mm512_add_ps(y0, _mm512_maskz_loadu_ps(m0, cr));
          y1 = _mm512_add_ps(y1, _mm512_maskz_loadu_ps(m1, cr + 16));
        }
        _mm512_mask_storeu_ps(cr, m0, y0);
        _mm512_mask_storeu_ps(cr + 16, m1, y1);
      }
    }
  } else {
    float t[MR * NR] __attribute__((aligned(64)));
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      _mm512_store_ps(t + r * NR, x0[r]);
      _mm512_store_ps(t + r * NR + 16, x1[r]);
    }
    store_tile(c, scm, scn, t, NR, rows, cols, accumulate);
  }
}

__attribute__((target("avx512f"), noinline)) static void
k512_12(int64_t kc, const float *a, int64_t lda, const float *b, float *c,
        int64_t scm, int64_t scn, int64_t rows, int64_t cols, int accumulate) {
  k512(12, kc, a, lda, b, c, scm, scn, rows, cols, accumulate);
}
__attribute__((target("avx512f"), noinline)) static void
k512_8(int64_t kc, const float *a, int64_t lda, const float *b, float *c,
        int64_t scm, int64_t scn, int64_t rows, int64_t cols, int accumulate) {
  k512(8, kc, a, lda, b, c, scm, scn, rows, cols, accumulate);
}
__attribute__((target("avx512f"), noinline)) static void
k512_4(int64_t kc, const float *a, int64_t lda, const float *b, float *c,
        int64_t scm, int64_t scn, int64_t rows, int64_t cols, int accumulate) {
  k512(4, kc, a, lda, b, c, scm, scn, rows, cols, accumulate);
}

void bertc_sgemm_kern_avx512(int64_t kc, const float *a, int64_t lda,
                        const float *b, float *c, int64_t scm, int64_t scn,
                        int64_t rows, int64_t cols, int accumulate) {
  if (rows > 8)
    k512_12(kc, a, lda, b, c, scm, scn, rows, cols, accumulate);
  else if (rows > 4)
    k512_8(kc, a, lda, b, c, scm, scn, rows, cols, accumulate);
  else
    k512_4(kc, a, lda, b, c, scm, scn, rows, cols, accumulate);
}

/* ---- AVX2: 6 x 16 sub-tiles of the packed 12 x 32 tile ---- */
__attribute__((target("avx2,fma"))) static inline __m256i mask8(int64_t n) {
  n = n < 0 ? 0 : n > 8 ? 8 : n;
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

__attribute__((target("avx2,fma"), noinline)) static void
k256_6x16(int64_t kc, const float *a, const float *b, float *c, int64_t scm,
          int64_t scn, int64_t rows, int64_t cols, int accumulate) {
  __m256 x0[6], x1[6];
#pragma GCC unroll 6
  for (int r = 0; r < 6; ++r)
    x0[r] = x1[r] = _mm256_setzero_ps();
  for (int64_t kk = 0; kk < kc; ++kk) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r) {
      __m256 av = _mm256_broadcast_ss(a + r);
      x0[r] = _mm256_fmadd_ps(av, b0, x0[r]);
      x1[r] = _mm256_fmadd_ps(av, b1, x1[r]);
    }
    a += MR;
    b += NR;
  }
  if (scn == 1 && cols == 16) {
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r) {
      if (r < rows) {
        float *cr = c + r * scm;
        __m256 y0 = x0[r], y1 = x1[r];
        if (accumulate) {
          y0 = _mm256_add_ps(y0, _mm256_loadu_ps(cr));
          y1 = _mm256_add_ps(y1, _mm256_loadu_ps(cr + 8));
        }
        _mm256_storeu_ps(cr, y0);
        _mm256_storeu_ps(cr + 8, y1);
      }
    }
  } else if (scn == 1) {
    __m256i m0 = mask8(cols), m1 = mask8(cols - 8);
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r) {
      if (r < rows) {
        float *cr = c + r * scm;
        __m256 y0 = x0[r], y1 = x1[r];
        if (accumulate) {
          y0 = _mm256_add_ps(y0, _mm256_maskload_ps(cr, m0));
          y1 = _mm256_add_ps(y1, _mm256_maskload_ps(cr + 8, m1));
        }
        _mm256_maskstore_ps(cr, m0, y0);
        _mm256_maskstore_ps(cr + 8, m1, y1);
      }
    }
  } else {
    float t[6 * 16] __attribute__((aligned(32)));
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r) {
      _mm256_store_ps(t + r * 16, x0[r]);
      _mm256_store_ps(t + r * 16 + 8, x1[r]);
    }
    store_tile(c, scm, scn, t, 16, rows, cols, accumulate);
  }
}

void bertc_sgemm_kern_avx2(int64_t kc, const float *a, int64_t lda,
                      const float *b, float *c, int64_t scm, int64_t scn,
                      int64_t rows, int64_t cols, int accumulate) {
  (void)lda; /* packed A only */
  for (int64_t r0 = 0; r0 < rows; r0 += 6)
    for (int64_t c0 = 0; c0 < cols; c0 += 16)
      k256_6x16(kc, a + r0, b + c0, c + r0 * scm + c0 * scn, scm, scn,
                min64(6, rows - r0), min64(16, cols - c0), accumulate);
}
#endif
