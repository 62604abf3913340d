//===- status.cpp - Status codes, messages, versions, dtypes --------------===//
#include "internal.h"

#include <cstdio>

namespace {
thread_local std::string tlsLastError;
} // namespace

namespace bertc::rt {

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

} // namespace bertc::rt

using namespace bertc::rt;

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
  return bertc_abi_dtype_size(static_cast<int32_t>(dtype));
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
