//===- npy_fuzzer.cpp - libFuzzer target: bytes -> .npy reader ------------===//
//
// Each input is a .npy file as bertc-run reads it (tools/bertc-run/npy.cpp).
// It must parse or fail with a message, never crash or allocate more than a
// small multiple of its size; what parses must survive an encode/parse
// round trip unchanged.
//
//===----------------------------------------------------------------------===//
#include "npy.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bertc::npy::Array a;
  std::string error;
  if (!bertc::npy::parse(data, size, a, error)) {
    if (error.empty()) {
      std::fprintf(stderr, "npy_fuzzer: parse failed without a message\n");
      std::abort();
    }
    return 0;
  }
  if (a.data.size() > size) {
    std::fprintf(stderr, "npy_fuzzer: %zu bytes of data from a %zu-byte file\n",
                 a.data.size(), size);
    std::abort();
  }
  std::string file = bertc::npy::encode(a.dtype, a.shape, a.data.data(),
                                        a.data.size());
  bertc::npy::Array b;
  if (!bertc::npy::parse(file.data(), file.size(), b, error) ||
      b.dtype != a.dtype || b.shape != a.shape || b.data != a.data) {
    std::fprintf(stderr, "npy_fuzzer: encode/parse round trip differs (%s)\n",
                 error.c_str());
    std::abort();
  }
  return 0;
}
