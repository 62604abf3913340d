//===- model_run_test.cpp - A real compiled model under misuse ------------===//
//
// The bundled model (examples/bert-tiny.onnx, compiled by bertc at build
// time) run on inputs that pass validation but need more memory than any
// machine has: the run ends with BERTC_ERROR_OUT_OF_MEMORY, having freed its
// buffers, and the model keeps working. The inputs are views of reserved,
// never-written address space (mmap MAP_NORESERVE), so nothing big is
// touched.
//
//===----------------------------------------------------------------------===//
#include "bertc/runtime.h"

#include <gtest/gtest.h>

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string lastError() { return bertc_last_error(); }

/// int64 [batch, seq] input views over one reserved (zero) region.
struct HugeInputs {
  void *p = MAP_FAILED;
  size_t bytes = 0;
  bertc_tensor *t[3] = {};
  HugeInputs(int64_t batch, int64_t seq) {
    bytes = static_cast<size_t>(batch) * static_cast<size_t>(seq) * 8;
    if (bytes)
      p = mmap(nullptr, bytes, PROT_READ,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    int64_t dims[2] = {batch, seq};
    static int64_t none[1];
    for (bertc_tensor *&x : t)
      EXPECT_EQ(bertc_tensor_create_view(BERTC_DTYPE_I64, 2, dims,
                                         bytes ? p : none, bytes, &x),
                BERTC_OK)
          << lastError();
  }
  ~HugeInputs() {
    for (bertc_tensor *x : t)
      bertc_tensor_free(x);
    if (p != MAP_FAILED)
      munmap(p, bytes);
  }
};

class TinyBert : public ::testing::Test {
protected:
  bertc_model *model = nullptr;
  void SetUp() override {
    ASSERT_EQ(bertc_model_load(BERTC_TINY_MODEL, &model), BERTC_OK)
        << lastError();
    ASSERT_EQ(bertc_model_num_inputs(model), 3u);
    ASSERT_EQ(bertc_model_num_outputs(model), 2u);
  }
  void TearDown() override { bertc_model_free(model); }

  /// Runs on [batch, seq] inputs of token 1; returns the status.
  bertc_status run(int64_t batch, int64_t seq) {
    std::vector<int64_t> ids(static_cast<size_t>(batch * seq), 1);
    int64_t dims[2] = {batch, seq};
    bertc_tensor *in[3], *out[2] = {};
    for (bertc_tensor *&x : in)
      EXPECT_EQ(bertc_tensor_create_view(BERTC_DTYPE_I64, 2, dims, ids.data(),
                                         ids.size() * 8, &x),
                BERTC_OK);
    bertc_status s = bertc_model_run(model, nullptr, in, 3, out, 2);
    for (bertc_tensor *x : in)
      bertc_tensor_free(x);
    for (bertc_tensor *x : out)
      bertc_tensor_free(x);
    return s;
  }

  /// Bytes the process has allocated (glibc: heap in use + mmapped chunks).
  static size_t allocatedBytes() {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
  }

  void expectOutOfMemory(int64_t batch, int64_t seq, const char *what) {
    HugeInputs in(batch, seq);
    ASSERT_TRUE(in.bytes == 0 || in.p != MAP_FAILED);
    bertc_tensor *out[2] = {reinterpret_cast<bertc_tensor *>(0x1), nullptr};
    size_t before = allocatedBytes();
    EXPECT_EQ(bertc_model_run(model, nullptr, in.t, 3, out, 2),
              BERTC_ERROR_OUT_OF_MEMORY)
        << lastError();
    EXPECT_NE(lastError().find(what), std::string::npos) << lastError();
    EXPECT_EQ(out[0], nullptr);
    EXPECT_EQ(out[1], nullptr);
    // The run's buffers were freed (a little slack for the error message).
    EXPECT_LT(allocatedBytes(), before + (1 << 16));
  }
};

// Inputs that are valid but need far more memory than exists: the model's
// allocation fails, the run ends with OUT_OF_MEMORY (before, malloc's NULL
// was written through: SIGSEGV).
TEST_F(TinyBert, HugeDynamicInputsEndWithOutOfMemory) {
  ASSERT_EQ(run(2, 8), BERTC_OK) << lastError(); // warm up the thread pool
  // batch 1e6 x seq 1e6: 8 TB of token ids (reserved, not touched).
  expectOutOfMemory(1000000, 1000000, "out of memory: the model could not "
                                      "allocate a buffer of");
  // batch 1e6 x seq 100: some 51 GB of activations.
  expectOutOfMemory(1000000, 100, "out of memory: the model could not "
                                  "allocate a buffer of");
  // The model still runs.
  EXPECT_EQ(run(2, 8), BERTC_OK) << lastError();
}

// A buffer whose byte size does not fit in int64 (a batch of 2^62 with an
// empty sequence is 0 bytes of input): caught by the size check before
// anything is allocated, not wrapped to a small buffer.
TEST_F(TinyBert, OverflowingBufferSizeEndsWithOutOfMemory) {
  expectOutOfMemory(int64_t(1) << 62, 0, "would need more than "
                                         "9223372036854775807 bytes");
  EXPECT_EQ(run(1, 4), BERTC_OK) << lastError();
}

// Runs from threads that then exit leave nothing per thread behind (under
// LeakSanitizer in the sanitizer build, a leak fails the test).
TEST_F(TinyBert, RunsOnShortLivedThreads) {
  for (int i = 0; i < 4; ++i)
    std::thread([&] { EXPECT_EQ(run(1, 8), BERTC_OK) << lastError(); }).join();
  std::thread([&] { expectOutOfMemory(1000000, 1000000, "out of memory"); })
      .join();
}

} // namespace
