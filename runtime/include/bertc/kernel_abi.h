/*===- bertc/kernel_abi.h - Constants shared by compiler and CPU kernels --===*
 *
 * The one definition of every constant that both the compiler (lib/, C++)
 * and the CPU kernels (runtime/src/cpu, C) depend on: activation codes,
 * LayerNorm flags, kernel ISA ids, the weight panel widths (fp32 and int8),
 * the int8 linear's modes and flags and the kernel symbol names. The bertc dialect's Activation enum is checked against the
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
 * model.so: the widest the compile target allows). Ordered: each includes
 * the ones below it. */
#define BERTC_ISA_GENERIC 0 /* portable C (baseline x86-64: SSE2) */
#define BERTC_ISA_AVX2 1    /* AVX2 + FMA */
#define BERTC_ISA_AVX512 2  /* AVX-512F */
/* AVX-512F/BW/VL + AVX512-VNNI (vpdpbusd): the int8 GEMM's fast path; the
 * fp32 kernels run at BERTC_ISA_AVX512 under it. */
#define BERTC_ISA_AVX512_VNNI 3

/* GEMM register tile: B (weights) panels are NR columns wide. The compiler
 * packs constant weights into this layout at compile time:
 * packed[p][k][j] = W[k][p * NR + j] (zero past N), shape [ceil(N/NR), K, NR]. */
#define BERTC_GEMM_NR 32

/* int8 linear (bertc_qlinear_packed_f32): weights quantized at compile time
 * to int8, symmetric, per output column n (scale w_scale[n]; see
 * bertc_cpu_quantize_qweight_s8 in cpu_kernels.h for the reference
 * formula), packed for vpdpbusd (u8 x s8 -> s32, 4 consecutive k per
 * 32-bit lane) into panels of BERTC_QGEMM_NR columns, K padded to a
 * multiple of BERTC_QGEMM_KG = 4 (zero past K and past N):
 *   Kq = ceil(K / 4), shape [ceil(N / NR), Kq, NR * 4] (int8),
 *   packed[p][q][4 * j + t] = Wq[4 * q + t][p * NR + j]
 *     (byte offset ((p * Kq + q) * NR + j) * 4 + t),
 * plus w_colsum[n] = sum_k Wq[k][n] (int32) for the zero-point
 * correction. Reference: bertc_cpu_pack_qweight_s8. */
#define BERTC_QGEMM_NR 32
#define BERTC_QGEMM_KG 4
/* The largest K the int32 accumulator holds exactly for any int8 weights:
 * K * 255 * 128 <= INT32_MAX. */
#define BERTC_QGEMM_MAX_K 65793

/* How the int8 linear quantizes its fp32 input A [M, K] to u8 (the `mode`
 * argument). Every mode follows ONNX QuantizeLinear: q = saturate(round(
 * a / scale) + zero_point), round half to even, saturate to [0, 255]. The
 * dynamic modes take scale and zero point from the data as ONNX
 * DynamicQuantizeLinear does: lo = min(0, min a), hi = max(0, max a),
 * scale = (hi == lo ? 1 : hi - lo) / 255, zero_point = round(saturate(
 * 0 - lo / scale)) in [0, 255]. */
#define BERTC_QUANT_DYNAMIC_ROW 0    /* each row of A its own scale, zero point */
#define BERTC_QUANT_DYNAMIC_TENSOR 1 /* one over all of A (= DynamicQuantizeLinear) */
#define BERTC_QUANT_STATIC 2         /* given: a_scale, a_zero_point arguments */

/* int8 linear flags (the `flags` argument). */
#define BERTC_QLINEAR_BIAS 1 /* bias given */

/* Kernel symbols the compiler calls (each as _mlir_ciface_<name>, declared
 * in bertc/cpu_kernels.h). */
#define BERTC_KERNEL_MATMUL_F32 "bertc_matmul_f32"
#define BERTC_KERNEL_BATCH_MATMUL_F32 "bertc_batch_matmul_f32"
#define BERTC_KERNEL_LINEAR_F32 "bertc_linear_f32"
#define BERTC_KERNEL_LINEAR_PACKED_F32 "bertc_linear_packed_f32"
#define BERTC_KERNEL_QLINEAR_PACKED_F32 "bertc_qlinear_packed_f32"
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
