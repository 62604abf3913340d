//===- exec_ctx_test.cpp - Run-time checks end a run and free its buffers -===//
//
// bertc_cpu_model_run (model_glue.c) does what these tests do around the
// generated code: set the thread's abort target, note the live-buffer mark,
// and on a failed check (which longjmps back) free the buffers the run still
// held. Under kernels-asan, LeakSanitizer fails the test if any is left.
//
//===----------------------------------------------------------------------===//
#include "bertc/cpu_kernels.h"

#include <gtest/gtest.h>

#include <csetjmp>
#include <cstdint>

namespace {

TEST(RunChecks, FailedCheckEndsTheRunAndFreesItsBuffers) {
  ASSERT_EQ(bertc_cpu_take_error(), 0);
  static std::jmp_buf target; // static: not clobbered by the longjmp
  static volatile int reached_after_check;
  reached_after_check = 0;
  size_t mark = bertc_cpu_live_mark();
  if (setjmp(target) == 0) {
    bertc_cpu_set_abort_target(&target);
    void *a = _mlir_memref_to_llvm_alloc(100);
    void *b = _mlir_memref_to_llvm_aligned_alloc(64, 1000);
    void *c = _mlir_memref_to_llvm_alloc(10);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 64, 0u);
    _mlir_memref_to_llvm_free(c);
    EXPECT_EQ(bertc_cpu_live_mark(), mark + 2);
    (void)a;
    bertc_cpu_broadcast_error(130, 128, 1, -1); // does not return
    reached_after_check = 1;
  } else {
    bertc_cpu_release_live(mark, 1);
  }
  bertc_cpu_set_abort_target(nullptr);
  EXPECT_EQ(reached_after_check, 0);
  EXPECT_EQ(bertc_cpu_live_mark(), mark);
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_INVALID_INPUT);
}

TEST(RunChecks, ReturnedRunKeepsItsOutputs) {
  std::jmp_buf target;
  size_t mark = bertc_cpu_live_mark();
  bertc_cpu_set_abort_target(&target);
  void *out = _mlir_memref_to_llvm_alloc(256); // an output of the run
  bertc_cpu_release_live(mark, 0);             // the run returned
  bertc_cpu_set_abort_target(nullptr);
  EXPECT_EQ(bertc_cpu_live_mark(), mark);
  std::free(out); // the runtime owns outputs and frees them with free()
}

TEST(RunChecks, NoRunNoJumpNoTracking) {
  // Outside a run (no target, e.g. a kernel's worker thread) a failed check
  // only records the error, and allocations are not tracked.
  size_t mark = bertc_cpu_live_mark();
  void *p = _mlir_memref_to_llvm_alloc(32);
  EXPECT_EQ(bertc_cpu_live_mark(), mark);
  _mlir_memref_to_llvm_free(p);
  bertc_cpu_index_error(900, 500, -1);
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_INVALID_INPUT);
  bertc_cpu_division_error(7, 0, -1);
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_INVALID_INPUT);
}

} // namespace
