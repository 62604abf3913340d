/* Fake model "add_one", written by hand against bertc/model_abi.h.
 *   inputs:  x    float32 [batch, sequence]
 *            mask int64   [batch, sequence]
 *   outputs: y        float32 [batch, sequence] = x + 1
 *            mask_sum int64   [batch]           = sum of mask over sequence
 * Rows are processed with ctx->parallel_for, and each row again with a nested
 * parallel_for, like generated code may do. */
#include <stdlib.h>

#include "bertc/model_abi.h"

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} f32_2d;
typedef struct {
  int64_t *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} i64_2d;
typedef struct {
  int64_t *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} i64_1d;

static const int64_t kDims2[2] = {-1, -1};
static const char *const kNames2[2] = {"batch", "sequence"};
static const int64_t kDims1[1] = {-1};
static const char *const kNames1[1] = {"batch"};

static const bertc_abi_tensor_info kInputs[2] = {
    {"x", BERTC_DTYPE_F32, 2, kDims2, kNames2},
    {"mask", BERTC_DTYPE_I64, 2, kDims2, kNames2},
};
static const bertc_abi_tensor_info kOutputs[2] = {
    {"y", BERTC_DTYPE_F32, 2, kDims2, kNames2, BERTC_ABI_TENSOR_OWNED},
    {"mask_sum", BERTC_DTYPE_I64, 1, kDims1, kNames1, BERTC_ABI_TENSOR_OWNED},
};

typedef struct {
  bertc_abi_exec_ctx *ctx;
  const f32_2d *x;
  const i64_2d *mask;
  float *y;
  int64_t *sum;
  int64_t row; /* for the nested loop */
} job;

static void add_cols(void *arg, int64_t begin, int64_t end) {
  const job *j = (const job *)arg;
  const f32_2d *x = j->x;
  for (int64_t c = begin; c < end; ++c)
    j->y[j->row * x->sizes[1] + c] =
        x->aligned[x->offset + j->row * x->strides[0] + c * x->strides[1]] +
        1.0f;
}

static void do_rows(void *arg, int64_t begin, int64_t end) {
  const job *j = (const job *)arg;
  for (int64_t r = begin; r < end; ++r) {
    job inner = *j;
    inner.row = r;
    j->ctx->parallel_for(j->ctx, j->x->sizes[1], 4, add_cols, &inner);
    int64_t s = 0;
    for (int64_t c = 0; c < j->mask->sizes[1]; ++c)
      s += j->mask->aligned[j->mask->offset + r * j->mask->strides[0] +
                            c * j->mask->strides[1]];
    j->sum[r] = s;
  }
}

static int32_t run(bertc_abi_exec_ctx *ctx, void *const *inputs,
                   void *outputs) {
  const f32_2d *x = (const f32_2d *)inputs[0];
  const i64_2d *mask = (const i64_2d *)inputs[1];
  f32_2d *y = (f32_2d *)outputs;
  i64_1d *sum = (i64_1d *)((char *)outputs + BERTC_ABI_DESCRIPTOR_BYTES(2));
  int64_t rows = x->sizes[0], cols = x->sizes[1];
  float *yd = (float *)malloc(sizeof(float) * (size_t)(rows * cols) + 1);
  int64_t *sd = (int64_t *)malloc(sizeof(int64_t) * (size_t)rows + 1);
  if (!yd || !sd) {
    free(yd);
    free(sd);
    ctx->report_error(ctx, 1, "out of memory");
    return 1;
  }
  job j = {ctx, x, mask, yd, sd, 0};
  ctx->parallel_for(ctx, rows, 1, do_rows, &j);

  y->allocated = y->aligned = yd;
  y->offset = 0;
  y->sizes[0] = rows;
  y->sizes[1] = cols;
  y->strides[0] = cols;
  y->strides[1] = 1;
  sum->allocated = sum->aligned = sd;
  sum->offset = 0;
  sum->sizes[0] = rows;
  sum->strides[0] = 1;
  return 0;
}

static const bertc_abi_model kModel = {
    BERTC_ABI_VERSION, BERTC_DEVICE_CPU, "add_one", "hand-written test model",
    2, 2, kInputs, kOutputs, run};

__attribute__((visibility("default"))) const bertc_abi_model *
bertc_model_v1(void) {
  return &kModel;
}
