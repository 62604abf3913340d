//===- tensor.cpp - Tensor handles ----------------------------------------===//
#include "internal.h"

#include <algorithm>
#include <cstring>

namespace bertc::rt {

/// Checks dtype/rank/dims and computes element count and byte size.
static bertc_status checkShape(bertc_dtype dtype, int32_t rank, const int64_t *dims,
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

void *allocZeroed(size_t bytes) {
  size_t rounded = (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
  void *p = std::aligned_alloc(64, rounded);
  if (p)
    std::memset(p, 0, rounded);
  return p;
}

} // namespace bertc::rt

using namespace bertc::rt;

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
