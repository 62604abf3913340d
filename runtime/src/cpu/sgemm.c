/*===- sgemm.c - Packed, cache-blocked, multi-threaded SGEMM ---------------===*
 *
 * C[M,N] (=|+=) A[M,K] . B[K,N] for any strides (transposed operands are just
 * strides: packing absorbs them).
 *
 *   1. A is packed once into MR-row panels, [panel][k][MR] (zero-padded).
 *   2. N is cut into blocks of NB columns; blocks are the parallel tasks
 *      (bertc_cpu_parallel_for), so the threads share the packed A.
 *   3. Per task and per KC-deep slice of K, the B block is packed into
 *      NR-column panels [panel][k][NR] and every MR x NR tile of C is
 *      updated by the micro-kernel.
 *
 * Micro-kernels: 12 x 32 with AVX-512 (24 zmm accumulators, one broadcast
 * of A and two loads of B per k), a portable C kernel of the same shape
 * otherwise (compiled for AVX2 and baseline via target_clones). The
 * AVX-512 path is chosen at run time (__builtin_cpu_supports), so one
 * model.so runs on any x86-64. Blocking: KC = 256 (a 12 x 256 A panel and
 * a 256 x 32 B panel stay in L1/L2), NB = 128..256 columns per task.
 *===----------------------------------------------------------------------===*/
#include "bertc/cpu_kernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define BERTC_X86 1
#endif

#define MR 12
#define NR BERTC_GEMM_NR
#define KC 256

static void *alloc64(size_t bytes) {
  void *p = NULL;
  if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0)
    return NULL;
  return p;
}

/*===----------------------------- packing ------------------------------===*/

/* A[m0:m0+MR, 0:K] -> dst[k][MR], zero rows past m. */
static void pack_a_panel(const float *a, int64_t sam, int64_t sak, int64_t m0,
                         int64_t m, int64_t k, float *dst) {
  int64_t rows = m - m0 < MR ? m - m0 : MR;
  if (sak == 1) {
    for (int64_t r = 0; r < rows; ++r) {
      const float *src = a + (m0 + r) * sam;
      for (int64_t kk = 0; kk < k; ++kk)
        dst[kk * MR + r] = src[kk];
    }
  } else {
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t r = 0; r < rows; ++r)
        dst[kk * MR + r] = a[(m0 + r) * sam + kk * sak];
  }
  for (int64_t r = rows; r < MR; ++r)
    for (int64_t kk = 0; kk < k; ++kk)
      dst[kk * MR + r] = 0.0f;
}

/* B[k0:k0+kc, n0:n0+NR] -> dst[kc][NR], zero columns past n. */
static void pack_b_panel(const float *b, int64_t sbk, int64_t sbn, int64_t k0,
                         int64_t kc, int64_t n0, int64_t n, float *dst) {
  int64_t cols = n - n0 < NR ? n - n0 : NR;
  if (sbn == 1 && cols == NR) {
    for (int64_t kk = 0; kk < kc; ++kk)
      memcpy(dst + kk * NR, b + (k0 + kk) * sbk + n0, NR * sizeof(float));
    return;
  }
  if (sbk == 1) { /* transposed B: walk each column contiguously */
    for (int64_t c = 0; c < cols; ++c) {
      const float *src = b + (n0 + c) * sbn + k0;
      for (int64_t kk = 0; kk < kc; ++kk)
        dst[kk * NR + c] = src[kk];
    }
  } else {
    for (int64_t kk = 0; kk < kc; ++kk)
      for (int64_t c = 0; c < cols; ++c)
        dst[kk * NR + c] = b[(k0 + kk) * sbk + (n0 + c) * sbn];
  }
  if (cols < NR)
    for (int64_t kk = 0; kk < kc; ++kk)
      for (int64_t c = cols; c < NR; ++c)
        dst[kk * NR + c] = 0.0f;
}

/*===--------------------------- micro-kernels --------------------------===*/

