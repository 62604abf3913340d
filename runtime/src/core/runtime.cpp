//===- runtime.cpp - libbertc_runtime C API -------------------------------===//
//
// Implements bertc/runtime.h on top of the model ABI in bertc/model_abi.h.
//
//===----------------------------------------------------------------------===//
#include "bertc/runtime.h"

#include "thread_pool.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

using bertc::runtime::ThreadPool;

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

namespace {

thread_local std::string tlsLastError;

void setLastError(const std::string &message) noexcept {
  try {
    tlsLastError = message;
  } catch (...) {
    tlsLastError.clear();
  }
}

bertc_status fail(bertc_status status, const std::string &message) {
  setLastError(message);
  return status;
}

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
std::string printable(const std::string &s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  auto hex = [&](unsigned char c) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  };
  const auto *p = reinterpret_cast<const unsigned char *>(s.data());
  size_t n = s.size();
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f || c == '\\')
        hex(c);
      else
        out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence (no overlongs, surrogates or > U+10FFFF).
    size_t len = c >= 0xc2 && c <= 0xdf   ? 2
                 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4
                                          : 0;
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k)
      ok = (p[i + k] & 0xc0) == 0x80;
    if (ok && len == 3)
      ok = !(c == 0xe0 && p[i + 1] < 0xa0) && !(c == 0xed && p[i + 1] >= 0xa0);
    if (ok && len == 4)
      ok = !(c == 0xf0 && p[i + 1] < 0x90) && !(c == 0xf4 && p[i + 1] >= 0x90);
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      hex(c);
      ++i;
    }
  }
  return out;
}

std::string quote(const std::string &s) { return "'" + printable(s) + "'"; }

std::string shapeString(const int64_t *dims, int32_t rank) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i) {
    if (i)
      s += ", ";
    s += dims[i] < 0 ? std::string("?") : std::to_string(dims[i]);
  }
  return s + "]";
}

bool validDtype(int32_t dtype) {
  return dtype >= BERTC_DTYPE_F32 && dtype <= BERTC_DTYPE_BOOL;
}

/// product(dims) with overflow and sign checks. Returns false on failure.
bool numElements(const int64_t *dims, int32_t rank, int64_t &out) {
  int64_t n = 1;
  bool zero = false;
  for (int32_t i = 0; i < rank; ++i) {
    if (dims[i] < 0)
      return false;
    if (dims[i] == 0)
      zero = true;
  }
  if (zero) {
    out = 0;
    return true;
  }
  for (int32_t i = 0; i < rank; ++i) {
    if (__builtin_mul_overflow(n, dims[i], &n))
      return false;
  }
  out = n;
  return true;
}

/// numElements * element size, in bytes, with overflow check.
bool byteSize(int64_t numel, size_t elemSize, size_t &out) {
  uint64_t bytes;
  if (numel < 0 || __builtin_mul_overflow(static_cast<uint64_t>(numel),
                                          static_cast<uint64_t>(elemSize),
                                          &bytes) ||
      bytes > static_cast<uint64_t>(SIZE_MAX / 2))
    return false;
  out = static_cast<size_t>(bytes);
  return true;
}

const int64_t kNoDims[1] = {0};

/// MLIR marks memrefs that must not be deallocated (memref.get_global) with
/// this `allocated` pointer.
const uintptr_t kMlirNonOwningSentinel = 0xdeadbeef;

} // namespace

//===----------------------------------------------------------------------===//
// Handles
//===----------------------------------------------------------------------===//

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

namespace {

struct TensorInfo {
  std::string name;
  bertc_dtype dtype = BERTC_DTYPE_INVALID;
  std::vector<int64_t> dims;
  std::vector<std::string> dimNameStorage; // "" = none
  std::vector<const char *> dimNames;      // filled once storage is final
  std::vector<int> symbol;                 // per dim: symbol id or -1
};

void fillInfo(const TensorInfo &t, bertc_tensor_info *info) {
  info->name = t.name.c_str();
  info->dtype = t.dtype;
  info->rank = static_cast<int32_t>(t.dims.size());
  info->dims = t.dims.empty() ? kNoDims : t.dims.data();
  info->dim_names = t.dimNames.empty() ? nullptr : t.dimNames.data();
}

} // namespace

struct bertc_model {
  std::string path;
  std::string name;
  std::string producer;
  bertc_device device = BERTC_DEVICE_CPU;
  void *handle = nullptr;
  const bertc_abi_model *abi = nullptr;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  std::unordered_map<std::string, size_t> inputIndex;
  std::unordered_map<std::string, size_t> outputIndex;
  std::vector<std::string> symbols; // symbolic dim names, by id

  ~bertc_model() {
    if (handle)
      dlclose(handle);
  }
};

struct bertc_run_options {
  int32_t numThreads = 0;
};

//===----------------------------------------------------------------------===//
// Status, version, dtypes
//===----------------------------------------------------------------------===//

