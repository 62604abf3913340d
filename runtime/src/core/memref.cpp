//===- memref.cpp - Memref descriptors and CPU memory ---------------------===//
#include "memref.h"

#include <cstdlib>
#include <cstring>

namespace bertc::rt {

namespace {
char *loadPtr(const int64_t *p) {
  char *q;
  std::memcpy(&q, p, sizeof q);
  return q;
}
void storePtr(int64_t *p, const void *q) { std::memcpy(p, &q, sizeof q); }
} // namespace

bool MemrefView::isContiguous() const {
  if (offset < 0)
    return false;
  int64_t expect = 1;
  for (size_t k = sizes.size(); k-- > 0;) {
    if (sizes[k] == 0)
      return true; // no elements: any layout is fine
    if (sizes[k] != 1 && strides[k] != expect)
      return false;
    expect *= sizes[k];
  }
  return true;
}

void encodeMemref(int64_t *w, const void *data,
                  const std::vector<int64_t> &dims) {
  size_t rank = dims.size();
  storePtr(w + 0, data);
  storePtr(w + 1, data);
  w[2] = 0;
  int64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    w[3 + d] = dims[d];
    w[3 + rank + d] = stride;
    stride *= dims[d] > 1 ? dims[d] : 1;
  }
}

MemrefView decodeMemref(const int64_t *w, size_t rank) {
  MemrefView v;
  v.allocated = loadPtr(w + 0);
  v.aligned = loadPtr(w + 1);
  v.offset = w[2];
  v.sizes.assign(w + 3, w + 3 + rank);
  v.strides.assign(w + 3 + rank, w + 3 + 2 * rank);
  return v;
}

namespace {
/// Host memory from the C library's allocator (model_abi.h: outputs the
/// model allocates with the malloc family).
class CPUMemory final : public DeviceMemory {
public:
  bertc_device device() const override { return BERTC_DEVICE_CPU; }
  bool adoptable() const override { return true; }
  void release(void *allocated) override { std::free(allocated); }
  void copyToHost(char *dst, const MemrefView &d, size_t es,
                  int64_t numel) override {
    size_t rank = d.sizes.size();
    if (numel == 0)
      return;
    const int64_t ies = static_cast<int64_t>(es);
    if (rank == 0) {
      std::memcpy(dst, d.aligned + d.offset * ies, es);
      return;
    }
    std::vector<int64_t> idx(rank, 0);
    int64_t inner = d.sizes[rank - 1];
    int64_t innerStride = d.strides[rank - 1];
    for (;;) {
      int64_t off = d.offset;
      for (size_t k = 0; k + 1 < rank; ++k)
        off += idx[k] * d.strides[k];
      const char *src = d.aligned + off * ies;
      if (innerStride == 1) {
        std::memcpy(dst, src, static_cast<size_t>(inner) * es);
        dst += static_cast<size_t>(inner) * es;
      } else {
        for (int64_t j = 0; j < inner; ++j, dst += es)
          std::memcpy(dst, src + j * innerStride * ies, es);
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
};
} // namespace

DeviceMemory *deviceMemory(bertc_device device) {
  static CPUMemory cpu;
  return device == BERTC_DEVICE_CPU ? &cpu : nullptr;
}

} // namespace bertc::rt
