/*===- bertc/cpu_kernels.h - Kernels that CPU model.so code calls ---------===*
 *
 * libbertc_cpu_kernels.a is linked into every CPU model.so. The compiler emits
 * calls to the `_mlir_ciface_*` functions below (MLIR's C-interface calling
 * convention: memref arguments are pointers to strided descriptors).
 *===----------------------------------------------------------------------===*/
#ifndef BERTC_CPU_KERNELS_H
#define BERTC_CPU_KERNELS_H

#include "bertc/kernel_abi.h"
#include "bertc/model_abi.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct { float *allocated; float *aligned; int64_t offset; int64_t sizes[1]; int64_t strides[1]; } bertc_memref1d_f32;
typedef struct { float *allocated; float *aligned; int64_t offset; int64_t sizes[2]; int64_t strides[2]; } bertc_memref2d_f32;
typedef struct { float *allocated; float *aligned; int64_t offset; int64_t sizes[3]; int64_t strides[3]; } bertc_memref3d_f32;
typedef struct { float *allocated; float *aligned; int64_t offset; int64_t sizes[4]; int64_t strides[4]; } bertc_memref4d_f32;
typedef struct { int8_t *allocated; int8_t *aligned; int64_t offset; int64_t sizes[3]; int64_t strides[3]; } bertc_memref3d_i8;
typedef struct { int32_t *allocated; int32_t *aligned; int64_t offset; int64_t sizes[1]; int64_t strides[1]; } bertc_memref1d_i32;

/* C[M,N] (= or +=) A[M,K] . B[K,N]; any strides. accumulate != 0: C += A.B. */
void _mlir_ciface_bertc_matmul_f32(bertc_memref2d_f32 *A, bertc_memref2d_f32 *B,
                                   bertc_memref2d_f32 *C, int64_t accumulate);
/* Batched over dim 0; a batch stride of 0 broadcasts that operand. */
void _mlir_ciface_bertc_batch_matmul_f32(bertc_memref3d_f32 *A,
                                         bertc_memref3d_f32 *B,
                                         bertc_memref3d_f32 *C,
                                         int64_t accumulate);

/* Fused kernels (runtime/src/cpu/fused.c), called for bertc-dialect ops.
 * act: BERTC_ACT_* (bertc/kernel_abi.h). W packed: see BERTC_GEMM_NR. */
void _mlir_ciface_bertc_linear_f32(bertc_memref2d_f32 *a, bertc_memref2d_f32 *w,
                                   bertc_memref1d_f32 *bias, bertc_memref2d_f32 *c,
                                   int64_t act, int64_t has_bias);
/* As bertc_linear_f32 with W pre-packed (see BERTC_GEMM_NR). */
void _mlir_ciface_bertc_linear_packed_f32(bertc_memref2d_f32 *a,
                                          bertc_memref3d_f32 *w_packed,
                                          bertc_memref1d_f32 *bias,
                                          bertc_memref2d_f32 *c, int64_t act,
                                          int64_t has_bias);
/* int8 linear (qgemm.c): C[M,N] = act((Aq - zp_a) . Wq * scale_a * w_scale
 * + bias) with A fp32 quantized to u8 inside the call (mode:
 * BERTC_QUANT_*; a_scale, a_zero_point are read in BERTC_QUANT_STATIC
 * only) and Wq int8 quantized and packed at compile time (layout:
 * BERTC_QGEMM_NR in kernel_abi.h; w_packed [ceil(N/NR), ceil(K/4), NR*4],
 * contiguous). Per element:
 *   acc = sum_k Aq[m][k] * Wq[k][n]                        (int32, exact)
 *   y = (float)(acc - zp_a[m] * w_colsum[n]) * (scale_a[m] * w_scale[n])
 *       + bias[n]                                           (bias: flags)
 *   C[m][n] = act(y)                  (act: BERTC_ACT_*, as bertc_linear)
 * flags: BERTC_QLINEAR_*. A and C any strides; K <= BERTC_QGEMM_MAX_K. */
void _mlir_ciface_bertc_qlinear_packed_f32(
    bertc_memref2d_f32 *a, bertc_memref3d_i8 *w_packed,
    bertc_memref1d_f32 *w_scale, bertc_memref1d_i32 *w_colsum,
    bertc_memref1d_f32 *bias, bertc_memref2d_f32 *c, int64_t act,
    int64_t mode, float a_scale, int64_t a_zero_point, int64_t flags);
/* Reference weight preparation for the int8 linear, the formulas the
 * compiler mirrors at compile time (and tests and benchmarks use):
 * quantize: w_scale[n] = max_k |W[k][n]| / 127 (1 when the column is all
 * zero), Wq[k][n] = saturate(round_half_even(W[k][n] / w_scale[n])) to
 * [-127, 127] (float division). W element (k, n) at w[k * ldw + n]. */
void bertc_cpu_quantize_qweight_s8(const float *w, int64_t k, int64_t n,
                                   int64_t ldw, int8_t *wq, int64_t ldq,
                                   float *w_scale);
/* Bytes of the packed int8 weight of a [K, N] matrix:
 * ceil(N / NR) * ceil(K / 4) * NR * 4. */
int64_t bertc_cpu_qweight_packed_bytes(int64_t k, int64_t n);
/* Packs Wq [K, N] (element (k, n) at wq[k * ldq + n]) into `packed`
 * (bertc_cpu_qweight_packed_bytes bytes, the layout of BERTC_QGEMM_NR) and
 * writes colsum[n] = sum_k Wq[k][n]. */
void bertc_cpu_pack_qweight_s8(const int8_t *wq, int64_t k, int64_t n,
                               int64_t ldq, int8_t *packed, int32_t *colsum);
