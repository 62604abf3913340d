//===- runtime_c_api_test.cpp - Tests of bertc/runtime.h ------------------===//
#include "bertc/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>
#include <string>
#include <thread>
#include <vector>

extern "C" {
// c_callers.c: calls with dtypes that are not bertc_dtype values, from C.
bertc_status bertc_test_view_with_dtype(int dtype, void *data, size_t bytes,
                                        bertc_tensor **out);
bertc_status bertc_test_owned_with_dtype(int dtype, bertc_tensor **out);
size_t bertc_test_dtype_size(int dtype);
const char *bertc_test_dtype_name(int dtype);
}

namespace {

std::string modelPath(const std::string &name) {
  return std::string(BERTC_TESTMODELS_DIR) + "/lib" + name + ".so";
}

std::string lastError() { return bertc_last_error(); }

/// RAII holders for the tests.
struct ModelHolder {
  bertc_model *m = nullptr;
  ~ModelHolder() { bertc_model_free(m); }
};
struct Tensors {
  std::vector<bertc_tensor *> v;
  explicit Tensors(size_t n = 0) : v(n, nullptr) {}
  ~Tensors() {
    for (bertc_tensor *t : v)
      bertc_tensor_free(t);
  }
  bertc_tensor **data() { return v.data(); }
  const bertc_tensor *const *cdata() const { return v.data(); }
  bertc_tensor *operator[](size_t i) const { return v[i]; }
};

bertc_tensor *view(bertc_dtype dtype, std::vector<int64_t> dims, void *data) {
  size_t n = 1;
  for (int64_t d : dims)
    n *= static_cast<size_t>(d);
  bertc_tensor *t = nullptr;
  EXPECT_EQ(bertc_tensor_create_view(dtype, static_cast<int32_t>(dims.size()),
                                     dims.data(), data,
                                     n * bertc_dtype_size(dtype), &t),
            BERTC_OK)
      << lastError();
  return t;
}

class AddOneTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(bertc_model_load(modelPath("add_one").c_str(), &model.m),
              BERTC_OK)
        << lastError();
  }
  /// Runs add_one on [rows, cols] inputs and checks y and mask_sum.
  void runAndCheck(int64_t rows, int64_t cols, const bertc_run_options *opts,
                   float base = 0.0f) {
    std::vector<float> x(rows * cols);
    std::vector<int64_t> mask(rows * cols);
    for (int64_t i = 0; i < rows * cols; ++i) {
      x[i] = base + static_cast<float>(i);
      mask[i] = i % 3;
    }
    Tensors in;
    in.v.push_back(view(BERTC_DTYPE_F32, {rows, cols}, x.data()));
    in.v.push_back(view(BERTC_DTYPE_I64, {rows, cols}, mask.data()));
    Tensors out(2);
    ASSERT_EQ(bertc_model_run(model.m, opts, in.cdata(), 2, out.data(), 2),
              BERTC_OK)
        << lastError();
    ASSERT_EQ(bertc_tensor_dtype(out[0]), BERTC_DTYPE_F32);
    ASSERT_EQ(bertc_tensor_rank(out[0]), 2);
    EXPECT_EQ(bertc_tensor_dims(out[0])[0], rows);
    EXPECT_EQ(bertc_tensor_dims(out[0])[1], cols);
    EXPECT_EQ(bertc_tensor_byte_size(out[0]),
              static_cast<size_t>(rows * cols) * sizeof(float));
    EXPECT_TRUE(bertc_tensor_owns_data(out[0]));
    const float *y = static_cast<const float *>(bertc_tensor_data(out[0]));
    for (int64_t i = 0; i < rows * cols; ++i)
      ASSERT_EQ(y[i], x[i] + 1.0f) << "at " << i;
    ASSERT_EQ(bertc_tensor_rank(out[1]), 1);
    EXPECT_EQ(bertc_tensor_dims(out[1])[0], rows);
    const int64_t *s = static_cast<const int64_t *>(bertc_tensor_data(out[1]));
    for (int64_t r = 0; r < rows; ++r) {
      int64_t expect = 0;
      for (int64_t c = 0; c < cols; ++c)
        expect += mask[r * cols + c];
      ASSERT_EQ(s[r], expect) << "row " << r;
    }
  }
  ModelHolder model;
};

//===----------------------------------------------------------------------===//
// Status, dtypes, version
//===----------------------------------------------------------------------===//

TEST(RuntimeBasics, StatusStrings) {
  EXPECT_STREQ(bertc_status_string(BERTC_OK), "BERTC_OK");
  EXPECT_STREQ(bertc_status_string(BERTC_ERROR_SHAPE_MISMATCH),
               "BERTC_ERROR_SHAPE_MISMATCH");
  EXPECT_STREQ(bertc_status_string(static_cast<bertc_status>(1234)),
               "BERTC_ERROR_UNKNOWN");
  for (int s = 0; s <= BERTC_ERROR_INTERNAL; ++s)
    EXPECT_STRNE(bertc_status_string(static_cast<bertc_status>(s)),
                 "BERTC_ERROR_UNKNOWN");
}

