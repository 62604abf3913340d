/*===- exec_ctx.c - Per-thread execution context of the CPU kernels -------===*/
#include "bertc/cpu_kernels.h"

#include <setjmp.h>

static _Thread_local bertc_abi_exec_ctx *current_ctx;
static _Thread_local int32_t current_error;
static _Thread_local jmp_buf *abort_target;

void bertc_cpu_set_abort_target(void *target) { abort_target = target; }
void *bertc_cpu_get_abort_target(void) { return abort_target; }

void bertc_cpu_abort_run(void) {
  if (abort_target)
    longjmp(*abort_target, 1);
}

void bertc_cpu_set_exec_ctx(bertc_abi_exec_ctx *ctx) { current_ctx = ctx; }
bertc_abi_exec_ctx *bertc_cpu_get_exec_ctx(void) { return current_ctx; }

int32_t bertc_cpu_take_error(void) {
  int32_t e = current_error;
  current_error = 0;
  return e;
}

void bertc_cpu_report_error(int32_t code, const char *message) {
  if (code == 0)
    code = 1;
  if (!current_error)
    current_error = code;
  if (current_ctx && current_ctx->report_error)
    current_ctx->report_error(current_ctx, code, message);
}

void bertc_cpu_parallel_for(int64_t n, int64_t grain, bertc_abi_task_fn fn,
                            void *arg) {
  if (n <= 0)
    return;
  bertc_abi_exec_ctx *ctx = current_ctx;
  if (!ctx || ctx->num_threads <= 1 || n <= grain || !ctx->parallel_for) {
    fn(arg, 0, n);
    return;
  }
  ctx->parallel_for(ctx, n, grain, fn, arg);
}
