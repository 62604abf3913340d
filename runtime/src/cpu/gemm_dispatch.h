/*===- gemm_dispatch.h - SGEMM instruction-set selection (internal) -------===*
 *
 * sgemm.c picks its micro-kernel at run time from what the CPU supports.
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

#ifdef __cplusplus
}
#endif

#endif /* BERTC_CPU_GEMM_DISPATCH_H */
