/*===- bertc/kernel_abi.h - Constants shared by compiler and CPU kernels --===*
 *
 * The one definition of every constant that both the compiler (lib/, C++)
 * and the CPU kernels (runtime/src/cpu, C) depend on: activation codes,
 * LayerNorm flags, kernel ISA ids, the weight panel width and the kernel
 * symbol names. The bertc dialect's Activation enum is checked against the
 * codes here (static_assert in lib/Dialect/Bertc/IR/BertcOps.cpp).
 *===----------------------------------------------------------------------===*/
#ifndef BERTC_KERNEL_ABI_H
#define BERTC_KERNEL_ABI_H

/* Activation applied by the linear kernels' epilogue (the `act` argument),
 * = bertc::Activation. */
#define BERTC_ACT_NONE 0
#define BERTC_ACT_RELU 1
#define BERTC_ACT_GELU_ERF 2   /* x * 0.5 * (1 + erf(x / sqrt(2))) */
#define BERTC_ACT_GELU_TANH 3  /* tanh approximation */
#define BERTC_ACT_QUICK_GELU 4 /* x * sigmoid(1.702 x) */

/* LayerNorm kernel flags (the `flags` argument): y = LN(x + skip + bias) *
 * gamma + beta. */
#define BERTC_LN_BETA 1 /* beta given */
#define BERTC_LN_SKIP 2 /* residual `skip` added before normalizing */
#define BERTC_LN_BIAS 4 /* `bias` row added before normalizing */
#define BERTC_LN_RMS 8  /* RMSNorm: no mean subtracted */

/* Kernel instruction-set variants (BERTC_MODEL_KERNEL_ISA_SYMBOL in
 * model.so: the widest the compile target allows). */
#define BERTC_ISA_GENERIC 0 /* portable C (baseline x86-64: SSE2) */
#define BERTC_ISA_AVX2 1    /* AVX2 + FMA */
#define BERTC_ISA_AVX512 2  /* AVX-512F */

/* GEMM register tile: B (weights) panels are NR columns wide. The compiler
 * packs constant weights into this layout at compile time:
 * packed[p][k][j] = W[k][p * NR + j] (zero past N), shape [ceil(N/NR), K, NR]. */
#define BERTC_GEMM_NR 32

/* Kernel symbols the compiler calls (each as _mlir_ciface_<name>, declared
 * in bertc/cpu_kernels.h). */
#define BERTC_KERNEL_MATMUL_F32 "bertc_matmul_f32"
#define BERTC_KERNEL_BATCH_MATMUL_F32 "bertc_batch_matmul_f32"
#define BERTC_KERNEL_LINEAR_F32 "bertc_linear_f32"
#define BERTC_KERNEL_LINEAR_PACKED_F32 "bertc_linear_packed_f32"
#define BERTC_KERNEL_LAYER_NORM_F32 "bertc_layer_norm_f32"
#define BERTC_KERNEL_SKIP_LAYER_NORM_F32 "bertc_skip_layer_norm_f32"
#define BERTC_KERNEL_ATTENTION_F32 "bertc_attention_f32"

/* Symbols of model.so that the compiler defines (lowering of
 * bertc_cpu.entry_point, lib/Conversion/EntryPointToLLVM) and the kernel
 * library statically linked into the same model.so uses, or the reverse.
 * All hidden: nothing but BERTC_MODEL_ENTRY_SYMBOL (model_abi.h) is
 * exported. */
/* void bertc_model_invoke(void *const *inputs, void *outputs): unpacks the
 * input descriptors for the entry function's C interface (model_glue.c). */
#define BERTC_MODEL_INVOKE_SYMBOL "bertc_model_invoke"
/* const char *const bertc_model_error_sites[]: node names of the run-time
 * checks' sites (errors.c), and their count (const int32_t). */
#define BERTC_MODEL_ERROR_SITES_SYMBOL "bertc_model_error_sites"
#define BERTC_MODEL_NUM_ERROR_SITES_SYMBOL "bertc_model_num_error_sites"
/* const int32_t bertc_model_kernel_isa: BERTC_ISA_* cap (sgemm.c). */
#define BERTC_MODEL_KERNEL_ISA_SYMBOL "bertc_model_kernel_isa"
/* int32_t bertc_cpu_model_run(ctx, inputs, outputs): the descriptor's `run`
 * (model_glue.c). */
#define BERTC_KERNEL_MODEL_RUN "bertc_cpu_model_run"

#endif /* BERTC_KERNEL_ABI_H */