TEST(RuntimeBasics, Dtypes) {
  EXPECT_EQ(bertc_dtype_size(BERTC_DTYPE_F32), 4u);
  EXPECT_EQ(bertc_dtype_size(BERTC_DTYPE_BF16), 2u);
  EXPECT_EQ(bertc_dtype_size(BERTC_DTYPE_I64), 8u);
  EXPECT_EQ(bertc_dtype_size(BERTC_DTYPE_BOOL), 1u);
  EXPECT_EQ(bertc_dtype_size(BERTC_DTYPE_INVALID), 0u);
  EXPECT_STREQ(bertc_dtype_name(BERTC_DTYPE_F16), "float16");
  EXPECT_STREQ(bertc_dtype_name(BERTC_DTYPE_I64), "int64");
  EXPECT_STREQ(bertc_dtype_name(static_cast<bertc_dtype>(77)), "invalid");
}

TEST(RuntimeBasics, Version) {
  EXPECT_EQ(bertc_runtime_api_version(),
            static_cast<uint32_t>(BERTC_RUNTIME_API_VERSION));
  EXPECT_EQ(std::string(bertc_runtime_version_string()),
            std::to_string(BERTC_RUNTIME_VERSION_MAJOR) + "." +
                std::to_string(BERTC_RUNTIME_VERSION_MINOR) + "." +
                std::to_string(BERTC_RUNTIME_VERSION_PATCH) + " (model ABI " +
                std::to_string(BERTC_ABI_VERSION) + ")");
}

TEST(RuntimeBasics, LastErrorIsThreadLocal) {
  bertc_model *m = nullptr;
  ASSERT_NE(bertc_model_load("/nonexistent/model.so", &m), BERTC_OK);
  std::string mine = lastError();
  std::string theirs = "unset";
  std::thread([&] { theirs = bertc_last_error(); }).join();
  EXPECT_EQ(theirs, "");
  EXPECT_EQ(lastError(), mine);
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

TEST(Tensor, ViewDoesNotCopy) {
  float data[6] = {1, 2, 3, 4, 5, 6};
  int64_t dims[2] = {2, 3};
  bertc_tensor *t = nullptr;
  ASSERT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F32, 2, dims, data,
                                     sizeof data, &t),
            BERTC_OK);
  EXPECT_EQ(bertc_tensor_data(t), static_cast<void *>(data));
  EXPECT_EQ(bertc_tensor_num_elements(t), 6);
  EXPECT_EQ(bertc_tensor_byte_size(t), sizeof data);
  EXPECT_EQ(bertc_tensor_rank(t), 2);
  EXPECT_EQ(bertc_tensor_dims(t)[1], 3);
  EXPECT_FALSE(bertc_tensor_owns_data(t));
  dims[1] = 99; // dims are copied
  EXPECT_EQ(bertc_tensor_dims(t)[1], 3);
  bertc_tensor_free(t);
  EXPECT_EQ(data[5], 6.0f);
}

TEST(Tensor, OwnedIsZeroedAndAligned) {
  int64_t dims[3] = {2, 3, 5};
  bertc_tensor *t = nullptr;
  ASSERT_EQ(bertc_tensor_create_owned(BERTC_DTYPE_I16, 3, dims, &t), BERTC_OK);
  EXPECT_TRUE(bertc_tensor_owns_data(t));
  EXPECT_EQ(bertc_tensor_byte_size(t), 60u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(bertc_tensor_data(t)) % 64, 0u);
  const int16_t *p = static_cast<const int16_t *>(bertc_tensor_data(t));
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(p[i], 0);
  bertc_tensor_free(t);
}

TEST(Tensor, ScalarAndEmpty) {
  bertc_tensor *t = nullptr;
  double v = 3.5;
  ASSERT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F64, 0, nullptr, &v, 8, &t),
            BERTC_OK);
  EXPECT_EQ(bertc_tensor_rank(t), 0);
  EXPECT_NE(bertc_tensor_dims(t), nullptr);
  EXPECT_EQ(bertc_tensor_num_elements(t), 1);
  bertc_tensor_free(t);
  int64_t dims[2] = {0, 4};
  ASSERT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F32, 2, dims, nullptr, 0, &t),
            BERTC_OK);
  EXPECT_EQ(bertc_tensor_num_elements(t), 0);
  bertc_tensor_free(t);
  ASSERT_EQ(bertc_tensor_create_owned(BERTC_DTYPE_F32, 2, dims, &t), BERTC_OK);
  bertc_tensor_free(t);
  bertc_tensor_free(nullptr);
}

