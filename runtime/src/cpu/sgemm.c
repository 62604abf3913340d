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
 * The micro-kernel (sgemm_kernels.c: AVX-512F, AVX2+FMA or generic C) is
 * chosen at run time (__builtin_cpu_supports, capped by the model's kernel
 * ISA), so one model.so runs on any x86-64. MR = 12 and NR = 32 are shared
 * by all three, so the packed layouts (sgemm_pack.c; and the compile-time
 * packed weights, BERTC_GEMM_NR) do not depend on the CPU.
 *
 * This file: ISA dispatch (gemm_dispatch.h), the blocked, multi-threaded
 * driver and the entry points. Pack buffers: pack_buf.c.
 *===----------------------------------------------------------------------===*/
#include "bertc/cpu_kernels.h"
#include "gemm_dispatch.h"
#include "sgemm_internal.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

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
static bertc_sgemm_kern_fn select_kernel(int *direct) {
  *direct = 0;
#ifdef BERTC_X86
  switch (bertc_cpu_gemm_isa()) {
  case BERTC_GEMM_ISA_AVX512:
    *direct = 1;
    return bertc_sgemm_kern_avx512;
  case BERTC_GEMM_ISA_AVX2:
    return bertc_sgemm_kern_avx2;
  default:
    break;
  }
#endif
  return bertc_sgemm_kern_generic;
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
  bertc_sgemm_kern_fn kern;
  int direct; /* the kernel reads A in place (row-major A): no apack */
  bertc_cpu_gemm_epilogue epi; /* applied to each finished C block, or NULL */
  void *epi_ctx;
} gemm_job;

/* Per-task scratch for A panels another task is packing right now. */
typedef struct {
  bertc_cpu_pack_buf buf;
} a_scratch;

static void pack_a(const gemm_job *g, int64_t i, float *dst) {
  int64_t rows = min64(MR, g->m - i * MR);
  if (g->sak == 1 && (i + 1) * MR < g->m)
    bertc_sgemm_prefetch_vectors(g->a + (i + 1) * MR * g->sam, g->sam,
                     min64(MR, g->m - (i + 1) * MR), g->k);
  bertc_sgemm_pack_a_panel(g->a + i * MR * g->sam, g->sam, g->sak, rows, g->k, dst);
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
    s->buf = bertc_cpu_buf_get((size_t)g->k * MR * sizeof(float));
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
        bertc_sgemm_pack_b_block(g->b + k0 * g->sbk + nb0 * g->sbn, g->sbk, g->sbn, kc,
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
  bertc_cpu_pack_buf buf = {NULL, 0};
  float *bpack = NULL;
  if (!g->bpre) {
    buf = bertc_cpu_buf_get((size_t)min64(KC, g->k) * (size_t)min64(NC, g->npb * NR) *
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
  bertc_cpu_buf_put(scratch.buf);
  bertc_cpu_buf_put(buf);
}

/* Splits pm x pn panels into a grid of tasks for `threads` threads: the
 * fewest, largest tasks that give every thread the same work (splitting N
 * first: splitting M re-packs B once more per split). */
void bertc_gemm_choose_grid(int64_t pm, int64_t pn, int64_t threads, int64_t *mpb,
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
  bertc_sgemm_kern_fn kern = select_kernel(&direct);
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
  bertc_cpu_pack_buf abuf = {NULL, 0};
  float *apack = NULL;
  if (!direct) {
    abuf = bertc_cpu_buf_get(abytes + (size_t)pm * sizeof(int));
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
  bertc_gemm_choose_grid(pm, pn, threads, &g.mpb, &g.npb);
  g.tasks_n = cdiv(pn, g.npb);
  int64_t tasks = g.tasks_n * cdiv(pm, g.mpb);
  if (tasks > 1)
    bertc_cpu_parallel_for(tasks, 1, gemm_task, &g);
  else
    gemm_task(&g, 0, 1);
  bertc_cpu_buf_put(abuf);
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
