//===- bertc/runtime.hpp - C++ wrapper of the bertc runtime -----*- C++ -*-===//
//
// Header-only RAII wrapper of bertc/runtime.h (C++17). Handles are move-only;
// failures throw bertc::Error carrying the status and bertc_last_error().
//
//   bertc::Model model("model.so");
//   std::vector<float> x(2 * 8, 1.0f);
//   auto xt = bertc::Tensor::view<float>({2, 8}, x.data());
//   std::vector<bertc::Tensor> out = model.run({xt, mask});
//   const float *y = out[0].data<float>();
//
// Thread safety is that of the C API: a Model may be run from several threads
// at once; a Tensor must not be modified while another thread uses it.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_RUNTIME_HPP
#define BERTC_RUNTIME_HPP

#include "bertc/runtime.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bertc {

/// A failed runtime call: status code plus the runtime's message.
class Error : public std::runtime_error {
public:
  Error(bertc_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  bertc_status status() const noexcept { return status_; }

private:
  bertc_status status_;
};

namespace detail {
inline void check(bertc_status status) {
  if (status != BERTC_OK)
    throw Error(status, bertc_last_error());
}
} // namespace detail

/// bertc_dtype of a C++ element type (bool maps to BERTC_DTYPE_BOOL).
template <typename T> struct DtypeOf;
template <> struct DtypeOf<float> {
  static constexpr bertc_dtype value = BERTC_DTYPE_F32;
};
template <> struct DtypeOf<double> {
  static constexpr bertc_dtype value = BERTC_DTYPE_F64;
};
template <> struct DtypeOf<int8_t> {
  static constexpr bertc_dtype value = BERTC_DTYPE_I8;
};
template <> struct DtypeOf<uint8_t> {
  static constexpr bertc_dtype value = BERTC_DTYPE_U8;
};
template <> struct DtypeOf<int16_t> {
  static constexpr bertc_dtype value = BERTC_DTYPE_I16;
};
template <> struct DtypeOf<int32_t> {
  static constexpr bertc_dtype value = BERTC_DTYPE_I32;
};
template <> struct DtypeOf<int64_t> {
  static constexpr bertc_dtype value = BERTC_DTYPE_I64;
};
template <> struct DtypeOf<bool> {
  static constexpr bertc_dtype value = BERTC_DTYPE_BOOL;
};

/// Owns a bertc_tensor (which may itself be a view of caller memory).
class Tensor {
public:
  Tensor() noexcept = default;
  /// Takes ownership of `t`.
  explicit Tensor(bertc_tensor *t) noexcept : t_(t) {}
  Tensor(Tensor &&o) noexcept : t_(o.release()) {}
  Tensor &operator=(Tensor &&o) noexcept {
    if (this != &o)
      reset(o.release());
    return *this;
  }
  Tensor(const Tensor &) = delete;
  Tensor &operator=(const Tensor &) = delete;
  ~Tensor() { bertc_tensor_free(t_); }

  /// A view of `data` (not copied; must outlive the tensor).
  static Tensor view(bertc_dtype dtype, const std::vector<int64_t> &dims,
                     void *data, size_t byte_size) {
    bertc_tensor *t = nullptr;
    detail::check(bertc_tensor_create_view(dtype,
                                           static_cast<int32_t>(dims.size()),
                                           dims.data(), data, byte_size, &t));
    return Tensor(t);
  }
  /// A view of product(dims) elements of type T at `data`.
  template <typename T>
  static Tensor view(const std::vector<int64_t> &dims, T *data) {
    // Unsigned arithmetic: the C API rejects negative or overflowing shapes.
    uint64_t n = 1;
    for (int64_t d : dims)
      n *= static_cast<uint64_t>(d);
    return view(DtypeOf<T>::value, dims, static_cast<void *>(data),
                static_cast<size_t>(n * sizeof(T)));
  }
  /// A zero-filled tensor that owns its memory.
  static Tensor zeros(bertc_dtype dtype, const std::vector<int64_t> &dims) {
    bertc_tensor *t = nullptr;
    detail::check(bertc_tensor_create_owned(
        dtype, static_cast<int32_t>(dims.size()), dims.data(), &t));
    return Tensor(t);
  }