extern "C" {

const char *bertc_status_string(bertc_status status) {
  switch (status) {
  case BERTC_OK:
    return "BERTC_OK";
  case BERTC_ERROR_INVALID_ARGUMENT:
    return "BERTC_ERROR_INVALID_ARGUMENT";
  case BERTC_ERROR_LOAD_FAILED:
    return "BERTC_ERROR_LOAD_FAILED";
  case BERTC_ERROR_ABI_MISMATCH:
    return "BERTC_ERROR_ABI_MISMATCH";
  case BERTC_ERROR_NOT_FOUND:
    return "BERTC_ERROR_NOT_FOUND";
  case BERTC_ERROR_DTYPE_MISMATCH:
    return "BERTC_ERROR_DTYPE_MISMATCH";
  case BERTC_ERROR_SHAPE_MISMATCH:
    return "BERTC_ERROR_SHAPE_MISMATCH";
  case BERTC_ERROR_OUT_OF_MEMORY:
    return "BERTC_ERROR_OUT_OF_MEMORY";
  case BERTC_ERROR_RUNTIME:
    return "BERTC_ERROR_RUNTIME";
  case BERTC_ERROR_UNSUPPORTED_DEVICE:
    return "BERTC_ERROR_UNSUPPORTED_DEVICE";
  case BERTC_ERROR_INVALID_MODEL:
    return "BERTC_ERROR_INVALID_MODEL";
  case BERTC_ERROR_INTERNAL:
    return "BERTC_ERROR_INTERNAL";
  }
  return "BERTC_ERROR_UNKNOWN";
}

const char *bertc_last_error(void) { return tlsLastError.c_str(); }

uint32_t bertc_runtime_api_version(void) { return BERTC_RUNTIME_API_VERSION; }

const char *bertc_runtime_version_string(void) {
  static const struct Version {
    char text[64];
    Version() {
      std::snprintf(text, sizeof text, "%d.%d.%d (model ABI %u)",
                    BERTC_RUNTIME_VERSION_MAJOR, BERTC_RUNTIME_VERSION_MINOR,
                    BERTC_RUNTIME_VERSION_PATCH,
                    static_cast<unsigned>(BERTC_ABI_VERSION));
    }
  } version;
  return version.text;
}

size_t bertc_dtype_size(bertc_dtype dtype) {
  switch (dtype) {
  case BERTC_DTYPE_F32:
  case BERTC_DTYPE_I32:
    return 4;
  case BERTC_DTYPE_F16:
  case BERTC_DTYPE_BF16:
  case BERTC_DTYPE_I16:
    return 2;
  case BERTC_DTYPE_F64:
  case BERTC_DTYPE_I64:
    return 8;
  case BERTC_DTYPE_I8:
  case BERTC_DTYPE_U8:
  case BERTC_DTYPE_BOOL:
    return 1;
  case BERTC_DTYPE_INVALID:
  case BERTC_DTYPE_RANGE_:
    break;
  }
  return 0;
}

const char *bertc_dtype_name(bertc_dtype dtype) {
  switch (dtype) {
  case BERTC_DTYPE_F32:
    return "float32";
  case BERTC_DTYPE_F16:
    return "float16";
  case BERTC_DTYPE_BF16:
    return "bfloat16";
  case BERTC_DTYPE_F64:
    return "float64";
  case BERTC_DTYPE_I8:
    return "int8";
  case BERTC_DTYPE_U8:
    return "uint8";
  case BERTC_DTYPE_I16:
    return "int16";
  case BERTC_DTYPE_I32:
    return "int32";
  case BERTC_DTYPE_I64:
    return "int64";
  case BERTC_DTYPE_BOOL:
    return "bool";
  case BERTC_DTYPE_INVALID:
  case BERTC_DTYPE_RANGE_:
    break;
  }
  return "invalid";
}

} // extern "C"

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