/* tile[MR][NR] = sum_k a[k][MR] x b[k][NR] (a fresh tile, not accumulated) */
typedef void (*micro_fn)(int64_t kc, const float *a, const float *b,
                         float *tile);

#if defined(__GNUC__) && !defined(__clang__) && defined(BERTC_X86)
__attribute__((target_clones("avx2", "default")))
#endif
static void micro_generic(int64_t kc, const float *a, const float *b,
                          float *tile) {
  float acc[MR][NR];
  memset(acc, 0, sizeof acc);
  for (int64_t kk = 0; kk < kc; ++kk) {
    const float *ak = a + kk * MR, *bk = b + kk * NR;
    for (int r = 0; r < MR; ++r) {
      float av = ak[r];
      for (int c = 0; c < NR; ++c)
        acc[r][c] += av * bk[c];
    }
  }
  memcpy(tile, acc, sizeof acc);
}

#ifdef BERTC_X86
__attribute__((target("avx512f")))
static void micro_avx512(int64_t kc, const float *a, const float *b,
                         float *tile) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
  __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
  __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
  __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps();
  __m512 c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();
  __m512 c80 = _mm512_setzero_ps(), c81 = _mm512_setzero_ps();
  __m512 c90 = _mm512_setzero_ps(), c91 = _mm512_setzero_ps();
  __m512 ca0 = _mm512_setzero_ps(), ca1 = _mm512_setzero_ps();
  __m512 cb0 = _mm512_setzero_ps(), cb1 = _mm512_setzero_ps();
  for (int64_t kk = 0; kk < kc; ++kk) {
    const float *ak = a + kk * MR;
    __m512 b0 = _mm512_load_ps(b + kk * NR);
    __m512 b1 = _mm512_load_ps(b + kk * NR + 16);
    __m512 av;
#define ROW(i, x0, x1)                        \
  av = _mm512_set1_ps(ak[i]);                 \
  x0 = _mm512_fmadd_ps(av, b0, x0);           \
  x1 = _mm512_fmadd_ps(av, b1, x1);
    ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31)
    ROW(4, c40, c41) ROW(5, c50, c51) ROW(6, c60, c61) ROW(7, c70, c71)
    ROW(8, c80, c81) ROW(9, c90, c91) ROW(10, ca0, ca1) ROW(11, cb0, cb1)
#undef ROW
  }
#define STORE(i, x0, x1)                      \
  _mm512_store_ps(tile + (i) * NR, x0);       \
  _mm512_store_ps(tile + (i) * NR + 16, x1);
  STORE(0, c00, c01) STORE(1, c10, c11) STORE(2, c20, c21) STORE(3, c30, c31)
  STORE(4, c40, c41) STORE(5, c50, c51) STORE(6, c60, c61) STORE(7, c70, c71)
  STORE(8, c80, c81) STORE(9, c90, c91) STORE(10, ca0, ca1) STORE(11, cb0, cb1)
#undef STORE
}
#endif

#ifdef BERTC_X86
/* Same product, written straight into C (unit column stride): rows x cols
 * valid, cols <= 32 handled with store masks. Saves the tile round trip. */
__attribute__((target("avx512f")))
static void micro_avx512_c(int64_t kc, const float *a, const float *b,
                           float *c, int64_t ldc, int64_t rows, int64_t cols,
                           int accumulate) {
  __m512 acc[MR][2];
  for (int r = 0; r < MR; ++r)
    acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t kk = 0; kk < kc; ++kk) {
    const float *ak = a + kk * MR;
    __m512 b0 = _mm512_load_ps(b + kk * NR);
    __m512 b1 = _mm512_load_ps(b + kk * NR + 16);
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
      __m512 av = _mm512_set1_ps(ak[r]);
      acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  __mmask16 m0 = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
  __mmask16 m1 = cols >= 32 ? 0xFFFF
                 : cols > 16 ? (__mmask16)((1u << (cols - 16)) - 1) : 0;
  for (int r = 0; r < rows; ++r) {
    float *cr = c + r * ldc;
    __m512 x0 = acc[r][0], x1 = acc[r][1];
    if (accumulate) {
      x0 = _mm512_add_ps(x0, _mm512_maskz_loadu_ps(m0, cr));
      x1 = _mm512_add_ps(x1, _mm512_maskz_loadu_ps(m1, cr + 16));
    }
    _mm512_mask_storeu_ps(cr, m0, x0);
    _mm512_mask_storeu_ps(cr + 16, m1, x1);
  }
}

