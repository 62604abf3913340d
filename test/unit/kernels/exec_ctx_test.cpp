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
#include <cstdlib>
#include <string>
#include <thread>

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

/// Calls _mlir_memref_to_llvm_{aligned_,}alloc(size) in a run; true if that
/// ended the run (longjmp) instead of returning. The run's earlier buffer is
/// freed by the abort path (LeakSanitizer checks it under kernels-asan).
bool allocationEndsTheRun(size_t size, bool aligned) {
  static std::jmp_buf target;
  static volatile int returned;
  returned = 0;
  size_t mark = bertc_cpu_live_mark();
  if (setjmp(target) == 0) {
    bertc_cpu_set_abort_target(&target);
    void *earlier = _mlir_memref_to_llvm_alloc(100);
    EXPECT_NE(earlier, nullptr);
    void *p = aligned ? _mlir_memref_to_llvm_aligned_alloc(64, size)
                      : _mlir_memref_to_llvm_alloc(size);
    returned = 1;
    _mlir_memref_to_llvm_free(p);
    _mlir_memref_to_llvm_free(earlier);
  } else {
    bertc_cpu_release_live(mark, 1);
  }
  bertc_cpu_set_abort_target(nullptr);
  EXPECT_EQ(bertc_cpu_live_mark(), mark);
  return !returned;
}

// A failed allocation of the generated code ends the run with
// OUT_OF_MEMORY, like a failed check: it does not return NULL for the code
// to write through, and the run's other buffers are freed.
TEST(RunChecks, FailedAllocationEndsTheRunWithOutOfMemory) {
  ASSERT_EQ(bertc_cpu_take_error(), 0);
  EXPECT_TRUE(allocationEndsTheRun(SIZE_MAX / 2, /*aligned=*/false));
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_OUT_OF_MEMORY);
  EXPECT_TRUE(allocationEndsTheRun(SIZE_MAX / 2, /*aligned=*/true));
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_OUT_OF_MEMORY);
  // A size that would wrap when rounded up to the alignment.
  EXPECT_TRUE(allocationEndsTheRun(SIZE_MAX - 8, /*aligned=*/true));
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_OUT_OF_MEMORY);
  // Small ones return.
  EXPECT_FALSE(allocationEndsTheRun(16, /*aligned=*/true));
  EXPECT_EQ(bertc_cpu_take_error(), 0);
}

// A buffer whose run-time byte size overflows (bertc-check-alloc-sizes)
// ends the run with OUT_OF_MEMORY too.
TEST(RunChecks, AllocSizeErrorIsOutOfMemory) {
  static std::jmp_buf target;
  static volatile int reached;
  reached = 0;
  size_t mark = bertc_cpu_live_mark();
  if (setjmp(target) == 0) {
    bertc_cpu_set_abort_target(&target);
    bertc_cpu_alloc_size_error(-1);
    reached = 1;
  } else {
    bertc_cpu_release_live(mark, 1);
  }
  bertc_cpu_set_abort_target(nullptr);
  EXPECT_EQ(reached, 0);
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_OUT_OF_MEMORY);
}

// Runs on threads that then exit leave nothing behind: the live-buffer
// array of a thread is freed when its outermost run ends. (Before, each
// thread leaked it; kernels-asan's LeakSanitizer fails this test then.)
TEST(RunChecks, ThreadsThatRanLeaveNoLiveArray) {
  for (int i = 0; i < 8; ++i) {
    std::thread([] {
      std::jmp_buf target;
      size_t mark = bertc_cpu_live_mark();
      EXPECT_EQ(mark, 0u);
      bertc_cpu_set_abort_target(&target);
      void *out = _mlir_memref_to_llvm_alloc(64);
      void *tmp = _mlir_memref_to_llvm_alloc(64);
      _mlir_memref_to_llvm_free(tmp);
      bertc_cpu_release_live(mark, 0);
      bertc_cpu_set_abort_target(nullptr);
      std::free(out);
    }).join();
  }
}

/// An exec context that keeps the first message reported through it.
struct CapturingCtx {
  bertc_abi_exec_ctx abi{};
  std::string message;
  static void report(bertc_abi_exec_ctx *ctx, int32_t, const char *m) {
    auto *self = static_cast<CapturingCtx *>(ctx->runtime_data);
    if (self->message.empty())
      self->message = m;
  }
  CapturingCtx() {
    abi.abi_version = BERTC_ABI_VERSION;
    abi.num_threads = 1;
    abi.report_error = report;
    abi.runtime_data = this;
  }
};

TEST(RunChecks, IndexErrorOnAnEmptyAxisSaysSo) {
  CapturingCtx ctx;
  bertc_cpu_set_exec_ctx(&ctx.abi);
  bertc_cpu_index_error(0, 0, -1);
  bertc_cpu_set_exec_ctx(nullptr);
  EXPECT_EQ(bertc_cpu_take_error(), BERTC_ABI_ERROR_INVALID_INPUT);
  EXPECT_EQ(ctx.message, "node '?': index 0 is out of range for an empty axis "
                         "(of size 0: no index is valid)");
}

} // namespace
