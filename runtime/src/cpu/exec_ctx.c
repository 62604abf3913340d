/*===- exec_ctx.c - Per-thread execution context of the CPU kernels -------===*/
#include "bertc/cpu_kernels.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local bertc_abi_exec_ctx *current_ctx;
static _Thread_local int32_t current_error;
static _Thread_local jmp_buf *abort_target;

void bertc_cpu_set_abort_target(void *target) { abort_target = target; }
void *bertc_cpu_get_abort_target(void) { return abort_target; }

/* Buffers the generated code allocates (finalize-memref-to-llvm with
 * generic functions) while a run is active on this thread, so that a run
 * ended by bertc_cpu_abort_run frees them. They are plain malloc /
 * aligned_alloc pointers: the runtime adopts outputs and frees them with
 * free(). A run's live set is small (tens), so a flat array will do. The
 * array itself is freed when the outermost run on the thread ends
 * (bertc_cpu_release_live with mark 0), so a thread that exits leaves
 * nothing behind; a pthread-key destructor would instead point into this
 * library, which model.so can take away with dlclose before the thread
 * exits. */
static _Thread_local void **live;
static _Thread_local size_t num_live, cap_live;

static int track(void *p) {
  if (!abort_target)
    return 1;
  if (num_live == cap_live) {
    size_t cap = cap_live ? 2 * cap_live : 64;
    void **grown = realloc(live, cap * sizeof *grown);
    if (!grown)
      return 0;
    live = grown;
    cap_live = cap;
  }
  live[num_live++] = p;
  return 1;
}

static void untrack(void *p) {
  for (size_t i = num_live; i > 0; --i)
    if (live[i - 1] == p) {
      live[i - 1] = live[--num_live];
      return;
    }
}

/* An allocation of the generated code failed: the run ends with
 * BERTC_ABI_ERROR_OUT_OF_MEMORY and its buffers are freed (model_glue.c).
 * Outside a run (no abort target) NULL is returned as malloc would. */
static void *out_of_memory(size_t size) {
  char message[160];
  snprintf(message, sizeof message,
           "out of memory: the model could not allocate a buffer of %zu "
           "bytes",
           size);
  bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY, message);
  bertc_cpu_abort_run();
  return NULL;
}

/* p, tracked; on failure to allocate or to track it, out_of_memory. */
static void *adopt(void *p, size_t size) {
  if (!p)
    return out_of_memory(size);
  if (!track(p)) {
    free(p);
    return out_of_memory(size);
  }
  return p;
}

void *_mlir_memref_to_llvm_alloc(size_t size) {
  return adopt(malloc(size ? size : 1), size);
}

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  /* aligned_alloc wants a size that is a multiple of the alignment. */
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  if (size > SIZE_MAX - alignment)
    return out_of_memory(size);
  size_t rounded = (size + alignment - 1) / alignment * alignment;
  return adopt(aligned_alloc(alignment, rounded ? rounded : alignment), size);
}

void _mlir_memref_to_llvm_free(void *p) {
  untrack(p);
  free(p);
}

size_t bertc_cpu_live_mark(void) { return num_live; }

void bertc_cpu_release_live(size_t mark, int free_them) {
  while (num_live > mark) {
    void *p = live[--num_live];
    if (free_them)
      free(p);
  }
  if (mark == 0) {
    free(live);
    live = NULL;
    cap_live = 0;
  }
}

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
