//===- run.cpp - Running a model: inputs, exec context, outputs -----------===//
//
// Validates the inputs against the descriptor (dtypes, ranks, static dims,
// symbolic dims that must agree), builds their memref descriptors, runs the
// model with an exec context (thread pool, error reporting), and turns the
// output descriptors into tensors: an output the descriptor marks owned is
// adopted (or copied and freed), any other is copied.
//
//===----------------------------------------------------------------------===//
#include "internal.h"
#include "memref.h"
#include "thread_pool.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <thread>

using namespace bertc::rt;
using bertc::runtime::ThreadPool;

extern "C" {

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

/// One output: its descriptor, decoded, and what the runtime does with it.
struct OutDesc {
  MemrefView view;
  bool owned = false; // the runtime must free view.allocated (once)
  int64_t numel = 0;
  size_t bytes = 0;
};

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
    words += memrefWords(inputs[i]->dims.size());
  }
  std::vector<int64_t> inWords(words, 0);
  std::vector<void *> inPtrs(numInputs);
  for (size_t i = 0; i < numInputs; ++i) {
    const bertc_tensor *t = inputs[i];
    int64_t *w = inWords.data() + inOffsets[i];
    encodeMemref(w, t->data ? t->data : kEmptyBuffer, t->dims);
    inPtrs[i] = w;
  }

  std::vector<size_t> outOffsets(numOutputs);
  words = 0;
  for (size_t i = 0; i < numOutputs; ++i) {
    outOffsets[i] = words;
    words += memrefWords(m->outputs[i].dims.size());
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

  // Decode the output descriptors. Ownership is the descriptor's
  // (BERTC_ABI_TENSOR_OWNED); a buffer declared owned by two outputs is
  // freed once.
  DeviceMemory *memory = deviceMemory(m->device);
  std::vector<OutDesc> outs(numOutputs);
  for (size_t i = 0; i < numOutputs; ++i) {
    OutDesc &d = outs[i];
    d.view = decodeMemref(outWords.data() + outOffsets[i],
                          m->outputs[i].dims.size());
    d.owned = m->outputs[i].owned && d.view.allocated;
    for (size_t j = 0; j < i && d.owned; ++j)
      if (outs[j].owned && outs[j].view.allocated == d.view.allocated)
        d.owned = false;
  }
  auto freeOwned = [&] {
    for (OutDesc &d : outs)
      if (d.owned) {
        memory->release(d.view.allocated);
        d.owned = false;
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
    const std::vector<int64_t> &sizes = d.view.sizes;
    for (size_t k = 0; k < sizes.size() && error.empty(); ++k) {
      if (sizes[k] < 0)
        error = who + " dim " + std::to_string(k) + " is negative (" +
                std::to_string(sizes[k]) + ")";
      else if (info.dims[k] >= 0 && sizes[k] != info.dims[k])
        error = who + " dim " + std::to_string(k) + " is " +
                std::to_string(sizes[k]) + " but the model declares " +
                std::to_string(info.dims[k]);
    }
    if (!error.empty())
      break;
    int32_t rank = static_cast<int32_t>(sizes.size());
    if (!numElements(sizes.data(), rank, d.numel) ||
        !byteSize(d.numel, bertc_dtype_size(info.dtype), d.bytes)) {
      error = who + " of shape " + shapeString(sizes.data(), rank) +
              " is too large";
      break;
    }
    if (d.numel > 0 && !d.view.aligned) {
      error = who + " has a NULL data pointer";
      break;
    }
  }
  if (!error.empty()) {
    freeOwned();
    return fail(BERTC_ERROR_RUNTIME, error);
  }

  // Build the tensors: adopt contiguous buffers we own (in memory a tensor
  // can hold), copy the rest. All copies happen before any buffer is freed,
  // since outputs may share one.
  std::vector<bertc_tensor *> made(numOutputs, nullptr);
  std::vector<bool> adopted(numOutputs, false);
  auto cleanup = [&] {
    for (size_t i = 0; i < numOutputs; ++i) {
      if (adopted[i])
        outs[i].owned = false; // freed with the tensor
      bertc_tensor_free(made[i]);
    }
    freeOwned();
  };
  try {
    for (size_t i = 0; i < numOutputs; ++i) {
      const TensorInfo &info = m->outputs[i];
      OutDesc &d = outs[i];
      size_t es = bertc_dtype_size(info.dtype);
      const std::vector<int64_t> &sizes = d.view.sizes;
      bertc_tensor *t =
          newTensor(info.dtype, static_cast<int32_t>(sizes.size()),
                    sizes.empty() ? kNoDims : sizes.data(), d.numel, d.bytes);
      made[i] = t;
      t->owns = true;
      if (d.owned && memory->adoptable() && d.view.isContiguous()) {
        t->alloc = d.view.allocated;
        t->data = d.numel == 0 ? nullptr
                               : d.view.aligned +
                                     d.view.offset * static_cast<int64_t>(es);
        adopted[i] = true;
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
        memory->copyToHost(static_cast<char *>(p), d.view, es, d.numel);
      }
    }
  } catch (...) {
    cleanup();
    throw;
  }
  for (size_t i = 0; i < numOutputs; ++i)
    if (outs[i].owned && !adopted[i])
      memory->release(outs[i].view.allocated);
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
