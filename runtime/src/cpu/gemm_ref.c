/*===- gemm_ref.c - Portable strided SGEMM (interim) ----------------------===*
 * Row-parallel, k-outer/j-inner loops that the compiler vectorizes when B's
 * rows are contiguous; otherwise B is packed first.
 *===----------------------------------------------------------------------===*/
#include "bertc/cpu_kernels.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const float *a, *b;
  float *c;
  int64_t m, n, k, sam, sak, sbk, sbn, scm, scn;
  int accumulate;
} gemm_args;

static void gemm_rows(void *p, int64_t begin, int64_t end) {
  const gemm_args *g = p;
  for (int64_t i = begin; i < end; ++i) {
    float *c = g->c + i * g->scm;
    if (!g->accumulate)
      for (int64_t j = 0; j < g->n; ++j)
        c[j * g->scn] = 0.0f;
    for (int64_t kk = 0; kk < g->k; ++kk) {
      float av = g->a[i * g->sam + kk * g->sak];
      const float *brow = g->b + kk * g->sbk;
      if (g->scn == 1 && g->sbn == 1) {
        for (int64_t j = 0; j < g->n; ++j)
          c[j] += av * brow[j];
      } else {
        for (int64_t j = 0; j < g->n; ++j)
          c[j * g->scn] += av * brow[j * g->sbn];
      }
    }
  }
}

static void gemm(const float *a, int64_t sam, int64_t sak, const float *b,
                 int64_t sbk, int64_t sbn, float *c, int64_t scm, int64_t scn,
                 int64_t m, int64_t n, int64_t k, int accumulate, int parallel) {
  float *packed = NULL;
  if (sbn != 1 && k * n > 0) {
    packed = malloc((size_t)(k * n) * sizeof(float));
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < n; ++j)
        packed[kk * n + j] = b[kk * sbk + j * sbn];
    b = packed, sbk = n, sbn = 1;
  }
  gemm_args g = {a, b, c, m, n, k, sam, sak, sbk, sbn, scm, scn, accumulate};
  if (parallel)
    bertc_cpu_parallel_for(m, 1 + 4096 / (n * k + 1), gemm_rows, &g);
  else
    gemm_rows(&g, 0, m);
  free(packed);
}

void _mlir_ciface_bertc_matmul_f32(bertc_memref2d_f32 *A, bertc_memref2d_f32 *B,
                                   bertc_memref2d_f32 *C, int64_t accumulate) {
  gemm(A->aligned + A->offset, A->strides[0], A->strides[1],
       B->aligned + B->offset, B->strides[0], B->strides[1],
       C->aligned + C->offset, C->strides[0], C->strides[1], C->sizes[0],
       C->sizes[1], A->sizes[1], accumulate != 0, 1);
}

typedef struct {
  bertc_memref3d_f32 *A, *B, *C;
  int accumulate;
} batch_args;

static void batch_range(void *p, int64_t begin, int64_t end) {
  const batch_args *g = p;
  for (int64_t bi = begin; bi < end; ++bi)
    gemm(g->A->aligned + g->A->offset + bi * g->A->strides[0], g->A->strides[1],
         g->A->strides[2],
         g->B->aligned + g->B->offset + bi * g->B->strides[0], g->B->strides[1],
         g->B->strides[2],
         g->C->aligned + g->C->offset + bi * g->C->strides[0], g->C->strides[1],
         g->C->strides[2], g->C->sizes[1], g->C->sizes[2], g->A->sizes[2],
         g->accumulate, 0);
}

void _mlir_ciface_bertc_batch_matmul_f32(bertc_memref3d_f32 *A,
                                         bertc_memref3d_f32 *B,
                                         bertc_memref3d_f32 *C,
                                         int64_t accumulate) {
  batch_args g = {A, B, C, accumulate != 0};
  bertc_cpu_parallel_for(C->sizes[0], 1, batch_range, &g);
}
