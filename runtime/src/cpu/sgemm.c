/*===- sgemm.c - Packed, cache-blocked, multi-threaded SGEMM ---------------===*
 *
 * C[M,N] (=|+=) A[M,K] . B[K,N] for any strides (transposed operands are just
 * strides: packing absorbs them). BLIS-style:
 *
 *   1. C is cut into a grid of tasks (blocks of MR-row panels x NR-column
 *      panels), sized so every thread gets the same amount of work; the
 *      tasks run through bertc_cpu_parallel_for (the runtime's pool).
 *   2. A is packed once per call into MR-row panels [panel][k][MR] (zero
 *      rows past M), shared by all tasks: each panel is packed on first use
 *      by whichever task needs it first (tasks start at different panels),
 *      so packing needs no pass or thread hand-off of its own.
 *   3. Per task, per block of NC columns and per KC-deep slice of K, the B
 *      block is packed into NR-column panels [panel][k][NR] (kc x NC floats,
 *      kept in L2) -- unless B was packed at compile time
 *      (bertc_cpu_sgemm_packed_b) -- and every MR x NR tile of C is updated
 *      by the micro-kernel, which loads, accumulates and stores C itself
 *      (masked at the edges).
 *
 * Micro-kernels, chosen at run time (__builtin_cpu_supports), so one model.so
 * runs on any x86-64:
 *   AVX-512F  12 x 32: 24 zmm accumulators, per k 2 loads of B and 12
 *             broadcasts of A; 8- and 4-row variants for the last panel.
 *   AVX2+FMA  the 12 x 32 tile as 2 x 2 sub-tiles of 6 x 16 (12 ymm
 *             accumulators each).
 *   generic   portable C (baseline SSE2 after auto-vectorization).
 * MR = 12 and NR = 32 are shared by all three, so the packed layouts (and
 * the compile-time packed weights, BERTC_GEMM_NR) do not depend on the CPU.
 *===----------------------------------------------------------------------===*/
#include "bertc/cpu_kernels.h"
#include "gemm_dispatch.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define BERTC_X86 1
#endif

#define MR 12
#define NR BERTC_GEMM_NR
#ifndef KC
#define KC 384 /* K slice: a 12 x KC A panel (18 KB) stays in L1 */
#endif
#ifndef NC
#define NC 256 /* columns of B packed at once: KC x NC (384 KB) stays in L2 */
#endif

/*===---------------------------- pack buffers ---------------------------===*/
/* Packing buffers are recycled through a small process-wide cache rather
 * than malloc'ed and freed per call: buffers of a few hundred KB would
 * otherwise come back from malloc as fresh pages (mmap, or a heap that was
 * just trimmed), and the page faults cost more than packing itself. The
 * cache keeps at most BUF_SLOTS buffers (best fit on reuse, the largest kept
 * when full) of at most BUF_TOTAL bytes together, so it holds about what the
 * peak of concurrent GEMMs used, bounded. Freed when the library is
 * unloaded. */
#define BUF_SLOTS 16
#define BUF_TOTAL ((size_t)64 << 20)

typedef struct {
  void *p;
  size_t cap;
} pack_buf;

static pack_buf buf_cache[BUF_SLOTS];
static size_t buf_total; /* bytes in buf_cache */
static char buf_lock_flag;

static void buf_lock(void) {
  int spins = 0;
  while (__atomic_test_and_set(&buf_lock_flag, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&buf_lock_flag, __ATOMIC_RELAXED))
      if (++spins > 64)
        sched_yield();
}

static void buf_unlock(void) { __atomic_clear(&buf_lock_flag, __ATOMIC_RELEASE); }

/* A 64-byte aligned buffer of at least `bytes`; .p is NULL when out of
 * memory. */
