//===- memref.h - Memref descriptors and the device seam ---------*- C++ -*-===//
//
// model.so takes and returns buffers as MLIR ranked memref descriptors
// (bertc/model_abi.h). This is the one place that knows their layout, and
// the seam between the run logic (run.cpp) and where buffers live: a
// DeviceMemory frees an output the runtime owns and copies a view into host
// memory. The CPU's is free() and memcpy (memref.cpp); a CUDA backend adds
// one that uses cudaFree and cudaMemcpy2D, and the run logic stays as is.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_RUNTIME_CORE_MEMREF_H
#define BERTC_RUNTIME_CORE_MEMREF_H

#include "bertc/model_abi.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bertc::rt {

/// A decoded descriptor: { allocated, aligned, offset, sizes[rank],
/// strides[rank] } (offset and strides in elements).
struct MemrefView {
  char *allocated = nullptr;
  char *aligned = nullptr;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;

  /// Row-major without gaps from `aligned + offset` (size-1 dims ignored).
  bool isContiguous() const;
};

/// Number of int64 words of a rank-`rank` descriptor.
inline size_t memrefWords(size_t rank) { return 3 + 2 * rank; }

/// Writes the descriptor of the contiguous row-major buffer `data` of shape
/// `dims` into `words` (memrefWords(dims.size()) of them).
void encodeMemref(int64_t *words, const void *data,
                  const std::vector<int64_t> &dims);

/// Reads a rank-`rank` descriptor.
MemrefView decodeMemref(const int64_t *words, size_t rank);

/// Where a model's buffers live.
class DeviceMemory {
public:
  virtual ~DeviceMemory() = default;
  virtual bertc_device device() const = 0;
  /// Whether a buffer the model allocated can become a bertc_tensor's
  /// memory as it is (host memory that free() releases).
  virtual bool adoptable() const = 0;
  /// Frees `allocated` of an output descriptor the runtime owns.
  virtual void release(void *allocated) = 0;
  /// Copies the `numel` elements of `view` into contiguous row-major host
  /// memory at `dst`.
  virtual void copyToHost(char *dst, const MemrefView &view, size_t elemSize,
                          int64_t numel) = 0;
};

/// The memory of `device`, or null if this runtime does not support it.
DeviceMemory *deviceMemory(bertc_device device);

} // namespace bertc::rt

#endif // BERTC_RUNTIME_CORE_MEMREF_H