TEST(Tensor, CreateErrors) {
  float data[6] = {};
  int64_t dims[2] = {2, 3};
  bertc_tensor *t = reinterpret_cast<bertc_tensor *>(0x1);
  EXPECT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F32, 2, dims, data, 20, &t),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(t, nullptr);
  EXPECT_EQ(lastError(),
            "byte_size is 20 but a float32 tensor of shape [2, 3] has 24 bytes");
  EXPECT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F32, 2, dims, nullptr, 24, &t),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "data is NULL for a tensor of 24 bytes");
  EXPECT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F32, 2, dims,
                                     reinterpret_cast<char *>(data) + 1, 24,
                                     &t),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "data is not aligned to the 4-byte size of float32");
  int64_t neg[2] = {2, -1};
  EXPECT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F32, 2, neg, data, 24, &t),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "dim 1 is negative (-1)");
  EXPECT_EQ(bertc_tensor_create_view(static_cast<bertc_dtype>(0), 2, dims,
                                     data, 24, &t),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "invalid dtype 0");
  EXPECT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F32, -1, dims, data, 24, &t),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F32, 2, nullptr, data, 24, &t),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "dims is NULL for a tensor of rank 2");
  EXPECT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F32, 2, dims, data, 24,
                                     nullptr),
            BERTC_ERROR_INVALID_ARGUMENT);
  int64_t huge[3] = {INT64_MAX / 2, 4, 4};
  EXPECT_EQ(bertc_tensor_create_owned(BERTC_DTYPE_F32, 3, huge, &t),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "tensor of shape [4611686018427387903, 4, 4] is too "
                         "large");
  int64_t big[2] = {int64_t(1) << 62, 4}; // 2^64 bytes: overflows size_t
  EXPECT_EQ(bertc_tensor_create_owned(BERTC_DTYPE_I8, 2, big, &t),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(t, nullptr);
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

struct LoadCase {
  const char *model;
  bertc_status status;
  const char *message; // expected substring, after "<path>"
};

class LoadErrorTest : public ::testing::TestWithParam<LoadCase> {};

TEST_P(LoadErrorTest, FailsWithMessage) {
  const LoadCase &c = GetParam();
  bertc_model *m = reinterpret_cast<bertc_model *>(0x1);
  std::string path = modelPath(c.model);
  EXPECT_EQ(bertc_model_load(path.c_str(), &m), c.status) << lastError();
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(lastError(), path + c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Runtime, LoadErrorTest,
    ::testing::Values(
        LoadCase{"no_entry", BERTC_ERROR_LOAD_FAILED,
                 ": symbol bertc_model_v1 not found (is it a library "
                 "compiled by bertc?)"},
        LoadCase{"null_entry", BERTC_ERROR_LOAD_FAILED,
                 ": bertc_model_v1() returned NULL"},
        LoadCase{"abi99", BERTC_ERROR_ABI_MISMATCH,
                 ": ABI version 99 not supported (runtime supports 2)"},
        LoadCase{"cuda", BERTC_ERROR_UNSUPPORTED_DEVICE,
                 ": model 'bad' was compiled for CUDA, which this runtime "
                 "does not support yet (compile it for the CPU)"},
        LoadCase{"null_name", BERTC_ERROR_INVALID_MODEL,
                 ": malformed model descriptor: input 0 has no name"},
        LoadCase{"dup_name", BERTC_ERROR_INVALID_MODEL,
                 ": malformed model descriptor: two inputs are named 'x'"},
        LoadCase{"bad_dtype", BERTC_ERROR_INVALID_MODEL,
                 ": malformed model descriptor: input 0 ('x') has invalid "
                 "dtype 42"},
        LoadCase{"owned_input", BERTC_ERROR_INVALID_MODEL,
                 ": malformed model descriptor: input 'z' is marked owned "
                 "(inputs are the caller's)"},
        LoadCase{"bad_flags", BERTC_ERROR_INVALID_MODEL,
                 ": malformed model descriptor: output 0 ('y') has unknown "
                 "flags 65"}),
    [](const ::testing::TestParamInfo<LoadCase> &info) {
      return std::string(info.param.model);
    });

TEST(Load, MissingFile) {
  bertc_model *m = nullptr;
  EXPECT_EQ(bertc_model_load("/nonexistent/model.so", &m),
            BERTC_ERROR_NOT_FOUND);
  EXPECT_EQ(lastError(), "cannot open model '/nonexistent/model.so': No such "
                         "file or directory");
  EXPECT_EQ(m, nullptr);
}

TEST(Load, NotALibrary) {
  bertc_model *m = nullptr;
  // A regular file that is not a shared library.
  std::string path = ::testing::TempDir() + "bertc-not-a-library.so";
  {
    std::FILE *f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("not a library\n", f);
    std::fclose(f);
  }
  EXPECT_EQ(bertc_model_load(path.c_str(), &m), BERTC_ERROR_LOAD_FAILED);
  EXPECT_EQ(lastError().rfind("cannot load model '" + path + "': ", 0), 0u)
      << lastError();
  std::remove(path.c_str());
  EXPECT_EQ(bertc_model_load(BERTC_TESTMODELS_DIR, &m),
            BERTC_ERROR_LOAD_FAILED);
  EXPECT_EQ(lastError(),
            "cannot load model '" BERTC_TESTMODELS_DIR "': it is a directory");
}

// A dtype that is not one (99, -1), as a C caller can pass: rejected, and
// without undefined behaviour (an invalid enum load, which UBSan reports in
// the sanitizer build).
TEST(Tensor, InvalidDtypeFromC) {
  float data[1] = {};
  for (int dtype : {99, -1, 11, 0x7fffffff, -0x7fffffff - 1}) {
    bertc_tensor *t = reinterpret_cast<bertc_tensor *>(0x1);
    EXPECT_EQ(bertc_test_view_with_dtype(dtype, data, sizeof data, &t),
              BERTC_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(t, nullptr);
    EXPECT_EQ(lastError(), "invalid dtype " + std::to_string(dtype));
    EXPECT_EQ(bertc_test_owned_with_dtype(dtype, &t),
              BERTC_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(bertc_test_dtype_size(dtype), 0u);
    EXPECT_STREQ(bertc_test_dtype_name(dtype), "invalid");
  }
}

// Only regular files are loaded: dlopen would block on a FIFO.
TEST(Load, NotARegularFile) {
  bertc_model *m = nullptr;
  std::string fifo = ::testing::TempDir() + "/bertc_runtime_test_fifo.so";
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(bertc_model_load(fifo.c_str(), &m), BERTC_ERROR_LOAD_FAILED);
  EXPECT_EQ(lastError(),
            "cannot load model '" + fifo + "': not a regular file");
  EXPECT_EQ(m, nullptr);
  ::unlink(fifo.c_str());
}

// Names from a model that are not printable UTF-8 are escaped in messages.
TEST(Load, NamesInMessagesAreEscaped) {
  ModelHolder h;
  ASSERT_EQ(bertc_model_load(modelPath("bad_utf8").c_str(), &h.m), BERTC_OK)
      << lastError();
  float x[4] = {}, z[4] = {};
  Tensors in(2), out(1);
  in.v[0] = view(BERTC_DTYPE_F32, {4}, x);
  in.v[1] = view(BERTC_DTYPE_F32, {4}, z);
  const char *names[2] = {"x", "z"};
  EXPECT_EQ(bertc_model_run_named(h.m, nullptr, names, in.cdata(), 2,
                                  out.data(), 1),
            BERTC_ERROR_NOT_FOUND);
  EXPECT_EQ(lastError(), "model 'bad' has no input named 'x' (inputs: "
                         "x\\xff\\x1b[31m\\x5c, z\xc3\xa9)");
}

TEST(Load, BadArguments) {
  bertc_model *m = nullptr;
  EXPECT_EQ(bertc_model_load(nullptr, &m), BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bertc_model_load("", &m), BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bertc_model_load(modelPath("add_one").c_str(), nullptr),
            BERTC_ERROR_INVALID_ARGUMENT);
  bertc_model_free(nullptr);
}

TEST(Load, SameModelTwice) {
  ModelHolder a, b;
  ASSERT_EQ(bertc_model_load(modelPath("add_one").c_str(), &a.m), BERTC_OK);
  ASSERT_EQ(bertc_model_load(modelPath("add_one").c_str(), &b.m), BERTC_OK);
  bertc_model_free(a.m);
  a.m = nullptr;
  EXPECT_STREQ(bertc_model_name(b.m), "add_one");
}

//===----------------------------------------------------------------------===//
// Queries
//===----------------------------------------------------------------------===//

TEST_F(AddOneTest, Queries) {
  EXPECT_STREQ(bertc_model_name(model.m), "add_one");
  EXPECT_STREQ(bertc_model_producer(model.m), "hand-written test model");
  EXPECT_EQ(bertc_model_device(model.m), BERTC_DEVICE_CPU);
  EXPECT_EQ(bertc_model_path(model.m), modelPath("add_one"));
  ASSERT_EQ(bertc_model_num_inputs(model.m), 2u);
  ASSERT_EQ(bertc_model_num_outputs(model.m), 2u);

  bertc_tensor_info info;
  ASSERT_EQ(bertc_model_input_info(model.m, 1, &info), BERTC_OK);
  EXPECT_STREQ(info.name, "mask");
  EXPECT_EQ(info.dtype, BERTC_DTYPE_I64);
  ASSERT_EQ(info.rank, 2);
  EXPECT_EQ(info.dims[0], -1);
  EXPECT_EQ(info.dims[1], -1);
  EXPECT_STREQ(info.dim_names[0], "batch");
  EXPECT_STREQ(info.dim_names[1], "sequence");

  ASSERT_EQ(bertc_model_output_info(model.m, 1, &info), BERTC_OK);
  EXPECT_STREQ(info.name, "mask_sum");
  EXPECT_EQ(info.rank, 1);
  EXPECT_STREQ(info.dim_names[0], "batch");

  EXPECT_EQ(bertc_model_input_info(model.m, 2, &info),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "input index 2 is out of range (model has 2 inputs)");
  EXPECT_EQ(bertc_model_output_info(model.m, 7, &info),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(bertc_model_input_info(model.m, 0, nullptr),
            BERTC_ERROR_INVALID_ARGUMENT);

  size_t index = 99;
  ASSERT_EQ(bertc_model_find_input(model.m, "mask", &index), BERTC_OK);
  EXPECT_EQ(index, 1u);
  ASSERT_EQ(bertc_model_find_output(model.m, "y", &index), BERTC_OK);
  EXPECT_EQ(index, 0u);
  EXPECT_EQ(bertc_model_find_input(model.m, "y", &index),
            BERTC_ERROR_NOT_FOUND);
  EXPECT_EQ(lastError(), "model has no input named 'y'");
  EXPECT_EQ(bertc_model_find_output(model.m, "nope", &index),
            BERTC_ERROR_NOT_FOUND);
}

TEST(Queries, StaticAndUnnamedDims) {
  ModelHolder m;
  ASSERT_EQ(bertc_model_load(modelPath("strided_outputs").c_str(), &m.m),
            BERTC_OK)
      << lastError();
  bertc_tensor_info info;
  ASSERT_EQ(bertc_model_input_info(m.m, 0, &info), BERTC_OK);
  EXPECT_EQ(info.dims[0], 2);
  EXPECT_EQ(info.dims[1], 3);
  EXPECT_EQ(info.dim_names[0], nullptr);
  ASSERT_EQ(bertc_model_output_info(m.m, 4, &info), BERTC_OK);
  EXPECT_STREQ(info.dim_names[0], "zero");
  EXPECT_EQ(info.dim_names[1], nullptr);

  ModelHolder p;
  ASSERT_EQ(bertc_model_load(modelPath("probe").c_str(), &p.m), BERTC_OK);
  ASSERT_EQ(bertc_model_input_info(p.m, 0, &info), BERTC_OK);
  EXPECT_EQ(info.rank, 0);
  EXPECT_NE(info.dims, nullptr);
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

TEST_F(AddOneTest, Runs) {
  runAndCheck(2, 3, nullptr);
  runAndCheck(1, 1, nullptr);
  runAndCheck(7, 130, nullptr, -50.0f);
}

TEST_F(AddOneTest, RunsWithOneAndTwoThreads) {
  bertc_run_options *opts = nullptr;
  ASSERT_EQ(bertc_run_options_create(&opts), BERTC_OK);
  EXPECT_EQ(bertc_run_options_num_threads(opts), 0);
  EXPECT_GE(bertc_run_options_effective_num_threads(opts), 1);
  for (int32_t n : {1, 2, 3, 8}) {
    ASSERT_EQ(bertc_run_options_set_num_threads(opts, n), BERTC_OK);
    EXPECT_EQ(bertc_run_options_effective_num_threads(opts), n);
    runAndCheck(16, 37, opts);
  }
  EXPECT_EQ(bertc_run_options_set_num_threads(opts, -1),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "num_threads must be >= 0, got -1");
  bertc_run_options_free(opts);
}

TEST_F(AddOneTest, EmptyBatch) {
  Tensors in;
  int64_t dims[2] = {0, 5};
  bertc_tensor *t = nullptr;
  ASSERT_EQ(bertc_tensor_create_view(BERTC_DTYPE_F32, 2, dims, nullptr, 0, &t),
            BERTC_OK);
  in.v.push_back(t);
  ASSERT_EQ(bertc_tensor_create_owned(BERTC_DTYPE_I64, 2, dims, &t), BERTC_OK);
  in.v.push_back(t);
  Tensors out(2);
  ASSERT_EQ(bertc_model_run(model.m, nullptr, in.cdata(), 2, out.data(), 2),
            BERTC_OK)
      << lastError();
  EXPECT_EQ(bertc_tensor_num_elements(out[0]), 0);
  EXPECT_EQ(bertc_tensor_dims(out[0])[1], 5);
}

TEST_F(AddOneTest, RunNamed) {
  std::vector<float> x = {1, 2, 3, 4};
  std::vector<int64_t> mask = {1, 1, 0, 1};
  Tensors in;
  in.v.push_back(view(BERTC_DTYPE_I64, {2, 2}, mask.data()));
  in.v.push_back(view(BERTC_DTYPE_F32, {2, 2}, x.data()));
  const char *names[2] = {"mask", "x"};
  Tensors out(2);
  ASSERT_EQ(bertc_model_run_named(model.m, nullptr, names, in.cdata(), 2,
                                  out.data(), 2),
            BERTC_OK)
      << lastError();
  EXPECT_EQ(static_cast<float *>(bertc_tensor_data(out[0]))[3], 5.0f);
  EXPECT_EQ(static_cast<int64_t *>(bertc_tensor_data(out[1]))[1], 1);
  for (bertc_tensor *&t : out.v) {
    bertc_tensor_free(t);
    t = nullptr;
  }

  const char *unknown[2] = {"mask", "input_ids"};
  EXPECT_EQ(bertc_model_run_named(model.m, nullptr, unknown, in.cdata(), 2,
                                  out.data(), 2),
            BERTC_ERROR_NOT_FOUND);
  EXPECT_EQ(lastError(), "model 'add_one' has no input named 'input_ids' "
                         "(inputs: x, mask)");
  EXPECT_EQ(out[0], nullptr);
  const char *dup[2] = {"mask", "mask"};
  EXPECT_EQ(bertc_model_run_named(model.m, nullptr, dup, in.cdata(), 2,
                                  out.data(), 2),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "input 'mask' is given twice");
  EXPECT_EQ(bertc_model_run_named(model.m, nullptr, names, in.cdata(), 1,
                                  out.data(), 2),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "missing input 'x'");
}

//===----------------------------------------------------------------------===//
// Input validation: every failure, with its message
//===----------------------------------------------------------------------===//

class ValidationTest : public AddOneTest {
protected:
  bertc_status run(const std::vector<bertc_tensor *> &inputs,
                   size_t numOutputs = 2) {
    Tensors out(numOutputs);
    std::vector<const bertc_tensor *> in(inputs.begin(), inputs.end());
    // Pre-fill outputs with garbage: a failed run must reset them to NULL.
    for (auto &o : out.v)
      o = reinterpret_cast<bertc_tensor *>(0x1);
    bertc_status s = bertc_model_run(model.m, nullptr, in.data(), in.size(),
                                     out.data(), numOutputs);
    if (s != BERTC_OK)
      for (auto &o : out.v)
        EXPECT_EQ(o, nullptr);
    return s;
  }
  float xs[64] = {};
  int64_t ms[64] = {};
  float fs[64] = {};
};

TEST_F(ValidationTest, WrongCounts) {
  Tensors in;
  in.v.push_back(view(BERTC_DTYPE_F32, {2, 3}, xs));
  EXPECT_EQ(run(in.v), BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "model 'add_one' expects 2 inputs, got 1");
  in.v.push_back(view(BERTC_DTYPE_I64, {2, 3}, ms));
  EXPECT_EQ(run(in.v, 1), BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "model 'add_one' has 2 outputs, got room for 1");
  EXPECT_EQ(bertc_model_run(model.m, nullptr, nullptr, 2, nullptr, 0),
            BERTC_ERROR_INVALID_ARGUMENT);
  Tensors out(2);
  EXPECT_EQ(bertc_model_run(nullptr, nullptr, in.cdata(), 2, out.data(), 2),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "model is NULL");
  EXPECT_EQ(bertc_model_run(model.m, nullptr, nullptr, 2, out.data(), 2),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "inputs is NULL");
  EXPECT_EQ(bertc_model_run(model.m, nullptr, in.cdata(), 2, nullptr, 2),
            BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "outputs is NULL");
}

TEST_F(ValidationTest, NullInput) {
  Tensors in;
  in.v.push_back(view(BERTC_DTYPE_F32, {2, 3}, xs));
  in.v.push_back(nullptr);
  EXPECT_EQ(run(in.v), BERTC_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(lastError(), "input 1 ('mask') is NULL");
}

TEST_F(ValidationTest, WrongDtype) {
  Tensors in;
  in.v.push_back(view(BERTC_DTYPE_F32, {2, 3}, xs));
  in.v.push_back(view(BERTC_DTYPE_F32, {2, 3}, fs));
  EXPECT_EQ(run(in.v), BERTC_ERROR_DTYPE_MISMATCH);
  EXPECT_EQ(lastError(), "input 'mask': expected dtype int64, got float32");
}

TEST_F(ValidationTest, WrongRank) {
  Tensors in;
  in.v.push_back(view(BERTC_DTYPE_F32, {2, 3, 1}, xs));
  in.v.push_back(view(BERTC_DTYPE_I64, {2, 3}, ms));
  EXPECT_EQ(run(in.v), BERTC_ERROR_SHAPE_MISMATCH);
  EXPECT_EQ(lastError(),
            "input 'x': expected rank 2 [?, ?], got rank 3 [2, 3, 1]");
}

TEST_F(ValidationTest, SymbolicDimMismatchAcrossInputs) {
  Tensors in;
  in.v.push_back(view(BERTC_DTYPE_F32, {2, 37}, xs));
  in.v.push_back(view(BERTC_DTYPE_I64, {2, 16}, ms));
  EXPECT_EQ(run(in.v), BERTC_ERROR_SHAPE_MISMATCH);
  EXPECT_EQ(lastError(), "input 'mask' dim 1 ('sequence') is 16 but input 'x' "
                         "has 37 for the same dimension");
  Tensors in2;
  in2.v.push_back(view(BERTC_DTYPE_F32, {3, 2}, xs));
  in2.v.push_back(view(BERTC_DTYPE_I64, {2, 2}, ms));
  EXPECT_EQ(run(in2.v), BERTC_ERROR_SHAPE_MISMATCH);
  EXPECT_EQ(lastError(), "input 'mask' dim 0 ('batch') is 2 but input 'x' "
                         "has 3 for the same dimension");
}

TEST(Validation, StaticDims) {
  ModelHolder m;
  ASSERT_EQ(bertc_model_load(modelPath("checker").c_str(), &m.m), BERTC_OK);
  float x[5] = {};
  bertc_tensor *t = view(BERTC_DTYPE_F32, {5}, x);
  bertc_tensor *out = nullptr;
  EXPECT_EQ(bertc_model_run(m.m, nullptr, &t, 1, &out, 1),
            BERTC_ERROR_SHAPE_MISMATCH);
  EXPECT_EQ(lastError(), "input 'x' dim 0 is 5 but the model requires 4");
  bertc_tensor_free(t);
}

TEST(Validation, ScalarInputRank) {
  ModelHolder m;
  ASSERT_EQ(bertc_model_load(modelPath("probe").c_str(), &m.m), BERTC_OK);
  int64_t n[2] = {1, 2};
  bertc_tensor *t = view(BERTC_DTYPE_I64, {2}, n);
  bertc_tensor *out[3] = {};
  EXPECT_EQ(bertc_model_run(m.m, nullptr, &t, 1, out, 3),
            BERTC_ERROR_SHAPE_MISMATCH);
  EXPECT_EQ(lastError(), "input 'n': expected rank 0 [], got rank 1 [2]");
  bertc_tensor_free(t);
}

//===----------------------------------------------------------------------===//
// Errors reported by the model
//===----------------------------------------------------------------------===//

class CheckerTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_EQ(bertc_model_load(modelPath("checker").c_str(), &model.m),
              BERTC_OK)
        << lastError();
  }
  bertc_status run(std::vector<float> x, std::vector<float> *y = nullptr) {
    bertc_tensor *t = view(BERTC_DTYPE_F32, {4}, x.data());
    bertc_tensor *out = reinterpret_cast<bertc_tensor *>(0x1);
    bertc_status s = bertc_model_run(model.m, nullptr, &t, 1, &out, 1);
    bertc_tensor_free(t);
    if (s == BERTC_OK && y) {
      const float *p = static_cast<const float *>(bertc_tensor_data(out));
      y->assign(p, p + 4);
    }
    if (s != BERTC_OK)
      EXPECT_EQ(out, nullptr);
    bertc_tensor_free(s == BERTC_OK ? out : nullptr);
    return s;
  }
  ModelHolder model;
};

TEST_F(CheckerTest, Success) {
  std::vector<float> y;
  ASSERT_EQ(run({1, 2, 3, 4}, &y), BERTC_OK) << lastError();
  EXPECT_EQ(y, (std::vector<float>{2, 4, 6, 8}));
}

TEST_F(CheckerTest, ReportedError) {
  EXPECT_EQ(run({1, 2, -3, 4}), BERTC_ERROR_RUNTIME);
  EXPECT_EQ(lastError(), "model 'checker' failed (code 3): x[2] is negative");
}

TEST_F(CheckerTest, FirstErrorWins) {
  EXPECT_EQ(run({3000, 0, 0, 0}), BERTC_ERROR_RUNTIME);
  EXPECT_EQ(lastError(), "model 'checker' failed (code 6): first error");
}

TEST_F(CheckerTest, NonzeroWithoutReport) {
  EXPECT_EQ(run({2000, 0, 0, 0}), BERTC_ERROR_RUNTIME);
  EXPECT_EQ(lastError(),
            "model 'checker' failed with code 5 (no message reported)");
}

TEST_F(CheckerTest, ReportedButReturnedZero) {
  // The outputs the model allocated are freed by the runtime (ASan checks).
  EXPECT_EQ(run({1000, 0, 0, 0}), BERTC_ERROR_RUNTIME);
  EXPECT_EQ(lastError(), "model 'checker' reported an error (code 4) but "
                         "returned success: reported but returned 0");
}

TEST_F(CheckerTest, ErrorsArePerRun) {
  // Failing and succeeding runs interleaved on 4 threads: each sees its own.
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        bool bad = (i + t) % 2 == 0;
        std::vector<float> x = {1, 2, bad ? -1.0f : 3.0f, float(i)};
        std::vector<float> y;
        bertc_status s = run(x, &y);
        if (bad) {
          if (s != BERTC_ERROR_RUNTIME ||
              lastError() != "model 'checker' failed (code 3): x[2] is "
                             "negative")
            ++failures;
        } else if (s != BERTC_OK || y[3] != 2.0f * i) {
          ++failures;
        }
      }
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
}

//===----------------------------------------------------------------------===//
// Output descriptors
//===----------------------------------------------------------------------===//

// Ownership comes from the descriptor's BERTC_ABI_TENSOR_OWNED flags alone:
// owned buffers are adopted when contiguous, else copied and freed once;
// buffers not owned (static data, the input, a heap buffer another output
// owns) are copied and never freed. A wrong guess would show as a double
// free or a leak under the sanitizers (scripts/sanitize.sh).
TEST(Outputs, OwnershipFromTheDescriptor) {
  ModelHolder m;
  ASSERT_EQ(bertc_model_load(modelPath("strided_outputs").c_str(), &m.m),
            BERTC_OK);
  float x[6] = {0, 1, 2, 3, 4, 5};
  bertc_tensor *in = view(BERTC_DTYPE_F32, {2, 3}, x);
  Tensors out(7);
  ASSERT_EQ(bertc_model_run(m.m, nullptr, &in, 1, out.data(), 7), BERTC_OK)
      << lastError();
  bertc_tensor_free(in);
  auto values = [&](size_t i) {
    const float *p = static_cast<const float *>(bertc_tensor_data(out[i]));
    return std::vector<float>(p, p + bertc_tensor_num_elements(out[i]));
  };
  // t: transpose, copied to row-major.
  EXPECT_EQ(bertc_tensor_dims(out[0])[0], 3);
  EXPECT_EQ(values(0), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(values(1), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(values(2), (std::vector<float>{3, 4, 5}));
  EXPECT_EQ(values(3), (std::vector<float>{7, 8}));
  EXPECT_EQ(bertc_tensor_num_elements(out[4]), 0);
  EXPECT_EQ(bertc_tensor_dims(out[4])[1], 3);
  EXPECT_EQ(values(5), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_NE(bertc_tensor_data(out[5]), static_cast<void *>(x));
  // view: row 0 of the buffer row1 was adopted from, copied.
  EXPECT_EQ(values(6), (std::vector<float>{0, 1, 2}));
  EXPECT_NE(bertc_tensor_data(out[6]), bertc_tensor_data(out[2]));
  for (size_t i = 0; i < 7; ++i)
    EXPECT_TRUE(bertc_tensor_owns_data(out[i]));
  // Outputs outlive the model.
  bertc_model_free(m.m);
  m.m = nullptr;
  EXPECT_EQ(values(2), (std::vector<float>{3, 4, 5}));
}

//===----------------------------------------------------------------------===//
// Threads
//===----------------------------------------------------------------------===//

struct ProbeResult {
  int32_t numThreads, distinct;
  int64_t covered;
};

ProbeResult probe(const bertc_model *m, int32_t threads, int64_t n) {
  bertc_run_options *opts = nullptr;
  EXPECT_EQ(bertc_run_options_create(&opts), BERTC_OK);
  EXPECT_EQ(bertc_run_options_set_num_threads(opts, threads), BERTC_OK);
  bertc_tensor *in = view(BERTC_DTYPE_I64, {}, &n);
  bertc_tensor *out[3] = {};
  ProbeResult r{};
  EXPECT_EQ(bertc_model_run(m, opts, &in, 1, out, 3), BERTC_OK) << lastError();
  if (out[0]) {
    r.numThreads = *static_cast<int32_t *>(bertc_tensor_data(out[0]));
    r.distinct = *static_cast<int32_t *>(bertc_tensor_data(out[1]));
    r.covered = *static_cast<int64_t *>(bertc_tensor_data(out[2]));
  }
  for (bertc_tensor *t : out)
    bertc_tensor_free(t);
  bertc_tensor_free(in);
  bertc_run_options_free(opts);
  return r;
}

TEST(Threads, OneThreadRunsOnCaller) {
  ModelHolder m;
  ASSERT_EQ(bertc_model_load(modelPath("probe").c_str(), &m.m), BERTC_OK);
  ProbeResult r = probe(m.m, 1, 50);
  EXPECT_EQ(r.numThreads, 1);
  EXPECT_EQ(r.distinct, 1);
  EXPECT_EQ(r.covered, 50);
}

TEST(Threads, TwoAndFourThreads) {
  ModelHolder m;
  ASSERT_EQ(bertc_model_load(modelPath("probe").c_str(), &m.m), BERTC_OK);
  for (int32_t n : {2, 4}) {
    // A worker should join within 200 tasks of 200us; retry a few times so
    // that a heavily loaded machine does not make the test flaky.
    int32_t maxDistinct = 0;
    for (int attempt = 0; attempt < 5 && maxDistinct < 2; ++attempt) {
      ProbeResult r = probe(m.m, n, 200);
      EXPECT_EQ(r.numThreads, n);
      EXPECT_LE(r.distinct, n);
      EXPECT_EQ(r.covered, 200);
      maxDistinct = std::max(maxDistinct, r.distinct);
    }
    EXPECT_GE(maxDistinct, 2) << "no pool worker ever joined";
  }
  ProbeResult r = probe(m.m, 3, 0);
  EXPECT_EQ(r.covered, 0);
}

TEST(Threads, ConcurrentRunsOnOneModel) {
  ModelHolder m;
  ASSERT_EQ(bertc_model_load(modelPath("add_one").c_str(), &m.m), BERTC_OK);
  bertc_run_options *opts = nullptr;
  ASSERT_EQ(bertc_run_options_create(&opts), BERTC_OK);
  ASSERT_EQ(bertc_run_options_set_num_threads(opts, 3), BERTC_OK);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int iter = 0; iter < 50; ++iter) {
        int64_t rows = 1 + (t + iter) % 5, cols = 3 + 7 * t + iter;
        std::vector<float> x(rows * cols);
        std::vector<int64_t> mask(rows * cols, t + 1);
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = float(t * 1000 + iter) + float(i);
        int64_t dims[2] = {rows, cols};
        bertc_tensor *in[2] = {};
        bertc_tensor_create_view(BERTC_DTYPE_F32, 2, dims, x.data(),
                                 x.size() * 4, &in[0]);
        bertc_tensor_create_view(BERTC_DTYPE_I64, 2, dims, mask.data(),
                                 mask.size() * 8, &in[1]);
        bertc_tensor *out[2] = {};
        bertc_status s = bertc_model_run(m.m, iter % 2 ? opts : nullptr, in,
                                         2, out, 2);
        bool ok = s == BERTC_OK;
        if (ok) {
          const float *y = static_cast<const float *>(bertc_tensor_data(out[0]));
          const int64_t *sum =
              static_cast<const int64_t *>(bertc_tensor_data(out[1]));
          for (size_t i = 0; i < x.size() && ok; ++i)
            ok = y[i] == x[i] + 1.0f;
          for (int64_t r = 0; r < rows && ok; ++r)
            ok = sum[r] == cols * (t + 1);
        }
        if (!ok)
          ++failures;
        for (bertc_tensor *p : in)
          bertc_tensor_free(p);
        for (bertc_tensor *p : out)
          bertc_tensor_free(p);
      }
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  bertc_run_options_free(opts);
}

TEST(Threads, ConcurrentProbesStayWithinBudget) {
  ModelHolder m;
  ASSERT_EQ(bertc_model_load(modelPath("probe").c_str(), &m.m), BERTC_OK);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        int32_t n = 1 + (t + i) % 3;
        ProbeResult r = probe(m.m, n, 40);
        if (r.numThreads != n || r.distinct > n || r.distinct < 1 ||
            r.covered != 40)
          ++failures;
      }
    });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
}

} // namespace