static int have_avx512(void) {
  static int have = -1;
  if (have < 0) {
    __builtin_cpu_init();
    have = __builtin_cpu_supports("avx512f") ? 1 : 0;
  }
  return have;
}
#endif

static micro_fn select_micro(void) {
#ifdef BERTC_X86
  if (have_avx512())
    return micro_avx512;
#endif
  return micro_generic;
}

/* C tile (rows x cols valid) (=|+=) tile. */
static void store_tile(float *c, int64_t scm, int64_t scn, const float *tile,
                       int64_t rows, int64_t cols, int accumulate) {
  for (int64_t r = 0; r < rows; ++r) {
    float *cr = c + r * scm;
    const float *tr = tile + r * NR;
    if (scn == 1) {
      if (accumulate)
        for (int64_t j = 0; j < cols; ++j)
          cr[j] += tr[j];
      else
        memcpy(cr, tr, (size_t)cols * sizeof(float));
    } else {
      for (int64_t j = 0; j < cols; ++j)
        cr[j * scn] = accumulate ? cr[j * scn] + tr[j] : tr[j];
    }
  }
}

/*===------------------------------ driver ------------------------------===*/

typedef struct {
  const float *b;
  int64_t sbk, sbn;
  float *c;
  int64_t scm, scn;
  int64_t m, n, k;
  int accumulate;
  const float *apack; /* packed A: ceil(m / MR) panels of k x MR */
  int64_t nb;         /* columns per task */
  micro_fn micro;
  int direct;         /* AVX-512 kernel storing straight into C */
  const float *bpre;  /* B packed at compile time: [panel][k][NR], or NULL */
} gemm_job;

static void gemm_task(void *arg, int64_t begin, int64_t end) {
  const gemm_job *g = (const gemm_job *)arg;
  float *bpack = (float *)alloc64((size_t)KC * (size_t)(g->nb + NR) * sizeof(float));
  _Alignas(64) float tile[MR * NR];
  if (!bpack) {
    bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY, "matmul: out of memory");
    return;
  }
  int64_t panels_m = (g->m + MR - 1) / MR;
  for (int64_t t = begin; t < end; ++t) {
    int64_t n0 = t * g->nb, n1 = n0 + g->nb < g->n ? n0 + g->nb : g->n;
    int64_t panels_n = (n1 - n0 + NR - 1) / NR;
    for (int64_t k0 = 0; k0 < g->k; k0 += KC) {
      int64_t kc = g->k - k0 < KC ? g->k - k0 : KC;
      int acc = g->accumulate || k0 > 0;
      if (!g->bpre)
        for (int64_t p = 0; p < panels_n; ++p)
          pack_b_panel(g->b, g->sbk, g->sbn, k0, kc, n0 + p * NR, n1,
                       bpack + p * kc * NR);
      for (int64_t pm = 0; pm < panels_m; ++pm) {
        const float *ap = g->apack + pm * g->k * MR + k0 * MR;
        int64_t m0 = pm * MR, rows = g->m - m0 < MR ? g->m - m0 : MR;
        for (int64_t p = 0; p < panels_n; ++p) {
          int64_t c0 = n0 + p * NR, cols = n1 - c0 < NR ? n1 - c0 : NR;
          float *cp = g->c + m0 * g->scm + c0 * g->scn;
          const float *bp = g->bpre ? g->bpre + ((n0 / NR + p) * g->k + k0) * NR
                                    : bpack + p * kc * NR;
#ifdef BERTC_X86
          if (g->direct) {
            micro_avx512_c(kc, ap, bp, cp, g->scm, rows, cols, acc);
            continue;
          }
#endif
          g->micro(kc, ap, bp, tile);
          store_tile(cp, g->scm, g->scn, tile, rows, cols, acc);
        }
      }
    }
  }
  free(bpack);
}