static pack_buf buf_get(size_t bytes) {
  bytes = (bytes + 4095) & ~(size_t)4095;
  pack_buf b = {NULL, 0};
  buf_lock();
  int best = -1;
  for (int i = 0; i < BUF_SLOTS; ++i)
    if (buf_cache[i].p && buf_cache[i].cap >= bytes &&
        (best < 0 || buf_cache[i].cap < buf_cache[best].cap))
      best = i;
  if (best >= 0) {
    b = buf_cache[best];
    buf_total -= b.cap;
    buf_cache[best].p = NULL;
    buf_cache[best].cap = 0;
  }
  buf_unlock();
  if (!b.p) {
    if (posix_memalign(&b.p, 64, bytes) != 0)
      b.p = NULL;
    b.cap = b.p ? bytes : 0;
  }
  return b;
}

static void buf_put(pack_buf b) {
  if (!b.p)
    return;
  void *drop = b.p;
  buf_lock();
  int slot = -1;
  for (int i = 0; i < BUF_SLOTS && slot < 0; ++i)
    if (!buf_cache[i].p)
      slot = i;
  if (slot < 0) { /* full: replace the smallest if this one is larger */
    slot = 0;
    for (int i = 1; i < BUF_SLOTS; ++i)
      if (buf_cache[i].cap < buf_cache[slot].cap)
        slot = i;
    if (buf_cache[slot].cap >= b.cap)
      slot = -1;
  }
  if (slot >= 0 && buf_total - buf_cache[slot].cap + b.cap <= BUF_TOTAL) {
    drop = buf_cache[slot].p;
    buf_total += b.cap - buf_cache[slot].cap;
    buf_cache[slot] = b;
  }
  buf_unlock();
  free(drop);
}

