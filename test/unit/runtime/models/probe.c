/* Fake model "probe": checks the exec ctx the runtime provides.
 * Input n int64 [] (a scalar). Runs parallel_for over [0, n) with grain 1;
 * each index sleeps ~200us, records the thread running it and issues a
 * nested parallel_for (which must not deadlock). Outputs, all scalars:
 *   num_threads int32: ctx->num_threads
 *   distinct    int32: how many different threads ran tasks
 *   covered     int64: how many indices were visited exactly once (== n when
 *                      the ranges are disjoint and cover [0, n)) */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bertc/model_abi.h"

#define MAX_SEEN 256

static const bertc_abi_tensor_info kInputs[1] = {
    {"n", BERTC_DTYPE_I64, 0, NULL, NULL}};
static const bertc_abi_tensor_info kOutputs[3] = {
    {"num_threads", BERTC_DTYPE_I32, 0, NULL, NULL, BERTC_ABI_TENSOR_OWNED},
    {"distinct", BERTC_DTYPE_I32, 0, NULL, NULL, BERTC_ABI_TENSOR_OWNED},
    {"covered", BERTC_DTYPE_I64, 0, NULL, NULL, BERTC_ABI_TENSOR_OWNED},
};

typedef struct {
  bertc_abi_exec_ctx *ctx;
  pthread_mutex_t mu;
  pthread_t seen[MAX_SEEN];
  int num_seen;
  int *visits;
  long nested;
} state;

static void nested_task(void *arg, int64_t begin, int64_t end) {
  state *s = (state *)arg;
  pthread_mutex_lock(&s->mu);
  s->nested += (long)(end - begin);
  pthread_mutex_unlock(&s->mu);
}

static void task(void *arg, int64_t begin, int64_t end) {
  state *s = (state *)arg;
  for (int64_t i = begin; i < end; ++i) {
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
    s->ctx->parallel_for(s->ctx, 8, 1, nested_task, s);
    pthread_mutex_lock(&s->mu);
    s->visits[i]++;
    pthread_t self = pthread_self();
    int known = 0;
    for (int k = 0; k < s->num_seen; ++k)
      if (pthread_equal(s->seen[k], self))
        known = 1;
    if (!known && s->num_seen < MAX_SEEN)
      s->seen[s->num_seen++] = self;
    pthread_mutex_unlock(&s->mu);
  }
}

/* Writes a rank-0 descriptor {allocated, aligned, offset}; returns next. */
static int64_t *put_scalar(int64_t *w, void *p) {
  memcpy(&w[0], &p, sizeof p);
  memcpy(&w[1], &p, sizeof p);
  w[2] = 0;
  return w + 3;
}

static int32_t run(bertc_abi_exec_ctx *ctx, void *const *inputs,
                   void *outputs) {
  if (ctx->abi_version != BERTC_ABI_VERSION || ctx->num_threads < 1 ||
      ctx->device_stream != NULL) {
    ctx->report_error(ctx, 2, "bad exec ctx");
    return 2;
  }
  const int64_t *in = (const int64_t *)inputs[0];
  const int64_t *np;
  memcpy(&np, &in[1], sizeof np);
  int64_t n = np[in[2]];
  state s;
  memset(&s, 0, sizeof s);
  s.ctx = ctx;
  pthread_mutex_init(&s.mu, NULL);
  s.visits = (int *)calloc((size_t)(n > 0 ? n : 1), sizeof(int));
  int32_t *nt = (int32_t *)malloc(sizeof(int32_t));
  int32_t *distinct = (int32_t *)malloc(sizeof(int32_t));
  int64_t *covered = (int64_t *)malloc(sizeof(int64_t));
  if (!s.visits || !nt || !distinct || !covered) {
    free(s.visits), free(nt), free(distinct), free(covered);
    ctx->report_error(ctx, 1, "out of memory");
    return 1;
  }
  ctx->parallel_for(ctx, n, 1, task, &s);
  *nt = ctx->num_threads;
  *distinct = s.num_seen;
  *covered = 0;
  for (int64_t i = 0; i < n; ++i)
    *covered += s.visits[i] == 1;
  if (s.nested != 8 * (long)n)
    *covered = -1; /* nested ranges did not cover [0, 8) once per index */
  free(s.visits);
  pthread_mutex_destroy(&s.mu);
  int64_t *w = (int64_t *)outputs;
  w = put_scalar(w, nt);
  w = put_scalar(w, distinct);
  put_scalar(w, covered);
  return 0;
}

static const bertc_abi_model kModel = {
    BERTC_ABI_VERSION, BERTC_DEVICE_CPU, "probe", "hand-written test model",
    1, 3, kInputs, kOutputs, run};

__attribute__((visibility("default"))) const bertc_abi_model *
bertc_model_v1(void) {
  return &kModel;
}
