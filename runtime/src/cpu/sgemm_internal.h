/*===- sgemm_internal.h - Shared internals of the CPU GEMMs (internal) ----===*
 *
 * What the pieces of the fp32 GEMM (sgemm.c: dispatch and blocked driver;
 * sgemm_pack.c: packing; sgemm_kernels.c: micro-kernels) and the int8 GEMM
 * (qgemm*.c) share: the register tile and cache-block sizes, the pack
 * buffer cache (pack_buf.c) and the functions each file exports to the
 * others. Hidden symbols of libbertc_cpu_kernels.a, not part of the model
 * ABI.
 *===----------------------------------------------------------------------===*/
#ifndef BERTC_CPU_SGEMM_INTERNAL_H
#define BERTC_CPU_SGEMM_INTERNAL_H

#include "bertc/kernel_abi.h"

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define BERTC_X86 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* fp32 register tile: MR rows of A x NR columns of B (the same for every
 * ISA, so packed layouts do not depend on the CPU). */
#define MR 12
#define NR BERTC_GEMM_NR
#ifndef KC
#define KC 384 /* K slice: a 12 x KC A panel (18 KB) stays in L1 */
#endif
#ifndef NC
#define NC 256 /* columns of B packed at once: KC x NC (384 KB) stays in L2 */
#endif

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/*===--------------------- pack buffers (pack_buf.c) ---------------------===*/
typedef struct {
  void *p;
  size_t cap;
} bertc_cpu_pack_buf;

/* A 64-byte aligned buffer of at least `bytes` from the process-wide cache
 * (or malloc); .p is NULL when out of memory. */
bertc_cpu_pack_buf bertc_cpu_buf_get(size_t bytes);
/* Returns a buffer of bertc_cpu_buf_get to the cache (b.p may be NULL). */
void bertc_cpu_buf_put(bertc_cpu_pack_buf b);

/*===----------------------- packing (sgemm_pack.c) ----------------------===*/
/* rows (<= MR) rows of A (element (i, k) at a[i * sam + k * sak]), k deep
 * -> dst[k][MR], zero rows past `rows`. */
void bertc_sgemm_pack_a_panel(const float *a, int64_t sam, int64_t sak,
                              int64_t rows, int64_t k, float *dst);
/* B[0:kc, 0:cols] (element (k, j) at b[k * sbk + j * sbn]) -> NR-column
 * panels dst[p][kc][NR], zero past `cols`. */
void bertc_sgemm_pack_b_block(const float *b, int64_t sbk, int64_t sbn,
                              int64_t kc, int64_t cols, float *dst);
/* Prefetches nv short vectors (stride ls, len floats each; nothing when
 * len > 256). */
void bertc_sgemm_prefetch_vectors(const float *src, int64_t ls, int64_t nv,
                                  int64_t len);

/*===------------------- micro-kernels (sgemm_kernels.c) -----------------===*/
/* C[0:rows, 0:cols] (=|+=) sum_k a[k][0:MR] x b[k][0:NR]; rows <= MR,
 * cols <= NR; C element (i, j) at c[i * scm + j * scn]. lda == 0: `a` is a
 * packed panel a[k][MR]; lda > 0 (AVX-512 only, "direct A"): `a` is
 * row-major A itself, row r at a + r * lda. */
typedef void (*bertc_sgemm_kern_fn)(int64_t kc, const float *a, int64_t lda,
                                    const float *b, float *c, int64_t scm,
                                    int64_t scn, int64_t rows, int64_t cols,
                                    int accumulate);
void bertc_sgemm_kern_generic(int64_t kc, const float *a, int64_t lda,
                              const float *b, float *c, int64_t scm,
                              int64_t scn, int64_t rows, int64_t cols,
                              int accumulate);
#ifdef BERTC_X86
void bertc_sgemm_kern_avx512(int64_t kc, const float *a, int64_t lda,
                             const float *b, float *c, int64_t scm,
                             int64_t scn, int64_t rows, int64_t cols,
                             int accumulate);
void bertc_sgemm_kern_avx2(int64_t kc, const float *a, int64_t lda,
                           const float *b, float *c, int64_t scm, int64_t scn,
                           int64_t rows, int64_t cols, int accumulate);
#endif

/*===------------------------- threads (sgemm.c) -------------------------===*/
/* Splits pm x pn panels (of rows x columns) into a grid of tasks for
 * `threads` threads: *mpb x *npb panels each, the fewest, largest tasks
 * that give every thread the same work (splitting N first). */
void bertc_gemm_choose_grid(int64_t pm, int64_t pn, int64_t threads,
                            int64_t *mpb, int64_t *npb);

#ifdef __cplusplus
}
#endif

#endif /* BERTC_CPU_SGEMM_INTERNAL_H */
