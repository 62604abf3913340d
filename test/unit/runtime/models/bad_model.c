/* Broken fake models for the loader's error paths. Built once per variant
 * with one of these macros defined:
 *   BAD_NO_ENTRY    does not export bertc_model_v1
 *   BAD_NULL_ENTRY  bertc_model_v1() returns NULL
 *   BAD_ABI         abi_version 99
 *   BAD_CUDA        device CUDA
 *   BAD_NULL_NAME   input 0 has no name
 *   BAD_DUP_NAME    two inputs named "x"
 *   BAD_DTYPE       input dtype 42
 *   BAD_UTF8_NAME   input names that are not printable UTF-8 (it loads)
 *   BAD_OWNED_INPUT input 1 marked BERTC_ABI_TENSOR_OWNED
 *   BAD_FLAGS       output 0 with a flag bit the ABI does not define */
#include <stddef.h>

#include "bertc/model_abi.h"

#define EXPORT __attribute__((visibility("default")))

#ifdef BAD_NO_ENTRY
EXPORT int not_a_bertc_model(void) { return 42; }
#else

static const int64_t kDims[1] = {4};

#if defined(BAD_NULL_NAME)
#define NAME0 NULL
#elif defined(BAD_UTF8_NAME)
#define NAME0 "x\xff\x1b[31m\\"
#else
#define NAME0 "x"
#endif
#if defined(BAD_DUP_NAME)
#define NAME1 "x"
#elif defined(BAD_UTF8_NAME)
#define NAME1 "z\xc3\xa9" /* valid UTF-8: kept */
#else
#define NAME1 "z"
#endif
#if defined(BAD_DTYPE)
#define DTYPE0 42
#else
#define DTYPE0 BERTC_DTYPE_F32
#endif
#if defined(BAD_ABI)
#define ABI 99u
#else
#define ABI BERTC_ABI_VERSION
#endif
#if defined(BAD_CUDA)
#define DEVICE BERTC_DEVICE_CUDA
#else
#define DEVICE BERTC_DEVICE_CPU
#endif

#if defined(BAD_OWNED_INPUT)
#define INPUT_FLAGS BERTC_ABI_TENSOR_OWNED
#else
#define INPUT_FLAGS 0
#endif
#if defined(BAD_FLAGS)
#define OUTPUT_FLAGS (BERTC_ABI_TENSOR_OWNED | 0x40u)
#else
#define OUTPUT_FLAGS BERTC_ABI_TENSOR_OWNED
#endif

static const bertc_abi_tensor_info kInputs[2] = {
    {NAME0, DTYPE0, 1, kDims, NULL, 0},
    {NAME1, BERTC_DTYPE_F32, 1, kDims, NULL, INPUT_FLAGS},
};
static const bertc_abi_tensor_info kOutputs[1] = {
    {"y", BERTC_DTYPE_F32, 1, kDims, NULL, OUTPUT_FLAGS}};

static int32_t run(bertc_abi_exec_ctx *ctx, void *const *inputs,
                   void *outputs) {
  (void)inputs;
  (void)outputs;
  ctx->report_error(ctx, 1, "this model cannot run");
  return 1;
}

static const bertc_abi_model kModel = {
    ABI, DEVICE, "bad", "hand-written test model", 2, 1, kInputs, kOutputs,
    run};

EXPORT const bertc_abi_model *bertc_model_v1(void) {
#ifdef BAD_NULL_ENTRY
  (void)&kModel;
  return NULL;
#else
  return &kModel;
#endif
}
#endif