/* Called on each finished block of C (rows x cols starting at column col0)
 * while it is in cache: fused bias/activation epilogues. */
typedef void (*bertc_cpu_gemm_epilogue)(void *ctx, float *c, int64_t ldc,
                                        int64_t cstride, int64_t rows,
                                        int64_t cols, int64_t col0);
/* C = A . W with W pre-packed, then `epi` (may be NULL) on C's blocks. */
void bertc_cpu_sgemm_packed_b(const bertc_memref2d_f32 *a, const float *b_packed,
                              bertc_memref2d_f32 *c, bertc_cpu_gemm_epilogue epi,
                              void *epi_ctx);
/* flags: BERTC_LN_* (bertc/kernel_abi.h): beta, skip, bias, RMSNorm.
 * y = LN(x + skip + bias) * gamma + beta. */
void _mlir_ciface_bertc_layer_norm_f32(bertc_memref2d_f32 *x, bertc_memref1d_f32 *gamma,
                                       bertc_memref1d_f32 *beta, bertc_memref2d_f32 *skip,
                                       bertc_memref1d_f32 *bias, bertc_memref2d_f32 *y,
                                       float eps, int64_t flags);
/* As above, also writing sum = x + skip + bias. */
void _mlir_ciface_bertc_skip_layer_norm_f32(
    bertc_memref2d_f32 *x, bertc_memref1d_f32 *gamma, bertc_memref1d_f32 *beta,
    bertc_memref2d_f32 *skip, bertc_memref1d_f32 *bias, bertc_memref2d_f32 *y,
    bertc_memref2d_f32 *sum, float eps, int64_t flags);
/* q, k, v, out: [batch, seq, heads * head_size]; keep: [batch, seq_k] (1 =
 * attend, 0 = masked) when has_mask; bias: [batch, heads, seq_q, seq_k],
 * each dimension possibly 1 (broadcast), added to the scaled scores when
 * has_bias. Per head: softmax(mask(scale * q k^T + bias)) v. */
void _mlir_ciface_bertc_attention_f32(bertc_memref3d_f32 *q, bertc_memref3d_f32 *k,
                                      bertc_memref3d_f32 *v, bertc_memref2d_f32 *keep,
                                      bertc_memref4d_f32 *bias,
                                      bertc_memref3d_f32 *out, int64_t num_heads,
                                      float scale, int64_t causal, float mask_value,
                                      int64_t mask_replace, int64_t has_mask,
                                      int64_t has_bias);
/* Execution context of the current thread's model run (model_glue.c). */
int32_t bertc_cpu_model_run(bertc_abi_exec_ctx *ctx, void *const *inputs,
                            void *outputs);
void bertc_cpu_set_exec_ctx(bertc_abi_exec_ctx *ctx);
bertc_abi_exec_ctx *bertc_cpu_get_exec_ctx(void);
void bertc_cpu_report_error(int32_t code, const char *message);
/* Returns and clears this thread's first reported error code (0 if none). */
int32_t bertc_cpu_take_error(void);
/* Reports that an input-dependent index `value` is outside [-bound, bound)
 * at error site `site` (an index into the model's table of node names). */
void bertc_cpu_index_error(int64_t value, int64_t bound, int32_t site);
/* Reports that two dimensions that must agree (result axis `axis`) have
 * sizes `lhs` and `rhs` at run time, at error site `site`. */
void bertc_cpu_broadcast_error(int64_t lhs, int64_t rhs, int32_t axis,
                               int32_t site);
/* Reports a Reshape whose run-time shape (out_elems elements, -1 when a
 * dimension is negative, -2 when the count exceeds INT64_MAX) does not fit
 * its input of in_elems elements. */
void bertc_cpu_reshape_error(int64_t in_elems, int64_t out_elems,
                             int32_t site);
/* Reports an integer division (Mod) of `dividend` by zero at error site
 * `site`. */
void bertc_cpu_division_error(int64_t dividend, int64_t divisor, int32_t site);
/* Reports that a buffer the node at error site `site` needs has a byte size
 * over INT64_MAX (run-time dims too large) as BERTC_ABI_ERROR_OUT_OF_MEMORY
 * and ends the run. */
void bertc_cpu_alloc_size_error(int32_t site);
/* Reports a Range whose step (delta) is 0 at error site `site` (ONNX
 * Runtime rejects it too: the range would be empty or endless). */
void bertc_cpu_range_step_error(int32_t site);
/* Ends the current model run on this thread (longjmp to
 * bertc_cpu_model_run) if this thread is running one; returns otherwise. */
void bertc_cpu_abort_run(void);
/* The jmp_buf * that bertc_cpu_abort_run jumps to on this thread (NULL:
 * none); set by bertc_cpu_model_run around the generated code. */
void bertc_cpu_set_abort_target(void *target);
void *bertc_cpu_get_abort_target(void);
/* Buffer tracking of a run (exec_ctx.c): the number of live buffers now, and
 * forgetting those above `mark`, freeing them when free_them (a run ended
 * by a failed check) or not (a run that returned: what is left is its
 * outputs, which the runtime adopts). */
size_t bertc_cpu_live_mark(void);
void bertc_cpu_release_live(size_t mark, int free_them);
/* The allocation functions of finalize-memref-to-llvm{use-generic-functions}. */
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *ptr);
/* Runs fn over [0, n) through the current ctx (serially without one). */
void bertc_cpu_parallel_for(int64_t n, int64_t grain, bertc_abi_task_fn fn,
                            void *arg);

#ifdef __cplusplus
}
#endif

#endif /* BERTC_CPU_KERNELS_H */