typedef struct {
  const float *a;
  int64_t sam, sak, m, k;
  float *apack;
} pack_job;

static void pack_a_task(void *arg, int64_t begin, int64_t end) {
  const pack_job *p = (const pack_job *)arg;
  for (int64_t pm = begin; pm < end; ++pm)
    pack_a_panel(p->a, p->sam, p->sak, pm * MR, p->m, p->k,
                 p->apack + pm * p->k * MR);
}

static void sgemm_impl(const float *a, int64_t sam, int64_t sak,
                       const float *b, int64_t sbk, int64_t sbn,
                       const float *bpre, float *c, int64_t scm, int64_t scn,
                       int64_t m, int64_t n, int64_t k, int accumulate,
                       int parallel) {
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          c[i * scm + j * scn] = 0.0f;
    return;
  }
  int64_t panels_m = (m + MR - 1) / MR;
  float *apack = (float *)alloc64((size_t)panels_m * (size_t)k * MR * sizeof(float));
  if (!apack) {
    bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY, "matmul: out of memory");
    return;
  }
  pack_job pj = {a, sam, sak, m, k, apack};
  if (parallel)
    bertc_cpu_parallel_for(panels_m, 4, pack_a_task, &pj);
  else
    pack_a_task(&pj, 0, panels_m);

  /* Columns per task: enough tasks for the threads, each a multiple of NR. */
  bertc_abi_exec_ctx *ctx = parallel ? bertc_cpu_get_exec_ctx() : NULL;
  int64_t threads = ctx && ctx->num_threads > 1 ? ctx->num_threads : 1;
  int64_t nb = 256;
  if (threads > 1) {
    int64_t want = (n + threads * 2 - 1) / (threads * 2); /* 2 tasks/thread */
    nb = ((want + NR - 1) / NR) * NR;
    if (nb > 256)
      nb = 256;
    if (nb < NR)
      nb = NR;
  }
  gemm_job g = {b, sbk, sbn, c, scm, scn, m, n, k, accumulate, apack, nb,
                select_micro(), 0, bpre};
#ifdef BERTC_X86
  g.direct = scn == 1 && have_avx512();
#endif
  int64_t tasks = (n + nb - 1) / nb;
  if (parallel)
    bertc_cpu_parallel_for(tasks, 1, gemm_task, &g);
  else
    gemm_task(&g, 0, tasks);
  free(apack);
}

static void sgemm(const float *a, int64_t sam, int64_t sak, const float *b,
                  int64_t sbk, int64_t sbn, float *c, int64_t scm, int64_t scn,
                  int64_t m, int64_t n, int64_t k, int accumulate, int parallel) {
  sgemm_impl(a, sam, sak, b, sbk, sbn, NULL, c, scm, scn, m, n, k, accumulate,
             parallel);
}

void bertc_cpu_sgemm_packed_b(const bertc_memref2d_f32 *A, const float *bp,
                              bertc_memref2d_f32 *C) {
  sgemm_impl(A->aligned + A->offset, A->strides[0], A->strides[1], NULL, 0, 0,
             bp, C->aligned + C->offset, C->strides[0], C->strides[1],
             C->sizes[0], C->sizes[1], A->sizes[1], 0, 1);
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
  bertc_abi_exec_ctx *ctx = bertc_cpu_get_exec_ctx();
  int64_t threads = ctx && ctx->num_threads > 1 ? ctx->num_threads : 1;
  int64_t batch = C->sizes[0];
  /* Many small matrices (attention): one per task. Few large: parallel
   * inside each. */
  if (batch >= 2 * threads) {
    batch_job g = {A, B, C, accumulate != 0, 0};
    bertc_cpu_parallel_for(batch, 1, batch_range, &g);
  } else {
    batch_job g = {A, B, C, accumulate != 0, 1};
    batch_range(&g, 0, batch);
  }
}
