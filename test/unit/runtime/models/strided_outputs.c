/* Fake model "strided_outputs": returns output descriptors of every shape the
 * runtime must handle. Input x float32 [2, 3] (static), row-major.
 * Ownership is what the descriptor says (BERTC_ABI_TENSOR_OWNED), nothing
 * else: the runtime must not guess it from the pointers.
 *   t      [3, 2]  owned: transpose of x, strides {1, 3} into buffer A
 *                  (copied, then A freed)
 *   x_copy [2, 3]  owned: row-major view of the same buffer A (copied: A is
 *                  freed once)
 *   row1   [3]     owned: row 1 of x at offset 3 into buffer B (adopted)
 *   konst  [2]     not owned: {7, 8} from static data, with an `allocated`
 *                  pointer that is not one (copied, never freed)
 *   empty  [0, 3]  owned: an empty malloc'ed buffer
 *   echo   [2, 3]  not owned: the input buffer itself (copied, never freed)
 *   view   [3]     not owned: row 0 of buffer B, a heap pointer the runtime
 *                  would free if it guessed (copied, never freed) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bertc/model_abi.h"

static const int64_t kX[2] = {2, 3};
static const int64_t kT[2] = {3, 2};
static const int64_t kRow[1] = {3};
static const int64_t kKonst[1] = {2};
static const int64_t kEmpty[2] = {-1, 3};
static const char *const kEmptyNames[2] = {"zero", NULL};

static const bertc_abi_tensor_info kInputs[1] = {
    {"x", BERTC_DTYPE_F32, 2, kX, NULL}};
static const bertc_abi_tensor_info kOutputs[7] = {
    {"t", BERTC_DTYPE_F32, 2, kT, NULL, BERTC_ABI_TENSOR_OWNED},
    {"x_copy", BERTC_DTYPE_F32, 2, kX, NULL, BERTC_ABI_TENSOR_OWNED},
    {"row1", BERTC_DTYPE_F32, 1, kRow, NULL, BERTC_ABI_TENSOR_OWNED},
    {"konst", BERTC_DTYPE_F32, 1, kKonst, NULL},
    {"empty", BERTC_DTYPE_F32, 2, kEmpty, kEmptyNames, BERTC_ABI_TENSOR_OWNED},
    {"echo", BERTC_DTYPE_F32, 2, kX, NULL},
    {"view", BERTC_DTYPE_F32, 1, kRow, NULL},
};

static const float kKonstData[2] = {7.0f, 8.0f};

static int64_t *put(int64_t *w, const void *allocated, const void *aligned,
                    int64_t offset, int rank, const int64_t *sizes,
                    const int64_t *strides) {
  memcpy(&w[0], &allocated, sizeof(void *));
  memcpy(&w[1], &aligned, sizeof(void *));
  w[2] = offset;
  for (int i = 0; i < rank; ++i) {
    w[3 + i] = sizes[i];
    w[3 + rank + i] = strides[i];
  }
  return w + 3 + 2 * rank;
}

static int32_t run(bertc_abi_exec_ctx *ctx, void *const *inputs,
                   void *outputs) {
  const int64_t *in = (const int64_t *)inputs[0];
  float *x;
  memcpy(&x, &in[1], sizeof x);
  x += in[2];
  float *a = (float *)malloc(6 * sizeof(float));
  float *b = (float *)malloc(6 * sizeof(float));
  float *e = (float *)malloc(1);
  if (!a || !b || !e) {
    free(a), free(b), free(e);
    ctx->report_error(ctx, 1, "out of memory");
    return 1;
  }
  memcpy(a, x, 6 * sizeof(float));
  memcpy(b, x, 6 * sizeof(float));
  int64_t *w = (int64_t *)outputs;
  const int64_t tStrides[2] = {1, 3}, rowMajor[2] = {3, 1}, one[1] = {1};
  const int64_t emptySizes[2] = {0, 3};
  w = put(w, a, a, 0, 2, kT, tStrides);
  w = put(w, a, a, 0, 2, kX, rowMajor);
  w = put(w, b, b, 3, 1, kRow, one);
  w = put(w, (void *)(uintptr_t)0xdeadbeef, kKonstData, 0, 1, kKonst, one);
  w = put(w, e, e, 0, 2, emptySizes, rowMajor);
  w = put(w, x, x, 0, 2, kX, rowMajor);
  w = put(w, b, b, 0, 1, kRow, one);
  return 0;
}

static const bertc_abi_model kModel = {
    BERTC_ABI_VERSION, BERTC_DEVICE_CPU, "strided_outputs",
    "hand-written test model", 1, 7, kInputs, kOutputs, run};

__attribute__((visibility("default"))) const bertc_abi_model *
bertc_model_v1(void) {
  return &kModel;
}
