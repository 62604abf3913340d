/*===- qgemm_internal.h - Shared internals of the int8 GEMM (internal) ----===*
 *
 * Between qgemm.c (entry point, driver, ISA dispatch, reference weight
 * packing) and qgemm_kernels.c (per-ISA activation quantization and
 * micro-kernels): the register tile, the quantized-A panel layout, the
 * epilogue parameters and the scalar quantization formulas every ISA path
 * shares (so that all of them produce the same u8 values).
 * Hidden symbols of libbertc_cpu_kernels.a, not part of the model ABI.
 *===----------------------------------------------------------------------===*/
#ifndef BERTC_CPU_QGEMM_INTERNAL_H
#define BERTC_CPU_QGEMM_INTERNAL_H

#include "bertc/kernel_abi.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Register tile: QMR rows of A x QNR columns of W. Quantized A is held in
 * panels of QMR rows, [Kq][QMR][4] bytes: element (r, k) of the panel at
 * ((k / 4) * QMR + r) * 4 + k % 4, so the 4 bytes of one row's k-quad are
 * one 32-bit word (what vpdpbusd broadcasts); rows past M and k past K are
 * zero. The AVX2 kernel's panels hold the same values as int16 (2 bytes
 * an element, a 64-bit word per row and k-quad). */
#define QMR 12
#define QNR BERTC_QGEMM_NR

/* Epilogue of one tile: rows r and columns j of the tile. */
typedef struct {
  const float *a_scale;   /* [rows]: scale of each row of A */
  const int32_t *a_zp;    /* [rows]: zero point of each row of A */
  const float *w_scale;   /* [cols] */
  const int32_t *w_colsum; /* [cols] */
  const float *bias;      /* [cols], or NULL */
  int64_t act;            /* BERTC_ACT_* */
} bertc_qgemm_epi;

/* C[0:rows, 0:cols] = epilogue(sum over kq quads of a x b): a one packed A
 * panel [kq][QMR][4], b one packed W panel [kq][QNR][4]; rows <= QMR, cols
 * <= QNR; C element (i, j) at c[i * scm + j * scn]. */
typedef void (*bertc_qgemm_kern_fn)(int64_t kq, const uint8_t *a,
                                    const int8_t *b, float *c, int64_t scm,
                                    int64_t scn, int64_t rows, int64_t cols,
                                    const bertc_qgemm_epi *e);

/* Quantizes `rows` (<= QMR) rows of A (element (i, k) at a[i * sam + k *
 * sak]) into one panel `dst` ([ceil(k / 4)][QMR][4], zero past `rows` and
 * past k). per_row != 0: each row gets the DynamicQuantizeLinear scale and
 * zero point of its own min/max, written to sa[i], za[i]; else every row
 * uses (scale, zp), also written to sa, za. Entries past `rows` of sa, za
 * are set to 0. */
typedef void (*bertc_qgemm_quant_fn)(const float *a, int64_t sam, int64_t sak,
                                     int64_t rows, int64_t k, int per_row,
                                     float scale, int32_t zp, uint8_t *dst,
                                     float *sa, int32_t *za);
/* min and max of rows [0, rows) of A, per row. */
typedef void (*bertc_qgemm_minmax_fn)(const float *a, int64_t sam,
                                      int64_t sak, int64_t rows, int64_t k,
                                      float *mn, float *mx);

void bertc_qgemm_kern_generic(int64_t kq, const uint8_t *a, const int8_t *b,
                              float *c, int64_t scm, int64_t scn, int64_t rows,
                              int64_t cols, const bertc_qgemm_epi *e);
void bertc_qgemm_quant_generic(const float *a, int64_t sam, int64_t sak,
                               int64_t rows, int64_t k, int per_row,
                               float scale, int32_t zp, uint8_t *dst,
                               float *sa, int32_t *za);
void bertc_qgemm_minmax_generic(const float *a, int64_t sam, int64_t sak,
                                int64_t rows, int64_t k, float *mn, float *mx);
#if defined(__x86_64__) && defined(__GNUC__)
/* AVX2 (no VNNI): its A panels hold int16 (2 bytes per element, the same
 * layout), see BERTC_QGEMM_A_BYTES. */
void bertc_qgemm_kern_avx2(int64_t kq, const uint8_t *a, const int8_t *b,
                           float *c, int64_t scm, int64_t scn, int64_t rows,
                           int64_t cols, const bertc_qgemm_epi *e);
void bertc_qgemm_quant_avx2(const float *a, int64_t sam, int64_t sak,
                            int64_t rows, int64_t k, int per_row, float scale,
                            int32_t zp, uint8_t *dst, float *sa, int32_t *za);
void bertc_qgemm_minmax_avx2(const float *a, int64_t sam, int64_t sak,
                             int64_t rows, int64_t k, float *mn, float *mx);
/* AVX-512F/BW/VL + VNNI. */
void bertc_qgemm_kern_vnni(int64_t kq, const uint8_t *a, const int8_t *b,
                           float *c, int64_t scm, int64_t scn, int64_t rows,
                           int64_t cols, const bertc_qgemm_epi *e);
void bertc_qgemm_quant_vnni(const float *a, int64_t sam, int64_t sak,
                            int64_t rows, int64_t k, int per_row, float scale,
                            int32_t zp, uint8_t *dst, float *sa, int32_t *za);
void bertc_qgemm_minmax_vnni(const float *a, int64_t sam, int64_t sak,
                             int64_t rows, int64_t k, float *mn, float *mx);
#endif

/* DynamicQuantizeLinear's parameters from the data's min and max (ONNX
 * reference: the range is widened to include 0; a zero range gives scale
 * 1 / 255). NaN-safe: no undefined conversions. */
static inline void bertc_qparams_dynamic(float mn, float mx, float *scale,
                                         int32_t *zp) {
  float lo = mn < 0.0f ? mn : 0.0f, hi = mx > 0.0f ? mx : 0.0f;
  float s = (hi == lo ? 1.0f : hi - lo) / 255.0f;
  float z = 0.0f - lo / s;
  z = z >= 0.0f ? z : 0.0f; /* NaN -> 0 */
  z = z <= 255.0f ? z : 255.0f;
  *scale = s;
  *zp = (int32_t)__builtin_rintf(z);
}

/* ONNX QuantizeLinear to u8: saturate(round_half_even(x / scale) + zp).
 * The quotient is clamped to [-zp, 255 - zp] before rounding (the same for
 * integer bounds, and no out-of-range conversion; NaN -> 0). */
__attribute__((always_inline)) static inline uint8_t
bertc_quantize_u8(float x, float scale, int32_t zp) {
  float v = x / scale, lo = (float)-zp, hi = (float)(255 - zp);
  v = v >= lo ? v : lo;
  v = v <= hi ? v : hi;
  return (uint8_t)((int32_t)__builtin_rintf(v) + zp);
}

#ifdef __cplusplus
}
#endif

#endif /* BERTC_CPU_QGEMM_INTERNAL_H */