  explicit operator bool() const noexcept { return t_ != nullptr; }
  bertc_tensor *get() const noexcept { return t_; }
  bertc_tensor *release() noexcept {
    bertc_tensor *t = t_;
    t_ = nullptr;
    return t;
  }
  void reset(bertc_tensor *t = nullptr) noexcept {
    bertc_tensor_free(t_);
    t_ = t;
  }

  bertc_dtype dtype() const { return bertc_tensor_dtype(checked()); }
  int32_t rank() const { return bertc_tensor_rank(checked()); }
  std::vector<int64_t> dims() const {
    const int64_t *d = bertc_tensor_dims(checked());
    return std::vector<int64_t>(d, d + rank());
  }
  int64_t num_elements() const { return bertc_tensor_num_elements(checked()); }
  size_t byte_size() const { return bertc_tensor_byte_size(checked()); }
  bool owns_data() const { return bertc_tensor_owns_data(checked()) != 0; }
  void *raw_data() const { return bertc_tensor_data(checked()); }
  /// Typed element pointer; throws if T does not match the dtype.
  template <typename T> T *data() const {
    if (dtype() != DtypeOf<T>::value)
      throw Error(BERTC_ERROR_DTYPE_MISMATCH,
                  std::string("tensor has dtype ") +
                      bertc_dtype_name(dtype()) + ", accessed as " +
                      bertc_dtype_name(DtypeOf<T>::value));
    return static_cast<T *>(raw_data());
  }
  /// Copy of the elements (T must match the dtype).
  template <typename T> std::vector<T> to_vector() const {
    const T *p = data<T>();
    return std::vector<T>(p, p + num_elements());
  }

private:
  bertc_tensor *checked() const {
    if (!t_)
      throw Error(BERTC_ERROR_INVALID_ARGUMENT, "empty bertc::Tensor");
    return t_;
  }
  bertc_tensor *t_ = nullptr;
};

/// Description of a model input or output.
struct TensorInfo {
  std::string name;
  bertc_dtype dtype = BERTC_DTYPE_INVALID;
  std::vector<int64_t> dims;           ///< -1 for a dynamic dimension
  std::vector<std::string> dim_names;  ///< "" when static or unnamed

  static TensorInfo from(const bertc_tensor_info &c) {
    TensorInfo t;
    t.name = c.name;
    t.dtype = c.dtype;
    t.dims.assign(c.dims, c.dims + c.rank);
    for (int32_t i = 0; i < c.rank; ++i)
      t.dim_names.emplace_back(c.dim_names && c.dim_names[i] ? c.dim_names[i]
                                                             : "");
    return t;
  }
};

/// Run options (thread count).
class RunOptions {
public:
  RunOptions() { detail::check(bertc_run_options_create(&o_)); }
  RunOptions(RunOptions &&o) noexcept : o_(o.o_) { o.o_ = nullptr; }
  RunOptions &operator=(RunOptions &&o) noexcept {
    if (this != &o) {
      bertc_run_options_free(o_);
      o_ = o.o_;
      o.o_ = nullptr;
    }
    return *this;
  }
  RunOptions(const RunOptions &) = delete;
  RunOptions &operator=(const RunOptions &) = delete;
  ~RunOptions() { bertc_run_options_free(o_); }

  /// 0 = hardware concurrency; 1 = the calling thread only.
  RunOptions &set_num_threads(int32_t n) {
    detail::check(bertc_run_options_set_num_threads(o_, n));
    return *this;
  }
  int32_t num_threads() const { return bertc_run_options_num_threads(o_); }
  const bertc_run_options *get() const noexcept { return o_; }

private:
  bertc_run_options *o_ = nullptr;
};

/// A loaded model.so. Immutable; run() may be called from several threads.
class Model {
public:
  Model() noexcept = default;
  explicit Model(const std::string &path) {
    detail::check(bertc_model_load(path.c_str(), &m_));
  }
  Model(Model &&o) noexcept : m_(o.m_) { o.m_ = nullptr; }
  Model &operator=(Model &&o) noexcept {
    if (this != &o) {
      bertc_model_free(m_);
      m_ = o.m_;
      o.m_ = nullptr;
    }
    return *this;
  }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;
  ~Model() { bertc_model_free(m_); }

