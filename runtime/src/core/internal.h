//===- internal.h - libbertc_runtime's shared internals ----------*- C++ -*-===//
//
// The handle types behind the C API (bertc/runtime.h) and the helpers the
// runtime's files share: status and messages (status.cpp), tensors
// (tensor.cpp), loading a model.so (model.cpp), running it (run.cpp) over
// the device seam of memref.h.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_RUNTIME_CORE_INTERNAL_H
#define BERTC_RUNTIME_CORE_INTERNAL_H

#include "bertc/runtime.h"

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

namespace bertc::rt {

//===----------------------------------------------------------------------===//
// Status and messages (status.cpp)
//===----------------------------------------------------------------------===//

/// Sets the calling thread's bertc_last_error() (never throws).
void setLastError(const std::string &message) noexcept;
/// setLastError(message), then returns `status`.
bertc_status fail(bertc_status status, const std::string &message);

/// Runs `body`, turning exceptions into status codes: the C API never throws.
template <typename F> bertc_status guarded(F &&body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    setLastError("out of memory");
    return BERTC_ERROR_OUT_OF_MEMORY;
  } catch (const std::exception &e) {
    setLastError(std::string("internal error: ") + e.what());
    return BERTC_ERROR_INTERNAL;
  } catch (...) {
    setLastError("internal error: unknown exception");
    return BERTC_ERROR_INTERNAL;
  }
}

/// `s` with bytes that are not printable UTF-8 (invalid sequences, control
/// characters) and backslashes as \xNN: names from a model or a caller
/// in messages.
std::string printable(const std::string &s);
/// printable(s) in single quotes.
std::string quote(const std::string &s);
/// "[2, ?, 768]" (negative dims print as ?).
std::string shapeString(const int64_t *dims, int32_t rank);
bool validDtype(int32_t dtype);
/// product(dims) with overflow and sign checks. Returns false on failure.
bool numElements(const int64_t *dims, int32_t rank, int64_t &out);
/// numElements * element size, in bytes, with overflow check.
bool byteSize(int64_t numel, size_t elemSize, size_t &out);

/// What bertc_tensor_dims returns for rank 0.
extern const int64_t kNoDims[1];

//===----------------------------------------------------------------------===//
// Tensors (tensor.cpp)
//===----------------------------------------------------------------------===//

/// A tensor handle of the given shape with no data yet.
bertc_tensor *newTensor(bertc_dtype dtype, int32_t rank, const int64_t *dims,
                        int64_t numel, size_t bytes);
/// 64-byte aligned, zero-filled allocation that free() releases.
void *allocZeroed(size_t bytes);

//===----------------------------------------------------------------------===//
// Models (model.cpp)
//===----------------------------------------------------------------------===//


struct TensorInfo {
  std::string name;
  bertc_dtype dtype = BERTC_DTYPE_INVALID;
  std::vector<int64_t> dims;
  std::vector<std::string> dimNameStorage; // "" = none
  std::vector<const char *> dimNames;      // filled once storage is final
  std::vector<int> symbol;                 // per dim: symbol id or -1
  bool owned = false; // output: BERTC_ABI_TENSOR_OWNED (model_abi.h)
};

} // namespace bertc::rt

struct bertc_tensor {
  bertc_dtype dtype = BERTC_DTYPE_INVALID;
  std::vector<int64_t> dims;
  int64_t numElements = 0;
  size_t byteSize = 0;
  void *data = nullptr;
  void *alloc = nullptr; // released with free() when non-null
  bool owns = false;

  ~bertc_tensor() { std::free(alloc); }
};

struct bertc_model {
  std::string path;
  std::string name;
  std::string producer;
  bertc_device device = BERTC_DEVICE_CPU;
  void *handle = nullptr;
  const bertc_abi_model *abi = nullptr;
  std::vector<bertc::rt::TensorInfo> inputs;
  std::vector<bertc::rt::TensorInfo> outputs;
  std::unordered_map<std::string, size_t> inputIndex;
  std::unordered_map<std::string, size_t> outputIndex;
  std::vector<std::string> symbols; // symbolic dim names, by id

  ~bertc_model(); // dlclose (model.cpp)
};

struct bertc_run_options {
  int32_t numThreads = 0;
};

#endif // BERTC_RUNTIME_CORE_INTERNAL_H
