/* Fake model "checker": y = 2 * x for x float32 [4] (a static shape).
 * Exercises the error paths of the exec ctx:
 *   - any x[i] < 0:      report_error(3, "x[i] is negative") and return 3;
 *   - x[0] == 1000:      report_error(4, ...) but return 0 (outputs are set);
 *   - x[0] == 2000:      return 5 without reporting;
 *   - x[0] == 3000:      report two errors (the first must win), return 6. */
#include <stdio.h>
#include <stdlib.h>

#include "bertc/model_abi.h"

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} f32_1d;

static const int64_t kDims[1] = {4};
static const bertc_abi_tensor_info kInputs[1] = {
    {"x", BERTC_DTYPE_F32, 1, kDims, NULL}};
static const bertc_abi_tensor_info kOutputs[1] = {
    {"y", BERTC_DTYPE_F32, 1, kDims, NULL, BERTC_ABI_TENSOR_OWNED}};

static int32_t run(bertc_abi_exec_ctx *ctx, void *const *inputs,
                   void *outputs) {
  const f32_1d *x = (const f32_1d *)inputs[0];
  f32_1d *y = (f32_1d *)outputs;
  const float *xd = x->aligned + x->offset;
  char msg[64];
  if (xd[0] == 2000.0f)
    return 5;
  if (xd[0] == 3000.0f) {
    ctx->report_error(ctx, 6, "first error");
    ctx->report_error(ctx, 7, "second error");
    return 6;
  }
  for (int i = 0; i < 4; ++i)
    if (xd[i] < 0) {
      snprintf(msg, sizeof msg, "x[%d] is negative", i);
      ctx->report_error(ctx, 3, msg);
      return 3;
    }
  float *yd = (float *)malloc(4 * sizeof(float));
  if (!yd) {
    ctx->report_error(ctx, 1, "out of memory");
    return 1;
  }
  for (int i = 0; i < 4; ++i)
    yd[i] = 2.0f * xd[i];
  y->allocated = y->aligned = yd;
  y->offset = 0;
  y->sizes[0] = 4;
  y->strides[0] = 1;
  if (xd[0] == 1000.0f)
    ctx->report_error(ctx, 4, "reported but returned 0");
  return 0;
}

static const bertc_abi_model kModel = {
    BERTC_ABI_VERSION, BERTC_DEVICE_CPU, "checker", "hand-written test model",
    1, 1, kInputs, kOutputs, run};

__attribute__((visibility("default"))) const bertc_abi_model *
bertc_model_v1(void) {
  return &kModel;
}