namespace {

/// Checks dtype/rank/dims and computes element count and byte size.
bertc_status checkShape(bertc_dtype dtype, int32_t rank, const int64_t *dims,
                        int64_t &numel, size_t &bytes) {
  if (!validDtype(dtype))
    return fail(BERTC_ERROR_INVALID_ARGUMENT,
                "invalid dtype " + std::to_string(static_cast<int>(dtype)));
  if (rank < 0 || rank > BERTC_MAX_RANK)
    return fail(BERTC_ERROR_INVALID_ARGUMENT,
                "rank " + std::to_string(rank) + " is out of range [0, " +
                    std::to_string(BERTC_MAX_RANK) + "]");
  if (rank > 0 && !dims)
    return fail(BERTC_ERROR_INVALID_ARGUMENT,
                "dims is NULL for a tensor of rank " + std::to_string(rank));
  for (int32_t i = 0; i < rank; ++i)
    if (dims[i] < 0)
      return fail(BERTC_ERROR_INVALID_ARGUMENT,
                  "dim " + std::to_string(i) + " is negative (" +
                      std::to_string(dims[i]) + ")");
  if (!numElements(dims, rank, numel) ||
      !byteSize(numel, bertc_dtype_size(dtype), bytes))
    return fail(BERTC_ERROR_INVALID_ARGUMENT,
                "tensor of shape " + shapeString(dims, rank) + " is too large");
  return BERTC_OK;
}

bertc_tensor *newTensor(bertc_dtype dtype, int32_t rank, const int64_t *dims,
                        int64_t numel, size_t bytes) {
  auto *t = new bertc_tensor;
  t->dtype = dtype;
  t->dims.assign(dims, dims + rank);
  t->numElements = numel;
  t->byteSize = bytes;
  return t;
}

/// 64-byte aligned, zero-filled allocation that free() releases.
void *allocZeroed(size_t bytes) {
  size_t rounded = (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
  void *p = std::aligned_alloc(64, rounded);
  if (p)
    std::memset(p, 0, rounded);
  return p;
}

} // namespace

extern "C" {

bertc_status bertc_tensor_create_view(bertc_dtype dtype, int32_t rank,
                                      const int64_t *dims, void *data,
                                      size_t byte_size, bertc_tensor **out) {
  return guarded([&]() -> bertc_status {
    if (!out)
      return fail(BERTC_ERROR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    int64_t numel;
    size_t bytes;
    if (bertc_status s = checkShape(dtype, rank, dims, numel, bytes))
      return s;
    if (byte_size != bytes)
      return fail(BERTC_ERROR_INVALID_ARGUMENT,
                  "byte_size is " + std::to_string(byte_size) + " but a " +
                      bertc_dtype_name(dtype) + " tensor of shape " +
                      shapeString(dims, rank) + " has " +
                      std::to_string(bytes) + " bytes");
    if (!data && bytes != 0)
      return fail(BERTC_ERROR_INVALID_ARGUMENT,
                  "data is NULL for a tensor of " + std::to_string(bytes) +
                      " bytes");
    size_t align = bertc_dtype_size(dtype);
    if (reinterpret_cast<uintptr_t>(data) % align != 0)
      return fail(BERTC_ERROR_INVALID_ARGUMENT,
                  std::string("data is not aligned to the ") +
                      std::to_string(align) + "-byte size of " +
                      bertc_dtype_name(dtype));
    bertc_tensor *t = newTensor(dtype, rank, dims, numel, bytes);
    t->data = data;
    *out = t;
    return BERTC_OK;
  });
}

bertc_status bertc_tensor_create_owned(bertc_dtype dtype, int32_t rank,
                                       const int64_t *dims,
                                       bertc_tensor **out) {
  return guarded([&]() -> bertc_status {
    if (!out)
      return fail(BERTC_ERROR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    int64_t numel;
    size_t bytes;
    if (bertc_status s = checkShape(dtype, rank, dims, numel, bytes))
      return s;
    void *p = allocZeroed(bytes);
    if (!p)
      return fail(BERTC_ERROR_OUT_OF_MEMORY,
                  "cannot allocate " + std::to_string(bytes) + " bytes");
    bertc_tensor *t;
    try {
      t = newTensor(dtype, rank, dims, numel, bytes);
    } catch (...) {
      std::free(p);
      throw;
    }
    t->data = p;
    t->alloc = p;
    t->owns = true;
    *out = t;
    return BERTC_OK;
  });
}

void bertc_tensor_free(bertc_tensor *tensor) { delete tensor; }

bertc_dtype bertc_tensor_dtype(const bertc_tensor *t) { return t->dtype; }
int32_t bertc_tensor_rank(const bertc_tensor *t) {
  return static_cast<int32_t>(t->dims.size());
}
const int64_t *bertc_tensor_dims(const bertc_tensor *t) {
  return t->dims.empty() ? kNoDims : t->dims.data();
}
int64_t bertc_tensor_num_elements(const bertc_tensor *t) {
  return t->numElements;
}
size_t bertc_tensor_byte_size(const bertc_tensor *t) { return t->byteSize; }
void *bertc_tensor_data(const bertc_tensor *t) { return t->data; }
int bertc_tensor_owns_data(const bertc_tensor *t) { return t->owns ? 1 : 0; }

} // extern "C"

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

namespace {

/// Copies and checks one tensor description from the model descriptor.
bertc_status readInfo(const std::string &where, const bertc_abi_tensor_info &in,
                      TensorInfo &out) {
  auto bad = [&](const std::string &what) {
    return fail(BERTC_ERROR_INVALID_MODEL,
                "malformed model descriptor: " + where + " " + what);
  };
  if (!in.name || !*in.name)
    return bad("has no name");
  out.name = in.name;
  std::string named = where + " (" + quote(out.name) + ")";
  if (!validDtype(in.dtype))
    return fail(BERTC_ERROR_INVALID_MODEL,
                "malformed model descriptor: " + named + " has invalid dtype " +
                    std::to_string(in.dtype));
  out.dtype = static_cast<bertc_dtype>(in.dtype);
  if (in.rank < 0 || in.rank > BERTC_MAX_RANK)
    return fail(BERTC_ERROR_INVALID_MODEL,
                "malformed model descriptor: " + named + " has rank " +
                    std::to_string(in.rank));
  if (in.rank > 0 && !in.dims)
    return fail(BERTC_ERROR_INVALID_MODEL,
                "malformed model descriptor: " + named + " has no dims");
  out.dims.assign(in.dims, in.dims + in.rank);
  out.dimNameStorage.assign(in.rank, std::string());
  for (int32_t d = 0; d < in.rank; ++d) {
    if (out.dims[d] < -1)
      return fail(BERTC_ERROR_INVALID_MODEL,
                  "malformed model descriptor: " + named + " dim " +
                      std::to_string(d) + " is " + std::to_string(out.dims[d]));
    if (out.dims[d] == -1 && in.dim_names && in.dim_names[d])
      out.dimNameStorage[d] = in.dim_names[d];
  }
  return BERTC_OK;
}

/// Resolves a path for dlopen: without a '/', dlopen would search the
/// library path instead of the current directory.
std::string dlopenPath(const std::string &path) {
  return path.find('/') == std::string::npos ? "./" + path : path;
}

bertc_status loadModel(const char *pathArg, bertc_model **out) {
  if (!out)
    return fail(BERTC_ERROR_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  if (!pathArg || !*pathArg)
    return fail(BERTC_ERROR_INVALID_ARGUMENT, "model path is empty");
  std::string path = pathArg;

  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    int err = errno;
    return fail(err == ENOENT || err == ENOTDIR ? BERTC_ERROR_NOT_FOUND
                                                : BERTC_ERROR_LOAD_FAILED,
                "cannot open model " + quote(path) + ": " +
                    std::strerror(err));
  }
  if (S_ISDIR(st.st_mode))
    return fail(BERTC_ERROR_LOAD_FAILED,
                "cannot load model " + quote(path) + ": it is a directory");
  // dlopen would block on a FIFO and read a device until it ends.
  if (!S_ISREG(st.st_mode))
    return fail(BERTC_ERROR_LOAD_FAILED,
                "cannot load model " + quote(path) + ": not a regular file");

  auto model = std::make_unique<bertc_model>();
  model->path = path;
  dlerror();
  model->handle = dlopen(dlopenPath(path).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->handle) {
    const char *e = dlerror();
    return fail(BERTC_ERROR_LOAD_FAILED, "cannot load model " + quote(path) +
                                             ": " +
                                             (e ? e : "unknown dlopen error"));
  }
  void *sym = dlsym(model->handle, BERTC_MODEL_ENTRY_SYMBOL);
  if (!sym)
    return fail(BERTC_ERROR_LOAD_FAILED,
                path + ": symbol " BERTC_MODEL_ENTRY_SYMBOL
                       " not found (is it a library compiled by bertc?)");
  auto entry = reinterpret_cast<bertc_abi_entry_fn>(sym);
  const bertc_abi_model *abi = entry();
  if (!abi)
    return fail(BERTC_ERROR_LOAD_FAILED,
                path + ": " BERTC_MODEL_ENTRY_SYMBOL "() returned NULL");
  if (abi->abi_version != BERTC_ABI_VERSION)
    return fail(BERTC_ERROR_ABI_MISMATCH,
                path + ": ABI version " + std::to_string(abi->abi_version) +
                    " not supported (runtime supports " +
                    std::to_string(BERTC_ABI_VERSION) + ")");
  model->name = abi->name ? abi->name : "";
  model->producer = abi->producer ? abi->producer : "";
  if (abi->device == BERTC_DEVICE_CUDA)
    return fail(BERTC_ERROR_UNSUPPORTED_DEVICE,
                path + ": model " + quote(model->name) +
                    " was compiled for CUDA, which this runtime does not "
                    "support yet (compile it for the CPU)");
  if (abi->device != BERTC_DEVICE_CPU)
    return fail(BERTC_ERROR_UNSUPPORTED_DEVICE,
                path + ": model " + quote(model->name) +
                    " targets unknown device " + std::to_string(abi->device));
  model->device = static_cast<bertc_device>(abi->device);

  auto malformed = [&](const std::string &what) {
    return fail(BERTC_ERROR_INVALID_MODEL,
                path + ": malformed model descriptor: " + what);
  };
  constexpr int32_t kMaxTensors = 1 << 20;
  if (abi->num_inputs < 0 || abi->num_inputs > kMaxTensors)
    return malformed("num_inputs is " + std::to_string(abi->num_inputs));
  if (abi->num_outputs < 0 || abi->num_outputs > kMaxTensors)
    return malformed("num_outputs is " + std::to_string(abi->num_outputs));
  if (abi->num_inputs > 0 && !abi->inputs)
    return malformed("inputs is NULL");
  if (abi->num_outputs > 0 && !abi->outputs)
    return malformed("outputs is NULL");
  if (!abi->run)
    return malformed("run is NULL");

  model->inputs.resize(abi->num_inputs);
  model->outputs.resize(abi->num_outputs);
  for (int32_t i = 0; i < abi->num_inputs; ++i) {
    if (bertc_status s = readInfo("input " + std::to_string(i), abi->inputs[i],
                                  model->inputs[i])) {
      setLastError(path + ": " + bertc_last_error());
      return s;
    }
    if (!model->inputIndex.emplace(model->inputs[i].name, i).second)
      return malformed("two inputs are named " + quote(model->inputs[i].name));
  }
  for (int32_t i = 0; i < abi->num_outputs; ++i) {
    if (bertc_status s = readInfo("output " + std::to_string(i),
                                  abi->outputs[i], model->outputs[i])) {
      setLastError(path + ": " + bertc_last_error());
      return s;
    }
    if (!model->outputIndex.emplace(model->outputs[i].name, i).second)
      return malformed("two outputs are named " +
                       quote(model->outputs[i].name));
  }

  // Symbolic dimensions and the C views of the dim names. The storage is
  // final now, so pointers into it stay valid.
  std::unordered_map<std::string, int> symbolIds;
  auto finish = [&](TensorInfo &t) {
    t.dimNames.assign(t.dims.size(), nullptr);
    t.symbol.assign(t.dims.size(), -1);
    for (size_t d = 0; d < t.dims.size(); ++d) {
      const std::string &sym = t.dimNameStorage[d];
      if (sym.empty())
        continue;
      t.dimNames[d] = sym.c_str();
      auto it = symbolIds.emplace(sym, static_cast<int>(model->symbols.size()));
      if (it.second)
        model->symbols.push_back(sym);
      t.symbol[d] = it.first->second;
    }
  };
  for (TensorInfo &t : model->inputs)
    finish(t);
  for (TensorInfo &t : model->outputs)
    finish(t);
  model->abi = abi;
  *out = model.release();
  return BERTC_OK;
}

} // namespace

extern "C" {

bertc_status bertc_model_load(const char *path, bertc_model **out) {
  return guarded([&] { return loadModel(path, out); });
}

void bertc_model_free(bertc_model *model) { delete model; }

const char *bertc_model_name(const bertc_model *m) { return m->name.c_str(); }
const char *bertc_model_producer(const bertc_model *m) {
  return m->producer.c_str();
}
bertc_device bertc_model_device(const bertc_model *m) { return m->device; }
const char *bertc_model_path(const bertc_model *m) { return m->path.c_str(); }
size_t bertc_model_num_inputs(const bertc_model *m) { return m->inputs.size(); }
size_t bertc_model_num_outputs(const bertc_model *m) {
  return m->outputs.size();
}

bertc_status bertc_model_input_info(const bertc_model *model, size_t index,
                                    bertc_tensor_info *info) {
  return guarded([&]() -> bertc_status {
    if (!model || !info)
      return fail(BERTC_ERROR_INVALID_ARGUMENT, "model or info is NULL");
    if (index >= model->inputs.size())
      return fail(BERTC_ERROR_INVALID_ARGUMENT,
                  "input index " + std::to_string(index) +
                      " is out of range (model has " +
                      std::to_string(model->inputs.size()) + " inputs)");
    fillInfo(model->inputs[index], info);
    return BERTC_OK;
  });
}

bertc_status bertc_model_output_info(const bertc_model *model, size_t index,
                                     bertc_tensor_info *info) {
  return guarded([&]() -> bertc_status {
    if (!model || !info)
      return fail(BERTC_ERROR_INVALID_ARGUMENT, "model or info is NULL");
    if (index >= model->outputs.size())
      return fail(BERTC_ERROR_INVALID_ARGUMENT,
                  "output index " + std::to_string(index) +
                      " is out of range (model has " +
                      std::to_string(model->outputs.size()) + " outputs)");
    fillInfo(model->outputs[index], info);
    return BERTC_OK;
  });
}

bertc_status bertc_model_find_input(const bertc_model *model, const char *name,
                                    size_t *index) {
  return guarded([&]() -> bertc_status {
    if (!model || !name || !index)
      return fail(BERTC_ERROR_INVALID_ARGUMENT, "model, name or index is NULL");
    auto it = model->inputIndex.find(name);
    if (it == model->inputIndex.end())
      return fail(BERTC_ERROR_NOT_FOUND,
                  "model has no input named " + quote(name));
    *index = it->second;
    return BERTC_OK;
  });
}

bertc_status bertc_model_find_output(const bertc_model *model,
                                     const char *name, size_t *index) {
  return guarded([&]() -> bertc_status {
    if (!model || !name || !index)
      return fail(BERTC_ERROR_INVALID_ARGUMENT, "model, name or index is NULL");
    auto it = model->outputIndex.find(name);
    if (it == model->outputIndex.end())
      return fail(BERTC_ERROR_NOT_FOUND,
                  "model has no output named " + quote(name));
    *index = it->second;
    return BERTC_OK;
  });
}

//===----------------------------------------------------------------------===//
// Run options
//===----------------------------------------------------------------------===//

bertc_status bertc_run_options_create(bertc_run_options **out) {
  return guarded([&]() -> bertc_status {
    if (!out)
      return fail(BERTC_ERROR_INVALID_ARGUMENT, "out is NULL");
    *out = new bertc_run_options;
    return BERTC_OK;
  });
}

void bertc_run_options_free(bertc_run_options *options) { delete options; }

bertc_status bertc_run_options_set_num_threads(bertc_run_options *options,
                                               int32_t num_threads) {
  if (!options)
    return fail(BERTC_ERROR_INVALID_ARGUMENT, "options is NULL");
  if (num_threads < 0)
    return fail(BERTC_ERROR_INVALID_ARGUMENT,
                "num_threads must be >= 0, got " + std::to_string(num_threads));
  options->numThreads = num_threads;
  return BERTC_OK;
}

int32_t bertc_run_options_num_threads(const bertc_run_options *options) {
  return options ? options->numThreads : 0;
}

int32_t bertc_run_options_effective_num_threads(
    const bertc_run_options *options) {
  if (options && options->numThreads > 0)
    return options->numThreads;
  static const int32_t hw = [] {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int32_t>(std::min(n, 4096u));
  }();
  return hw;
}

} // extern "C"

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

namespace {

/// Per-run state behind bertc_abi_exec_ctx::runtime_data.
struct RunContext {
  bertc_abi_exec_ctx abi;
  std::mutex mu;
  bool hasError = false; // guarded by mu
  int32_t code = 0;
  std::string message;
};

RunContext *runContext(bertc_abi_exec_ctx *ctx) {
  return static_cast<RunContext *>(ctx->runtime_data);
}

void ctxReportError(bertc_abi_exec_ctx *ctx, int32_t code,
                    const char *message) noexcept {
  if (!ctx || !ctx->runtime_data)
    return;
  RunContext *rc = runContext(ctx);
  std::lock_guard<std::mutex> lock(rc->mu);
  if (rc->hasError)
    return; // first error wins
  rc->hasError = true;
  rc->code = code;
  try {
    rc->message = message ? message : "";
  } catch (...) {
    rc->message.clear();
  }
}

void ctxParallelFor(bertc_abi_exec_ctx *ctx, int64_t n, int64_t grain,
                    bertc_abi_task_fn fn, void *arg) noexcept {
  if (n <= 0)
    return;
  if (!fn) {
    ctxReportError(ctx, -1, "parallel_for called with a NULL function");
    return;
  }
  int threads = ctx ? ctx->num_threads : 1;
  try {
    ThreadPool::global().parallelFor(n, grain, threads, fn, arg);
  } catch (...) {
    // Could not queue work (allocation failure): run it on this thread.
    fn(arg, 0, n);
  }
}

/// One output descriptor, decoded.
struct OutDesc {
  char *allocated;
  char *aligned;
  int64_t offset;
  std::vector<int64_t> sizes, strides;
  bool ownable = false; // we may (and must) free `allocated`
  bool contiguous = false;
  int64_t numel = 0;
  size_t bytes = 0;
};

int64_t loadWord(const int64_t *p) { return *p; }
char *loadPtr(const int64_t *p) {
  char *q;
  std::memcpy(&q, p, sizeof q);
  return q;
}
void storePtr(int64_t *p, const void *q) { std::memcpy(p, &q, sizeof q); }

/// Copies a strided view into contiguous row-major `dst`.
void stridedCopy(char *dst, const OutDesc &d, size_t es) {
  size_t rank = d.sizes.size();
  if (d.numel == 0)
    return;
  if (rank == 0) {
    std::memcpy(dst, d.aligned + d.offset * static_cast<int64_t>(es), es);
    return;
  }
  std::vector<int64_t> idx(rank, 0);
  int64_t inner = d.sizes[rank - 1];
  int64_t innerStride = d.strides[rank - 1];
  for (;;) {
    int64_t off = d.offset;
    for (size_t k = 0; k + 1 < rank; ++k)
      off += idx[k] * d.strides[k];
    const char *src = d.aligned + off * static_cast<int64_t>(es);
    if (innerStride == 1) {
      std::memcpy(dst, src, static_cast<size_t>(inner) * es);
      dst += static_cast<size_t>(inner) * es;
    } else {
      for (int64_t j = 0; j < inner; ++j, dst += es)
        std::memcpy(dst, src + j * innerStride * static_cast<int64_t>(es), es);
    }
    // Advance the outer index.
    size_t k = rank - 1;
    for (;;) {
      if (k == 0)
        return;
      --k;
      if (++idx[k] < d.sizes[k])
        break;
      idx[k] = 0;
    }
  }
}

struct InputRange {
  const char *begin, *end;
};

bool overlapsInput(const std::vector<InputRange> &ranges, const char *p) {
  for (const InputRange &r : ranges)
    if (p >= r.begin && p < r.end)
      return true;
  return false;
}

bertc_status validateInputs(const bertc_model &m,
                            const bertc_tensor *const *inputs) {
  struct Binding {
    int64_t value = -1;
    size_t input = 0;
    size_t dim = 0;
  };
  std::vector<Binding> bound(m.symbols.size());
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    const TensorInfo &info = m.inputs[i];
    const bertc_tensor *t = inputs[i];
    std::string who = "input " + quote(info.name);
    if (!t)
      return fail(BERTC_ERROR_INVALID_ARGUMENT,
                  "input " + std::to_string(i) + " (" + quote(info.name) +
                      ") is NULL");
    if (t->dtype != info.dtype)
      return fail(BERTC_ERROR_DTYPE_MISMATCH,
                  who + ": expected dtype " + bertc_dtype_name(info.dtype) +
                      ", got " + bertc_dtype_name(t->dtype));
    if (t->dims.size() != info.dims.size())
      return fail(BERTC_ERROR_SHAPE_MISMATCH,
                  who + ": expected rank " + std::to_string(info.dims.size()) +
                      " " +
                      shapeString(info.dims.data(),
                                  static_cast<int32_t>(info.dims.size())) +
                      ", got rank " + std::to_string(t->dims.size()) + " " +
                      shapeString(t->dims.data(),
                                  static_cast<int32_t>(t->dims.size())));
    for (size_t d = 0; d < info.dims.size(); ++d) {
      int64_t v = t->dims[d];
      if (v < 0) // cannot happen through the API; kept as a hard check
        return fail(BERTC_ERROR_SHAPE_MISMATCH,
                    who + " dim " + std::to_string(d) + " is negative");
      if (info.dims[d] >= 0) {
        if (v != info.dims[d])
          return fail(BERTC_ERROR_SHAPE_MISMATCH,
                      who + " dim " + std::to_string(d) + " is " +
                          std::to_string(v) + " but the model requires " +
                          std::to_string(info.dims[d]));
        continue;
      }
      int sym = info.symbol[d];
      if (sym < 0)
        continue;
      Binding &b = bound[sym];
      if (b.value < 0) {
        b.value = v;
        b.input = i;
        b.dim = d;
      } else if (b.value != v) {
        std::string other =
            b.input == i ? "dim " + std::to_string(b.dim)
                         : "input " + quote(m.inputs[b.input].name);
        return fail(BERTC_ERROR_SHAPE_MISMATCH,
                    who + " dim " + std::to_string(d) + " (" +
                        quote(m.symbols[sym]) + ") is " + std::to_string(v) +
                        " but " + other + " has " + std::to_string(b.value) +
                        " for the same dimension");
      }
    }
  }
  return BERTC_OK;
}

bertc_status runModel(const bertc_model *m, const bertc_run_options *options,
                      const bertc_tensor *const *inputs, size_t numInputs,
                      bertc_tensor **outputs, size_t numOutputs) {
  if (outputs)
    for (size_t i = 0; i < numOutputs; ++i)
      outputs[i] = nullptr;
  if (!m)
    return fail(BERTC_ERROR_INVALID_ARGUMENT, "model is NULL");
  std::string model = "model " + quote(m->name);
  if (numInputs != m->inputs.size())
    return fail(BERTC_ERROR_INVALID_ARGUMENT,
                model + " expects " + std::to_string(m->inputs.size()) +
                    " inputs, got " + std::to_string(numInputs));
  if (numOutputs != m->outputs.size())
    return fail(BERTC_ERROR_INVALID_ARGUMENT,
                model + " has " + std::to_string(m->outputs.size()) +
                    " outputs, got room for " + std::to_string(numOutputs));
  if (numInputs > 0 && !inputs)
    return fail(BERTC_ERROR_INVALID_ARGUMENT, "inputs is NULL");
  if (numOutputs > 0 && !outputs)
    return fail(BERTC_ERROR_INVALID_ARGUMENT, "outputs is NULL");
  if (bertc_status s = validateInputs(*m, inputs))
    return s;

  // Input descriptors: allocated = aligned = data, offset 0, row-major.
  static const int64_t kEmptyBuffer[8] = {};
  std::vector<size_t> inOffsets(numInputs);
  size_t words = 0;
  for (size_t i = 0; i < numInputs; ++i) {
    inOffsets[i] = words;
    words += 3 + 2 * inputs[i]->dims.size();
  }
  std::vector<int64_t> inWords(words, 0);
  std::vector<void *> inPtrs(numInputs);
  std::vector<InputRange> inRanges;
  inRanges.reserve(numInputs);
  for (size_t i = 0; i < numInputs; ++i) {
    const bertc_tensor *t = inputs[i];
    int64_t *w = inWords.data() + inOffsets[i];
    const void *data = t->data ? t->data : kEmptyBuffer;
    storePtr(w + 0, data);
    storePtr(w + 1, data);
    w[2] = 0;
    size_t rank = t->dims.size();
    int64_t stride = 1;
    for (size_t d = rank; d-- > 0;) {
      w[3 + d] = t->dims[d];
      w[3 + rank + d] = stride;
      stride *= std::max<int64_t>(t->dims[d], 1);
    }
    inPtrs[i] = w;
    if (t->byteSize > 0)
      inRanges.push_back({static_cast<const char *>(t->data),
                          static_cast<const char *>(t->data) + t->byteSize});
  }

  std::vector<size_t> outOffsets(numOutputs);
  words = 0;
  for (size_t i = 0; i < numOutputs; ++i) {
    outOffsets[i] = words;
    words += 3 + 2 * m->outputs[i].dims.size();
  }
  std::vector<int64_t> outWords(std::max<size_t>(words, 1), 0);

  RunContext ctx;
  std::memset(&ctx.abi, 0, sizeof ctx.abi);
  ctx.abi.abi_version = BERTC_ABI_VERSION;
  ctx.abi.num_threads = bertc_run_options_effective_num_threads(options);
  ctx.abi.parallel_for = ctxParallelFor;
  ctx.abi.report_error = ctxReportError;
  ctx.abi.runtime_data = &ctx;
  ctx.abi.device_stream = nullptr;

  int32_t rc = m->abi->run(&ctx.abi, inPtrs.data(), outWords.data());
  bool reported;
  {
    std::lock_guard<std::mutex> lock(ctx.mu);
    reported = ctx.hasError;
  }
  if (rc != 0) {
    // Outputs are unspecified and must not be freed (a run ended by a failed
    // check or allocation has freed its buffers itself).
    bertc_status status = (reported ? ctx.code : rc) ==
                                  BERTC_ABI_ERROR_OUT_OF_MEMORY
                              ? BERTC_ERROR_OUT_OF_MEMORY
                              : BERTC_ERROR_RUNTIME;
    if (reported)
      return fail(status, model + " failed (code " + std::to_string(ctx.code) +
                              "): " + ctx.message);
    return fail(status, model + " failed with code " + std::to_string(rc) +
                            " (no message reported)");
  }

  // Decode the output descriptors and decide what we own.
  std::vector<OutDesc> outs(numOutputs);
  for (size_t i = 0; i < numOutputs; ++i) {
    const int64_t *w = outWords.data() + outOffsets[i];
    size_t rank = m->outputs[i].dims.size();
    OutDesc &d = outs[i];
    d.allocated = loadPtr(w + 0);
    d.aligned = loadPtr(w + 1);
    d.offset = loadWord(w + 2);
    d.sizes.assign(w + 3, w + 3 + rank);
    d.strides.assign(w + 3 + rank, w + 3 + 2 * rank);
    d.ownable = d.allocated &&
                reinterpret_cast<uintptr_t>(d.allocated) !=
                    kMlirNonOwningSentinel &&
                !overlapsInput(inRanges, d.allocated);
    for (size_t j = 0; j < i && d.ownable; ++j)
      if (outs[j].ownable && outs[j].allocated == d.allocated)
        d.ownable = false; // the same buffer returned twice: free it once
  }
  auto freeOwned = [&] {
    for (OutDesc &d : outs)
      if (d.ownable) {
        std::free(d.allocated);
        d.ownable = false;
      }
  };

  std::string error;
  if (reported)
    error = model + " reported an error (code " + std::to_string(ctx.code) +
            ") but returned success: " + ctx.message;
  for (size_t i = 0; i < numOutputs && error.empty(); ++i) {
    const TensorInfo &info = m->outputs[i];
    OutDesc &d = outs[i];
    std::string who = "output " + quote(info.name);
    for (size_t k = 0; k < d.sizes.size() && error.empty(); ++k) {
      if (d.sizes[k] < 0)
        error = who + " dim " + std::to_string(k) + " is negative (" +
                std::to_string(d.sizes[k]) + ")";
      else if (info.dims[k] >= 0 && d.sizes[k] != info.dims[k])
        error = who + " dim " + std::to_string(k) + " is " +
                std::to_string(d.sizes[k]) + " but the model declares " +
                std::to_string(info.dims[k]);
    }
    if (!error.empty())
      break;
    if (!numElements(d.sizes.data(), static_cast<int32_t>(d.sizes.size()),
                     d.numel) ||
        !byteSize(d.numel, bertc_dtype_size(info.dtype), d.bytes)) {
      error = who + " of shape " +
              shapeString(d.sizes.data(),
                          static_cast<int32_t>(d.sizes.size())) +
              " is too large";
      break;
    }
    if (d.numel > 0 && !d.aligned) {
      error = who + " has a NULL data pointer";
      break;
    }
    d.contiguous = d.offset >= 0;
    int64_t expect = 1;
    for (size_t k = d.sizes.size(); k-- > 0 && d.contiguous;) {
      if (d.sizes[k] != 1 && d.strides[k] != expect)
        d.contiguous = false;
      expect *= d.sizes[k];
    }
    if (d.numel == 0)
      d.contiguous = true;
  }
  if (!error.empty()) {
    freeOwned();
    return fail(BERTC_ERROR_RUNTIME, error);
  }

  // Build the tensors: adopt contiguous buffers we own, copy the rest. All
  // copies happen before any buffer is freed, since outputs may share one.
  std::vector<bertc_tensor *> made(numOutputs, nullptr);
  auto cleanup = [&] {
    for (size_t i = 0; i < numOutputs; ++i) {
      if (made[i] && made[i]->alloc == outs[i].allocated)
        outs[i].ownable = false; // freed with the tensor
      bertc_tensor_free(made[i]);
    }
    freeOwned();
  };
  try {
    for (size_t i = 0; i < numOutputs; ++i) {
      const TensorInfo &info = m->outputs[i];
      OutDesc &d = outs[i];
      size_t es = bertc_dtype_size(info.dtype);
      bertc_tensor *t =
          newTensor(info.dtype, static_cast<int32_t>(d.sizes.size()),
                    d.sizes.empty() ? kNoDims : d.sizes.data(), d.numel,
                    d.bytes);
      made[i] = t;
      t->owns = true;
      if (d.contiguous && d.ownable) {
        t->alloc = d.allocated;
        t->data = d.numel == 0
                      ? nullptr
                      : d.aligned + d.offset * static_cast<int64_t>(es);
      } else {
        void *p = allocZeroed(d.bytes);
        if (!p) {
          cleanup();
          return fail(BERTC_ERROR_OUT_OF_MEMORY,
                      "cannot allocate " + std::to_string(d.bytes) +
                          " bytes for output " + quote(info.name));
        }
        t->alloc = p;
        t->data = p;
        stridedCopy(static_cast<char *>(p), d, es);
      }
    }
  } catch (...) {
    cleanup();
    throw;
  }
  for (size_t i = 0; i < numOutputs; ++i)
    if (outs[i].ownable && made[i]->alloc != outs[i].allocated)
      std::free(outs[i].allocated);
  for (size_t i = 0; i < numOutputs; ++i)
    outputs[i] = made[i];
  return BERTC_OK;
}

} // namespace

extern "C" {

bertc_status bertc_model_run(const bertc_model *model,
                             const bertc_run_options *options,
                             const bertc_tensor *const *inputs,
                             size_t num_inputs, bertc_tensor **outputs,
                             size_t num_outputs) {
  return guarded([&] {
    return runModel(model, options, inputs, num_inputs, outputs, num_outputs);
  });
}

bertc_status bertc_model_run_named(const bertc_model *model,
                                   const bertc_run_options *options,
                                   const char *const *input_names,
                                   const bertc_tensor *const *inputs,
                                   size_t num_inputs, bertc_tensor **outputs,
                                   size_t num_outputs) {
  return guarded([&]() -> bertc_status {
    if (outputs)
      for (size_t i = 0; i < num_outputs; ++i)
        outputs[i] = nullptr;
    if (!model)
      return fail(BERTC_ERROR_INVALID_ARGUMENT, "model is NULL");
    if (num_inputs > 0 && (!input_names || !inputs))
      return fail(BERTC_ERROR_INVALID_ARGUMENT,
                  "input_names or inputs is NULL");
    std::vector<const bertc_tensor *> ordered(model->inputs.size(), nullptr);
    std::vector<bool> given(model->inputs.size(), false);
    for (size_t i = 0; i < num_inputs; ++i) {
      if (!input_names[i])
        return fail(BERTC_ERROR_INVALID_ARGUMENT,
                    "input name " + std::to_string(i) + " is NULL");
      auto it = model->inputIndex.find(input_names[i]);
      if (it == model->inputIndex.end()) {
        std::string names;
        for (const TensorInfo &t : model->inputs)
          names += (names.empty() ? "" : ", ") + printable(t.name);
        return fail(BERTC_ERROR_NOT_FOUND,
                    "model " + quote(model->name) + " has no input named " +
                        quote(input_names[i]) + " (inputs: " + names + ")");
      }
      if (given[it->second])
        return fail(BERTC_ERROR_INVALID_ARGUMENT,
                    "input " + quote(input_names[i]) + " is given twice");
      given[it->second] = true;
      ordered[it->second] = inputs[i];
    }
    for (size_t i = 0; i < given.size(); ++i)
      if (!given[i])
        return fail(BERTC_ERROR_INVALID_ARGUMENT,
                    "missing input " + quote(model->inputs[i].name));
    return runModel(model, options, ordered.data(), ordered.size(), outputs,
                    num_outputs);
  });
}

} // extern "C"
