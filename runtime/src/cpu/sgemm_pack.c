/*===- sgemm_pack.c - Operand packing of the fp32 GEMM ---------------------===*
 *
 * Copies A into MR-row panels [k][MR] and B into NR-column panels
 * [panel][k][NR] (zero past the valid rows / columns) for the micro-kernels
 * of sgemm_kernels.c; called by the blocked driver in sgemm.c.
 *===----------------------------------------------------------------------===*/
#include "sgemm_internal.h"

#include <string.h>

/* Both packed layouts are dst[k][W] (W = MR for A, NR for B) with zeros past
 * the `nv` valid rows of A / columns of B. Two source shapes matter:
 *   - "transposing": each of the nv vectors is contiguous along k (row-major
 *     A, transposed B): 4 x 4 SSE transposes (baseline x86-64).
 *   - "copying": each k step is contiguous across the vectors (row-major B,
 *     transposed A): plain row copies. */

/* dst[kk * W + v] = src[v * ls + kk]. */
static void pack_t(const float *src, int64_t ls, int64_t nv, int64_t k,
                   int64_t W, float *dst) {
  int64_t v = 0;
#ifdef __SSE2__
  for (; v + 4 <= nv; v += 4) {
    const float *s0 = src + v * ls, *s1 = s0 + ls, *s2 = s1 + ls, *s3 = s2 + ls;
    float *d = dst + v;
    int64_t kk = 0;
    for (; kk + 4 <= k; kk += 4) {
      __m128 x0 = _mm_loadu_ps(s0 + kk), x1 = _mm_loadu_ps(s1 + kk);
      __m128 x2 = _mm_loadu_ps(s2 + kk), x3 = _mm_loadu_ps(s3 + kk);
      _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
      _mm_storeu_ps(d + (kk + 0) * W, x0);
      _mm_storeu_ps(d + (kk + 1) * W, x1);
      _mm_storeu_ps(d + (kk + 2) * W, x2);
      _mm_storeu_ps(d + (kk + 3) * W, x3);
    }
    for (; kk < k; ++kk) {
      d[kk * W + 0] = s0[kk];
      d[kk * W + 1] = s1[kk];
      d[kk * W + 2] = s2[kk];
      d[kk * W + 3] = s3[kk];
    }
  }
#endif
  for (; v < nv; ++v) {
    const float *sv = src + v * ls;
    for (int64_t kk = 0; kk < k; ++kk)
      dst[kk * W + v] = sv[kk];
  }
  if (nv < W)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = nv; j < W; ++j)
        dst[kk * W + j] = 0.0f;
}

/* dst[kk * W + v] = src[kk * ls + v]. */
static void pack_c(const float *src, int64_t ls, int64_t nv, int64_t k,
                   int64_t W, float *dst) {
  for (int64_t kk = 0; kk < k; ++kk) {
    memcpy(dst + kk * W, src + kk * ls, (size_t)nv * sizeof(float));
    for (int64_t j = nv; j < W; ++j)
      dst[kk * W + j] = 0.0f;
  }
}

/* dst[kk * W + v] = src[kk * sk + v * sv], any strides. */
static void pack_strided(const float *src, int64_t sk, int64_t sv, int64_t nv,
                         int64_t k, int64_t W, float *dst) {
  for (int64_t kk = 0; kk < k; ++kk) {
    for (int64_t v = 0; v < nv; ++v)
      dst[kk * W + v] = src[kk * sk + v * sv];
    for (int64_t j = nv; j < W; ++j)
      dst[kk * W + j] = 0.0f;
  }
}

/* rows (<= MR) rows of A, k deep -> dst[k][MR]. */
void bertc_sgemm_pack_a_panel(const float *a, int64_t sam, int64_t sak,
                         int64_t rows, int64_t k, float *dst) {
  if (sak == 1)
    pack_t(a, sam, rows, k, MR, dst);
  else if (sam == 1)
    pack_c(a, sak, rows, k, MR, dst);
  else
    pack_strided(a, sak, sam, rows, k, MR, dst);
}

/* Prefetches nv short vectors (stride ls, len floats each, len <= 256):
 * too short for the hardware prefetcher to pick up (attention's K = 64). */
void bertc_sgemm_prefetch_vectors(const float *src, int64_t ls, int64_t nv,
                             int64_t len) {
  if (len > 256)
    return;
  for (int64_t v = 0; v < nv; ++v)
    for (int64_t j = 0; j < len; j += 16)
      __builtin_prefetch(src + v * ls + j);
}

/* B[0:kc, 0:cols] -> panels [p][kc][NR]. Row-major B is copied row by row
 * across all panels, so the reads stream through whole rows (prefetched a
 * few rows ahead) instead of hopping between rows panel by panel. */
void bertc_sgemm_pack_b_block(const float *b, int64_t sbk, int64_t sbn, int64_t kc,
                         int64_t cols, float *dst) {
  int64_t panels = cdiv(cols, NR);
  if (sbn == 1 && sbk != 1) {
    int64_t full = cols / NR, rest = cols - full * NR;
    for (int64_t kk = 0; kk < kc; ++kk) {
      const float *src = b + kk * sbk;
      if (kk + 4 < kc)
        for (int64_t j = 0; j < cols; j += 16)
          __builtin_prefetch(src + 4 * sbk + j);
      float *d = dst + kk * NR;
      for (int64_t p = 0; p < full; ++p)
        memcpy(d + p * kc * NR, src + p * NR, NR * sizeof(float));
      if (rest) {
        float *dr = d + full * kc * NR;
        memcpy(dr, src + full * NR, (size_t)rest * sizeof(float));
        for (int64_t j = rest; j < NR; ++j)
          dr[j] = 0.0f;
      }
    }
    return;
  }
  for (int64_t p = 0; p < panels; ++p) {
    const float *src = b + p * NR * sbn;
    int64_t nv = min64(NR, cols - p * NR);
    if (sbk == 1 && p + 1 < panels)
      bertc_sgemm_prefetch_vectors(src + NR * sbn, sbn, min64(NR, cols - (p + 1) * NR), kc);
    if (sbk == 1)
      pack_t(src, sbn, nv, kc, NR, dst + p * kc * NR);
    else
      pack_strided(src, sbk, sbn, nv, kc, NR, dst + p * kc * NR);
  }
}
