/*===- memref_copy.c - memrefCopy for generated code ----------------------===*
 *
 * MLIR lowers `memref.copy` between non-contiguous (strided) memrefs to a
 * call to `memrefCopy`, normally provided by MLIR's runner utils. model.so
 * must not depend on that library, so the kernel library provides it.
 * Hidden visibility: each model.so carries its own copy.
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <string.h>

typedef struct {
  int64_t rank;
  void *descriptor;
} bertc_unranked_memref;

typedef struct {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizes_and_strides[]; /* sizes[rank], then strides[rank] */
} bertc_strided_descriptor;

__attribute__((visibility("hidden"))) void
memrefCopy(int64_t elemSize, bertc_unranked_memref *srcArg,
           bertc_unranked_memref *dstArg) {
  int64_t rank = srcArg->rank;
  const bertc_strided_descriptor *src = srcArg->descriptor;
  const bertc_strided_descriptor *dst = dstArg->descriptor;
  const int64_t *sizes = src->sizes_and_strides;
  const int64_t *srcStrides = src->sizes_and_strides + rank;
  const int64_t *dstStrides = dst->sizes_and_strides + rank;
  const char *s = src->aligned + src->offset * elemSize;
  char *d = dst->aligned + dst->offset * elemSize;

  int64_t total = 1;
  for (int64_t i = 0; i < rank; ++i)
    total *= sizes[i];
  if (total == 0)
    return;
  if (rank == 0) {
    memcpy(d, s, (size_t)elemSize);
    return;
  }
  /* Innermost contiguous run length shared by both sides. */
  int64_t run = 1, inner = rank;
  while (inner > 0 && srcStrides[inner - 1] == run &&
         dstStrides[inner - 1] == run) {
    run *= sizes[inner - 1];
    --inner;
  }
  int64_t index[rank > 0 ? rank : 1]; /* C99 VLA; ranks are small */
  memset(index, 0, sizeof(index));
  int64_t sOff = 0, dOff = 0;
  for (;;) {
    memcpy(d + dOff * elemSize, s + sOff * elemSize, (size_t)(run * elemSize));
    /* Advance the multi-index over dims [0, inner). */
    int64_t axis = inner - 1;
    for (; axis >= 0; --axis) {
      ++index[axis];
      sOff += srcStrides[axis];
      dOff += dstStrides[axis];
      if (index[axis] < sizes[axis])
        break;
      sOff -= srcStrides[axis] * sizes[axis];
      dOff -= dstStrides[axis] * sizes[axis];
      index[axis] = 0;
    }
    if (axis < 0)
      return;
  }
}
