//===- model.cpp - Loading model.so and describing it ---------------------===//
//
// dlopen, the entry symbol, and a checked copy of the descriptor
// (bertc/model_abi.h): names, dtypes, dims, symbolic dims, output ownership.
//
//===----------------------------------------------------------------------===//
#include "internal.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>

using namespace bertc::rt;

bertc_model::~bertc_model() {
  if (handle)
    dlclose(handle);
}

namespace {

void fillInfo(const TensorInfo &t, bertc_tensor_info *info) {
  info->name = t.name.c_str();
  info->dtype = t.dtype;
  info->rank = static_cast<int32_t>(t.dims.size());
  info->dims = t.dims.empty() ? kNoDims : t.dims.data();
  info->dim_names = t.dimNames.empty() ? nullptr : t.dimNames.data();
}

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
  if (in.flags & ~BERTC_ABI_TENSOR_OWNED)
    return fail(BERTC_ERROR_INVALID_MODEL,
                "malformed model descriptor: " + named + " has unknown flags " +
                    std::to_string(in.flags));
  out.owned = (in.flags & BERTC_ABI_TENSOR_OWNED) != 0;
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
    if (model->inputs[i].owned)
      return malformed("input " + quote(model->inputs[i].name) +
                       " is marked owned (inputs are the caller's)");
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

} // extern "C"