__attribute__((destructor)) static void buf_cache_release(void) {
  buf_lock();
  for (int i = 0; i < BUF_SLOTS; ++i) {
    free(buf_cache[i].p);
    buf_cache[i].p = NULL;
    buf_cache[i].cap = 0;
  }
  buf_total = 0;
  buf_unlock();
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/*===----------------------------- packing ------------------------------===*/
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
static void pack_a_panel(const float *a, int64_t sam, int64_t sak,
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
static void prefetch_vectors(const float *src, int64_t ls, int64_t nv,
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
static void pack_b_block(const float *b, int64_t sbk, int64_t sbn, int64_t kc,
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
      prefetch_vectors(src + NR * sbn, sbn, min64(NR, cols - (p + 1) * NR), kc);
    if (sbk == 1)
      pack_t(src, sbn, nv, kc, NR, dst + p * kc * NR);
    else
      pack_strided(src, sbk, sbn, nv, kc, NR, dst + p * kc * NR);
  }
}

/*===--------------------------- micro-kernels --------------------------===*/

/* C[0:rows, 0:cols] (=|+=) sum_k a[k][0:MR] x b[k][0:NR]; rows <= MR,
 * cols <= NR; C element (i, j) at c[i * scm + j * scn]. */
typedef void (*kern_fn)(int64_t kc, const float *a, int64_t lda,
                        const float *b, float *c, int64_t scm, int64_t scn,
                        int64_t rows, int64_t cols, int accumulate);

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

static void kern_generic(int64_t kc, const float *a, int64_t lda,
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

static void kern_avx512(int64_t kc, const float *a, int64_t lda,
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

static void kern_avx2(int64_t kc, const float *a, int64_t lda,
                      const float *b, float *c, int64_t scm, int64_t scn,
                      int64_t rows, int64_t cols, int accumulate) {
  (void)lda; /* packed A only */
  for (int64_t r0 = 0; r0 < rows; r0 += 6)
    for (int64_t c0 = 0; c0 < cols; c0 += 16)
      k256_6x16(kc, a + r0, b + c0, c + r0 * scm + c0 * scn, scm, scn,
                min64(6, rows - r0), min64(16, cols - c0), accumulate);
}
#endif

/*===----------------------------- dispatch -----------------------------===*/

static int isa_best = -1, isa_forced = -1;

/* Emitted by bertc into each model.so from --mcpu/--mattr (the widest
 * kernel the target allows); absent (weak, NULL) in tests and tools that
 * link the kernels directly. */
extern const int32_t bertc_model_kernel_isa __attribute__((weak, visibility("hidden")));

int bertc_cpu_gemm_best_isa(void) {
  int v = __atomic_load_n(&isa_best, __ATOMIC_RELAXED);
  if (v < 0) {
    v = BERTC_GEMM_ISA_GENERIC;
#ifdef BERTC_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
      v = BERTC_GEMM_ISA_AVX512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      v = BERTC_GEMM_ISA_AVX2;
#endif
    if (&bertc_model_kernel_isa && bertc_model_kernel_isa < v)
      v = bertc_model_kernel_isa < 0 ? BERTC_GEMM_ISA_GENERIC : bertc_model_kernel_isa;
    __atomic_store_n(&isa_best, v, __ATOMIC_RELAXED);
  }
  return v;
}

int bertc_cpu_gemm_isa(void) {
  int f = __atomic_load_n(&isa_forced, __ATOMIC_RELAXED);
  return f >= 0 ? f : bertc_cpu_gemm_best_isa();
}

int bertc_cpu_gemm_set_isa(int isa) {
  int best = bertc_cpu_gemm_best_isa();
  __atomic_store_n(&isa_forced, isa < 0 ? -1 : isa > best ? best : isa,
                   __ATOMIC_RELAXED);
  return bertc_cpu_gemm_isa();
}

/* *direct: the kernel can read row-major A in place (no A packing). */
static kern_fn select_kernel(int *direct) {
  *direct = 0;
#ifdef BERTC_X86
  switch (bertc_cpu_gemm_isa()) {
  case BERTC_GEMM_ISA_AVX512:
    *direct = 1;
    return kern_avx512;
  case BERTC_GEMM_ISA_AVX2:
    return kern_avx2;
  default:
    break;
  }
#endif
  return kern_generic;
}

/*===------------------------------ driver ------------------------------===*/

typedef struct {
  const float *a;
  int64_t sam, sak;
  const float *b;
  int64_t sbk, sbn;
  const float *bpre; /* B packed at compile time: [panel][k][NR], or NULL */
  float *c;
  int64_t scm, scn;
  int64_t m, n, k;
  int accumulate;
  float *apack; /* packed A: ceil(m / MR) panels of k x MR, packed lazily */
  int *astate;  /* per A panel: 0 not packed, 1 being packed, 2 packed */
  int64_t mpb, npb; /* MR-row / NR-column panels per task */
  int64_t tasks_n;  /* tasks along N */
  kern_fn kern;
  int direct; /* the kernel reads A in place (row-major A): no apack */
  bertc_cpu_gemm_epilogue epi; /* applied to each finished C block, or NULL */
  void *epi_ctx;
} gemm_job;

/* Per-task scratch for A panels another task is packing right now. */
typedef struct {
  pack_buf buf;
} a_scratch;

static void pack_a(const gemm_job *g, int64_t i, float *dst) {
  int64_t rows = min64(MR, g->m - i * MR);
  if (g->sak == 1 && (i + 1) * MR < g->m)
    prefetch_vectors(g->a + (i + 1) * MR * g->sam, g->sam,
                     min64(MR, g->m - (i + 1) * MR), g->k);
  pack_a_panel(g->a + i * MR * g->sam, g->sam, g->sak, rows, g->k, dst);
}

/* Packed A panel i (all of K). A is packed on first use by whichever task
 * gets there first, so packing needs no pass (and no thread hand-off) of
 * its own and overlaps the other tasks' compute. A task never waits: if
 * another one is packing the panel right now, it packs a private copy. */
static const float *a_panel(const gemm_job *g, int64_t i, a_scratch *s) {
  float *dst = g->apack + i * g->k * MR;
  int st = __atomic_load_n(&g->astate[i], __ATOMIC_ACQUIRE);
  if (st == 2)
    return dst;
  if (st == 0 && __atomic_compare_exchange_n(&g->astate[i], &st, 1, 0,
                                             __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    pack_a(g, i, dst);
    __atomic_store_n(&g->astate[i], 2, __ATOMIC_RELEASE);
    return dst;
  }
  if (st == 2)
    return dst;
  if (!s->buf.p) {
    s->buf = buf_get((size_t)g->k * MR * sizeof(float));
    if (!s->buf.p) { /* out of memory: wait for the other task instead */
      while (__atomic_load_n(&g->astate[i], __ATOMIC_ACQUIRE) != 2)
        sched_yield();
      return dst;
    }
  }
  pack_a(g, i, (float *)s->buf.p);
  return (const float *)s->buf.p;
}

/* C[m0:m1, n0:n1]; m0 and n0 are multiples of MR and NR. Tasks along N
 * start at different A panels (`rot`), so they pack different ones. */
static void gemm_block(const gemm_job *g, float *bpack, a_scratch *scratch,
                       int64_t m0, int64_t m1, int64_t n0, int64_t n1,
                       int64_t rot) {
  /* K in equal slices of at most KC (768 = 2 x 384, not 512 + 256). */
  int64_t kstep = cdiv(g->k, cdiv(g->k, KC));
  int64_t p0 = m0 / MR, np = cdiv(m1 - m0, MR);
  for (int64_t nb0 = n0; nb0 < n1; nb0 += NC) {
    int64_t nb1 = min64(nb0 + NC, n1), panels_n = cdiv(nb1 - nb0, NR);
    for (int64_t k0 = 0; k0 < g->k; k0 += kstep) {
      int64_t kc = min64(kstep, g->k - k0);
      int acc = g->accumulate || k0 > 0;
      if (!g->bpre)
        pack_b_block(g->b + k0 * g->sbk + nb0 * g->sbn, g->sbk, g->sbn, kc,
                     nb1 - nb0, bpack);
      for (int64_t ip = 0; ip < np; ++ip) {
        int64_t pi = p0 + (ip + rot) % np, i0 = pi * MR;
        const float *ap = g->direct ? g->a + i0 * g->sam + k0
                                    : a_panel(g, pi, scratch) + k0 * MR;
        int64_t lda = g->direct ? g->sam : 0;
        int64_t rows = min64(MR, m1 - i0);
        for (int64_t p = 0; p < panels_n; ++p) {
          int64_t c0 = nb0 + p * NR;
          const float *bp = g->bpre ? g->bpre + ((c0 / NR) * g->k + k0) * NR
                                    : bpack + p * kc * NR;
          g->kern(kc, ap, lda, bp, g->c + i0 * g->scm + c0 * g->scn, g->scm, g->scn,
                  rows, min64(NR, nb1 - c0), acc);
        }
        /* These MR rows of the block were just finished by the last K
         * slice and are still in L1: apply the fused epilogue (bias,
         * activation) now, not after the whole block (which may not fit
         * in L2). */
        if (g->epi && k0 + kc >= g->k)
          g->epi(g->epi_ctx, g->c + i0 * g->scm + nb0 * g->scn, g->scm, g->scn,
                 rows, nb1 - nb0, nb0);
      }
    }
  }
}

static void gemm_task(void *arg, int64_t begin, int64_t end) {
  const gemm_job *g = (const gemm_job *)arg;
  pack_buf buf = {NULL, 0};
  float *bpack = NULL;
  if (!g->bpre) {
    buf = buf_get((size_t)min64(KC, g->k) * (size_t)min64(NC, g->npb * NR) *
                  sizeof(float));
    bpack = (float *)buf.p;
    if (!bpack) {
      bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY,
                             "matmul: out of memory");
      return;
    }
  }
  a_scratch scratch = {{NULL, 0}};
  for (int64_t t = begin; t < end; ++t) {
    int64_t mi = t / g->tasks_n, ni = t % g->tasks_n;
    int64_t m0 = mi * g->mpb * MR, n0 = ni * g->npb * NR;
    int64_t m1 = min64(g->m, m0 + g->mpb * MR);
    gemm_block(g, bpack, &scratch, m0, m1, n0, min64(g->n, n0 + g->npb * NR),
               ni * cdiv(m1 - m0, MR) / g->tasks_n);
  }
  buf_put(scratch.buf);
  buf_put(buf);
}

/* Splits pm x pn panels into a grid of tasks for `threads` threads: the
 * fewest, largest tasks that give every thread the same work (splitting N
 * first: splitting M re-packs B once more per split). */
static void choose_grid(int64_t pm, int64_t pn, int64_t threads, int64_t *mpb,
                        int64_t *npb) {
  *mpb = pm;
  *npb = pn;
  if (threads <= 1)
    return;
  double best = -1e30;
  int64_t max_tasks = 4 * threads;
  for (int64_t tn = 1; tn <= pn && tn <= max_tasks; ++tn) {
    int64_t nb = cdiv(pn, tn);
    if (cdiv(pn, nb) != tn)
      continue;
    for (int64_t tm = 1; tm <= pm && tn * tm <= max_tasks; ++tm) {
      int64_t mb = cdiv(pm, tm);
      if (cdiv(pm, mb) != tm)
        continue;
      int64_t tasks = tn * tm, rounds = cdiv(tasks, threads);
      double eff = (double)(pm * pn) / (double)(threads * rounds * mb * nb);
      double score = eff - 0.02 * (double)(tm - 1) / (double)(mb < 8 ? mb : 8) -
                     0.002 * (double)tasks;
      if (score > best) {
        best = score;
        *mpb = mb;
        *npb = nb;
      }
    }
  }
}

static void sgemm_impl(const float *a, int64_t sam, int64_t sak,
                       const float *b, int64_t sbk, int64_t sbn,
                       const float *bpre, float *c, int64_t scm, int64_t scn,
                       int64_t m, int64_t n, int64_t k, int accumulate,
                       int parallel, bertc_cpu_gemm_epilogue epi,
                       void *epi_ctx) {
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          c[i * scm + j * scn] = 0.0f;
    if (epi)
      epi(epi_ctx, c, scm, scn, m, n, 0);
    return;
  }
  int64_t pm = cdiv(m, MR), pn = cdiv(n, NR);
  int direct;
  kern_fn kern = select_kernel(&direct);
  /* Row-major A (unit stride along K) is read in place by the AVX-512
   * kernel: no packing pass over A. Except when most of a panel's 12 rows
   * fall on the same 4 KiB page offset (row stride a multiple of 1024
   * floats: FFN2's K = 3072), where they compete for one L1 set: measured
   * 83% of peak in place vs 94% packed (128 x 768 x 3072). */
  if (direct && sak == 1) {
    int same_set = 0;
    for (int64_t r = 0; r < MR; ++r)
      same_set += ((uint64_t)(r * sam) * sizeof(float)) % 4096 == 0;
    direct = m == 1 || same_set < 8;
  } else {
    direct = 0;
  }
  size_t abytes = direct ? 0 : (size_t)pm * (size_t)k * MR * sizeof(float);
  pack_buf abuf = {NULL, 0};
  float *apack = NULL;
  if (!direct) {
    abuf = buf_get(abytes + (size_t)pm * sizeof(int));
    apack = (float *)abuf.p;
    if (!apack) {
      bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY, "matmul: out of memory");
      return;
    }
  }
  bertc_abi_exec_ctx *ctx = parallel ? bertc_cpu_get_exec_ctx() : NULL;
  int64_t threads = ctx && ctx->num_threads > 1 ? ctx->num_threads : 1;
  /* Below ~1 MFLOP a second thread costs more than it saves. */
  if ((double)m * (double)n * (double)k < 5e5)
    threads = 1;

  int *astate = NULL;
  if (!direct) {
    astate = (int *)((char *)abuf.p + abytes);
    memset(astate, 0, (size_t)pm * sizeof(int));
  }
  gemm_job g = {a, sam, sak, b, sbk, sbn, bpre, c, scm, scn, m, n, k,
                accumulate, apack, astate, pm, pn, 1, kern, direct, epi,
                epi_ctx};
  choose_grid(pm, pn, threads, &g.mpb, &g.npb);
  g.tasks_n = cdiv(pn, g.npb);
  int64_t tasks = g.tasks_n * cdiv(pm, g.mpb);
  if (tasks > 1)
    bertc_cpu_parallel_for(tasks, 1, gemm_task, &g);
  else
    gemm_task(&g, 0, 1);
  buf_put(abuf);
}

static void sgemm(const float *a, int64_t sam, int64_t sak, const float *b,
                  int64_t sbk, int64_t sbn, float *c, int64_t scm, int64_t scn,
                  int64_t m, int64_t n, int64_t k, int accumulate, int parallel) {
  sgemm_impl(a, sam, sak, b, sbk, sbn, NULL, c, scm, scn, m, n, k, accumulate,
             parallel, NULL, NULL);
}

void bertc_cpu_sgemm_packed_b(const bertc_memref2d_f32 *A, const float *bp,
                              bertc_memref2d_f32 *C, bertc_cpu_gemm_epilogue epi,
                              void *epi_ctx) {
  sgemm_impl(A->aligned + A->offset, A->strides[0], A->strides[1], NULL, 0, 0,
             bp, C->aligned + C->offset, C->strides[0], C->strides[1],
             C->sizes[0], C->sizes[1], A->sizes[1], 0, 1, epi, epi_ctx);
}

void _mlir_ciface_bertc_matmul_f32(bertc_memref2d_f32 *A, bertc_memref2d_f32 *B,
                                   bertc_memref2d_f32 *C, int64_t accumulate) {
  sgemm(A->aligned + A->offset, A->strides[0], A->strides[1],
        B->aligned + B->offset, B->strides[0], B->strides[1],
        C->aligned + C->offset, C->strides[0], C->strides[1], C->sizes[0],
        C->sizes[1], A->sizes[1], accumulate != 0, 1);
}

typedef struct {
  bertc_memref3d_f32 *A, *B, *C;
  int accumulate, parallel_inner;
} batch_job;

static void batch_range(void *p, int64_t begin, int64_t end) {
  const batch_job *g = (const batch_job *)p;
  for (int64_t bi = begin; bi < end; ++bi)
    sgemm(g->A->aligned + g->A->offset + bi * g->A->strides[0], g->A->strides[1],
          g->A->strides[2],
          g->B->aligned + g->B->offset + bi * g->B->strides[0], g->B->strides[1],
          g->B->strides[2],
          g->C->aligned + g->C->offset + bi * g->C->strides[0], g->C->strides[1],
          g->C->strides[2], g->C->sizes[1], g->C->sizes[2], g->A->sizes[2],
          g->accumulate, g->parallel_inner);
}

void _mlir_ciface_bertc_batch_matmul_f32(bertc_memref3d_f32 *A,
                                         bertc_memref3d_f32 *B,
                                         bertc_memref3d_f32 *C,
                                         int64_t accumulate) {
  int64_t batch = C->sizes[0], m = C->sizes[1];
  if (batch <= 0)
    return;
  /* Shared B (batch stride 0) with the rows of A and C evenly spaced across
   * the batch: one GEMM of (batch * M) rows, B packed once. */
  if (batch == 1 || (B->strides[0] == 0 && m > 0 &&
                     A->strides[0] == m * A->strides[1] &&
                     C->strides[0] == m * C->strides[1])) {
    sgemm(A->aligned + A->offset, A->strides[1], A->strides[2],
          B->aligned + B->offset, B->strides[1], B->strides[2],
          C->aligned + C->offset, C->strides[1], C->strides[2], batch * m,
          C->sizes[2], A->sizes[2], accumulate != 0, 1);
    return;
  }
  bertc_abi_exec_ctx *ctx = bertc_cpu_get_exec_ctx();
  int64_t threads = ctx && ctx->num_threads > 1 ? ctx->num_threads : 1;
  /* Many matrices (attention): whole matrices per task. Few: parallel
   * inside each. */
  if (batch >= 2 * threads) {
    batch_job g = {A, B, C, accumulate != 0, 0};
    bertc_cpu_parallel_for(batch, 1, batch_range, &g);
  } else {
    batch_job g = {A, B, C, accumulate != 0, 1};
    batch_range(&g, 0, batch);
  }
}
