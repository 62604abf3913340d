//===- npy.h - Minimal NumPy .npy reader/writer -----------------*- C++ -*-===//
//
// Self-contained support for the .npy format (versions 1.0, 2.0 and 3.0) as
// needed by bertc-run: C-order, little-endian arrays of the dtypes
// <f4 <f2 <f8 |i1 |u1 <i2 <i4 <i8 |b1. Errors are returned as messages,
// never thrown for malformed input.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_TOOLS_NPY_H
#define BERTC_TOOLS_NPY_H

#include "bertc/model_abi.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bertc::npy {

struct Array {
  bertc_dtype dtype = BERTC_DTYPE_INVALID;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data; // row-major elements, shape-product * itemsize
};

/// The .npy descr of a dtype ("<f4", "|b1", ...), or "" if it has none
/// (bfloat16).
std::string descrOf(bertc_dtype dtype);

/// Parses a whole .npy file held in memory. On failure returns false and
/// sets `error` (without a file name prefix).
bool parse(const void *bytes, size_t size, Array &out, std::string &error);

/// Reads `path`; errors are prefixed with "<path>: ".
bool read(const std::string &path, Array &out, std::string &error);

/// Encodes an array as a .npy file (version 1.0, or 2.0 for huge headers).
/// bfloat16, which .npy cannot represent, is widened to float32.
std::string encode(bertc_dtype dtype, const std::vector<int64_t> &shape,
                   const void *data, size_t bytes);

/// Writes `path`; errors are prefixed with "<path>: ".
bool write(const std::string &path, bertc_dtype dtype,
           const std::vector<int64_t> &shape, const void *data, size_t bytes,
           std::string &error);

} // namespace bertc::npy

#endif // BERTC_TOOLS_NPY_H