  explicit operator bool() const noexcept { return m_ != nullptr; }
  const bertc_model *get() const noexcept { return m_; }

  std::string name() const { return bertc_model_name(checked()); }
  std::string producer() const { return bertc_model_producer(checked()); }
  std::string path() const { return bertc_model_path(checked()); }
  bertc_device device() const { return bertc_model_device(checked()); }
  size_t num_inputs() const { return bertc_model_num_inputs(checked()); }
  size_t num_outputs() const { return bertc_model_num_outputs(checked()); }

  TensorInfo input(size_t i) const {
    bertc_tensor_info info;
    detail::check(bertc_model_input_info(checked(), i, &info));
    return TensorInfo::from(info);
  }
  TensorInfo output(size_t i) const {
    bertc_tensor_info info;
    detail::check(bertc_model_output_info(checked(), i, &info));
    return TensorInfo::from(info);
  }
  std::vector<TensorInfo> inputs() const {
    std::vector<TensorInfo> v;
    for (size_t i = 0; i < num_inputs(); ++i)
      v.push_back(input(i));
    return v;
  }
  std::vector<TensorInfo> outputs() const {
    std::vector<TensorInfo> v;
    for (size_t i = 0; i < num_outputs(); ++i)
      v.push_back(output(i));
    return v;
  }
  size_t input_index(const std::string &name) const {
    size_t i = 0;
    detail::check(bertc_model_find_input(checked(), name.c_str(), &i));
    return i;
  }
  size_t output_index(const std::string &name) const {
    size_t i = 0;
    detail::check(bertc_model_find_output(checked(), name.c_str(), &i));
    return i;
  }

  /// Runs on inputs in model input order; returns outputs in model order.
  std::vector<Tensor> run(const Tensor *const *inputs, size_t n,
                          const RunOptions *options = nullptr) const {
    std::vector<const bertc_tensor *> in(n);
    for (size_t i = 0; i < n; ++i)
      in[i] = inputs[i] ? inputs[i]->get() : nullptr;
    std::vector<bertc_tensor *> out(num_outputs(), nullptr);
    detail::check(bertc_model_run(checked(), options ? options->get() : nullptr,
                                  in.data(), n, out.data(), out.size()));
    return adopt(out);
  }
  std::vector<Tensor>
  run(std::initializer_list<std::reference_wrapper<const Tensor>> inputs,
      const RunOptions *options = nullptr) const {
    std::vector<const Tensor *> p;
    for (const Tensor &t : inputs)
      p.push_back(&t);
    return run(p.data(), p.size(), options);
  }
  std::vector<Tensor> run(const std::vector<Tensor> &inputs,
                          const RunOptions *options = nullptr) const {
    std::vector<const Tensor *> p;
    for (const Tensor &t : inputs)
      p.push_back(&t);
    return run(p.data(), p.size(), options);
  }
  /// Runs on inputs given by name, in any order.
  std::vector<Tensor>
  run_named(const std::vector<std::pair<std::string, const Tensor *>> &inputs,
            const RunOptions *options = nullptr) const {
    std::vector<const char *> names;
    std::vector<const bertc_tensor *> in;
    for (const auto &kv : inputs) {
      names.push_back(kv.first.c_str());
      in.push_back(kv.second ? kv.second->get() : nullptr);
    }
    std::vector<bertc_tensor *> out(num_outputs(), nullptr);
    detail::check(bertc_model_run_named(
        checked(), options ? options->get() : nullptr, names.data(), in.data(),
        in.size(), out.data(), out.size()));
    return adopt(out);
  }

private:
  static std::vector<Tensor> adopt(const std::vector<bertc_tensor *> &raw) {
    std::vector<Tensor> result;
    try {
      result.reserve(raw.size()); // then emplace_back cannot throw
    } catch (...) {
      for (bertc_tensor *t : raw)
        bertc_tensor_free(t);
      throw;
    }
    for (bertc_tensor *t : raw)
      result.emplace_back(t);
    return result;
  }
  const bertc_model *checked() const {
    if (!m_)
      throw Error(BERTC_ERROR_INVALID_ARGUMENT, "empty bertc::Model");
    return m_;
  }
  bertc_model *m_ = nullptr;
};

} // namespace bertc

#endif // BERTC_RUNTIME_HPP
