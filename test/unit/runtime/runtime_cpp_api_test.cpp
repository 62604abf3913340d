//===- runtime_cpp_api_test.cpp - Tests of bertc/runtime.hpp --------------===//
#include "bertc/runtime.hpp"

#include <gtest/gtest.h>

#include <type_traits>

namespace {

std::string modelPath(const std::string &name) {
  return std::string(BERTC_TESTMODELS_DIR) + "/lib" + name + ".so";
}

static_assert(!std::is_copy_constructible_v<bertc::Model>);
static_assert(std::is_nothrow_move_constructible_v<bertc::Model>);
static_assert(!std::is_copy_constructible_v<bertc::Tensor>);
static_assert(std::is_nothrow_move_assignable_v<bertc::Tensor>);

TEST(CppApi, LoadErrorThrows) {
  try {
    bertc::Model m(modelPath("abi99"));
    FAIL() << "expected bertc::Error";
  } catch (const bertc::Error &e) {
    EXPECT_EQ(e.status(), BERTC_ERROR_ABI_MISMATCH);
    EXPECT_EQ(std::string(e.what()),
              modelPath("abi99") +
                  ": ABI version 99 not supported (runtime supports 2)");
  }
}

TEST(CppApi, Signature) {
  bertc::Model m(modelPath("add_one"));
  EXPECT_EQ(m.name(), "add_one");
  EXPECT_EQ(m.device(), BERTC_DEVICE_CPU);
  auto inputs = m.inputs();
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(inputs[1].name, "mask");
  EXPECT_EQ(inputs[1].dtype, BERTC_DTYPE_I64);
  EXPECT_EQ(inputs[1].dims, (std::vector<int64_t>{-1, -1}));
  EXPECT_EQ(inputs[1].dim_names,
            (std::vector<std::string>{"batch", "sequence"}));
  EXPECT_EQ(m.outputs()[1].name, "mask_sum");
  EXPECT_EQ(m.input_index("mask"), 1u);
  EXPECT_EQ(m.output_index("y"), 0u);
  EXPECT_THROW(m.input_index("nope"), bertc::Error);
  EXPECT_THROW(m.input(5), bertc::Error);
}

TEST(CppApi, RunAndMove) {
  bertc::Model m(modelPath("add_one"));
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<int64_t> mask = {1, 0, 1, 1, 1, 1};
  bertc::Tensor xt = bertc::Tensor::view<float>({2, 3}, x.data());
  bertc::Tensor mt = bertc::Tensor::view<int64_t>({2, 3}, mask.data());
  EXPECT_FALSE(xt.owns_data());
  bertc::RunOptions opts;
  opts.set_num_threads(2);
  EXPECT_EQ(opts.num_threads(), 2);

  std::vector<bertc::Tensor> out = m.run({xt, mt}, &opts);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].dims(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(out[0].to_vector<float>(),
            (std::vector<float>{2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(out[1].to_vector<int64_t>(), (std::vector<int64_t>{2, 3}));
  EXPECT_THROW(out[0].data<int32_t>(), bertc::Error);

  // Moves transfer ownership; the moved-from handles are empty.
  bertc::Model m2 = std::move(m);
  EXPECT_FALSE(m);
  EXPECT_THROW(m.name(), bertc::Error);
  std::vector<bertc::Tensor> inputs;
  inputs.push_back(std::move(xt));
  inputs.push_back(std::move(mt));
  EXPECT_FALSE(xt);
  auto out2 = m2.run(inputs);
  EXPECT_EQ(out2[0].to_vector<float>()[5], 7.0f);

  auto out3 = m2.run_named({{"mask", &inputs[1]}, {"x", &inputs[0]}});
  EXPECT_EQ(out3[1].to_vector<int64_t>(), (std::vector<int64_t>{2, 3}));
}

TEST(CppApi, RunErrorThrows) {
  bertc::Model m(modelPath("add_one"));
  std::vector<float> x(6);
  std::vector<float> wrong(6);
  auto xt = bertc::Tensor::view<float>({2, 3}, x.data());
  auto mt = bertc::Tensor::view<float>({2, 3}, wrong.data());
  try {
    m.run({xt, mt});
    FAIL() << "expected bertc::Error";
  } catch (const bertc::Error &e) {
    EXPECT_EQ(e.status(), BERTC_ERROR_DTYPE_MISMATCH);
    EXPECT_STREQ(e.what(), "input 'mask': expected dtype int64, got float32");
  }
  EXPECT_THROW(bertc::RunOptions().set_num_threads(-2), bertc::Error);
}

TEST(CppApi, OwnedTensor) {
  auto t = bertc::Tensor::zeros(BERTC_DTYPE_I32, {3});
  EXPECT_TRUE(t.owns_data());
  t.data<int32_t>()[2] = 7;
  EXPECT_EQ(t.to_vector<int32_t>(), (std::vector<int32_t>{0, 0, 7}));
  bertc_tensor *raw = t.release();
  EXPECT_FALSE(t);
  bertc::Tensor again(raw);
  EXPECT_EQ(again.num_elements(), 3);
  EXPECT_THROW(bertc::Tensor::zeros(BERTC_DTYPE_I32, {-1}), bertc::Error);
}

} // namespace
