/*===- gemm_dispatch.h - SGEMM instruction-set selection (internal) -------===*
 *
 * sgemm.c and qgemm.c pick their micro-kernels at run time from what the
 * CPU supports, capped by the model's kernel ISA (bertc_model_kernel_isa).
 * These hooks (hidden symbols of libbertc_cpu_kernels.a, not part of the
 * model ABI) let the unit tests run every code path on one machine.
 *===----------------------------------------------------------------------===*/
#ifndef BERTC_CPU_GEMM_DISPATCH_H
#define BERTC_CPU_GEMM_DISPATCH_H

#include "bertc/kernel_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  BERTC_GEMM_ISA_GENERIC = BERTC_ISA_GENERIC, /* portable C */
  BERTC_GEMM_ISA_AVX2 = BERTC_ISA_AVX2,       /* 6 x 16 sub-tiles */
  BERTC_GEMM_ISA_AVX512 = BERTC_ISA_AVX512    /* 12 x 32 tile */
};

/* The best ISA this CPU supports. */
int bertc_cpu_gemm_best_isa(void);
/* The ISA the GEMM currently uses. */
int bertc_cpu_gemm_isa(void);
/* Forces `isa` (clamped to what the CPU supports); a negative value restores
 * automatic selection. Returns the ISA now in use. For tests: not to be
 * called while GEMMs run on other threads. */
int bertc_cpu_gemm_set_isa(int isa);

/* The int8 GEMM's (qgemm.c) kernel ISA, chosen apart from the fp32 one:
 * VNNI when the CPU has AVX-512F/BW/VL + AVX512-VNNI and the model allows
 * BERTC_ISA_AVX512_VNNI; else the generic C code compiled for AVX2 when
 * the CPU has AVX2 + FMA and the model allows AVX2 or more; else generic. */
enum {
  BERTC_QGEMM_ISA_GENERIC = BERTC_ISA_GENERIC,
  BERTC_QGEMM_ISA_AVX2 = BERTC_ISA_AVX2,
  BERTC_QGEMM_ISA_VNNI = BERTC_ISA_AVX512_VNNI
};
int bertc_cpu_qgemm_best_isa(void);
int bertc_cpu_qgemm_isa(void);
/* Forces `isa` (one of BERTC_QGEMM_ISA_*, lowered to the best this CPU
 * supports: VNNI -> AVX2 -> generic); negative restores automatic
 * selection. Returns the ISA now in use. For tests, as
 * bertc_cpu_gemm_set_isa. */
int bertc_cpu_qgemm_set_isa(int isa);

#ifdef __cplusplus
}
#endif

#endif /* BERTC_CPU_GEMM_DISPATCH_H */
