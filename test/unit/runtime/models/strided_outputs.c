/* Fake model "strided_outputs": returns output descriptors of every shape the
 * runtime must handle. Input x float32 [2, 3] (static), row-major.
 *   t      [3, 2]  transpose of x: strides {1, 3} into buffer A (copied)
 *   x_copy [2, 3]  row-major view of the same buffer A (copied, freed once)
 *   row1   [3]     row 1 of x at offset 3 into buffer B (adopted)
 *   konst  [2]     {7, 8} from static data, allocated = 0xdeadbeef as for
 *                  MLIR globals (copied, never freed)
 *   empty  [0, 3]  an empty malloc'ed buffer
 *   echo   [2, 3]  the input buffer itself, which violates the ABI; the
 *                  runtime must copy it and never free it */
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
static const bertc_abi_tensor_info kOutputs[6] = {
    {"t", BERTC_DTYPE_F32, 2, kT, NULL},
    {"x_copy", BERTC_DTYPE_F32, 2, kX, NULL},
    {"row1", BERTC_DTYPE_F32, 1, kRow, NULL},
    {"konst", BERTC_DTYPE_F32, 1, kKonst, NULL},
    {"empty", BERTC_DTYPE_F32, 2, kEmpty, kEmptyNames},
    {"echo", BERTC_DTYPE_F32, 2, kX, NULL},
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
  return 0;
}

static const bertc_abi_model kModel = {
    BERTC_ABI_VERSION, BERTC_DEVICE_CPU, "strided_outputs",
    "hand-written test model", 1, 6, kInputs, kOutputs, run};

__attribute__((visibility("default"))) const bertc_abi_model *
bertc_model_v1(void) {
  return &kModel;
}
