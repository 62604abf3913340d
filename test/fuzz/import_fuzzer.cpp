//===- import_fuzzer.cpp - libFuzzer target: bytes -> import -> verify ----===//
//
// Each input is a serialized ONNX ModelProto. It is imported
// (bertc::importONNXBuffer, diagnostics swallowed) and, if that succeeds,
// the module must verify. A crash, sanitizer report, timeout, an allocation
// over libFuzzer's -malloc_limit_mb, or an imported module that does not
// verify is a bug: the importer must turn every input into a valid module
// or an error (docs/Limits.md).
//
// External data resolves against a sandbox folder made at start-up that
// holds a data file and the traps of test/Import/untrusted-models.test (a
// symlink out of the folder, one to /dev/zero, a FIFO, a directory). The
// importer's open() calls are wrapped (-Wl,--wrap=open): opening anything
// that is not a regular file inside the sandbox aborts, so an escape is a
// crash the fuzzer reports, not a silent read.
//
//===----------------------------------------------------------------------===//
#include "bertc/Import/ONNXImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

std::string sandbox; // realpath of the folder external data resolves in
bool importing;      // the wrapped open() checks only the importer's calls

void writeFile(const std::string &path, const void *data, size_t n) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(data, 1, n, f) != n || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
}

void makeSandbox() {
  const char *tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") +
                      "/bertc-fuzz-import-XXXXXX";
  if (!mkdtemp(templ.data())) {
    std::perror("mkdtemp");
    std::abort();
  }
  char real[PATH_MAX];
  if (!realpath(templ.c_str(), real))
    std::abort();
  sandbox = real;
  // 4 KiB of floats 0, 1, 2, ... named as the seeds' external data does.
  float data[1024];
  for (int i = 0; i < 1024; ++i)
    data[i] = static_cast<float>(i);
  writeFile(sandbox + "/data.bin", data, sizeof data);
  writeFile(sandbox + "/model.onnx.data", data, sizeof data);
  (void)symlink("/etc/passwd", (sandbox + "/out.link").c_str());
  (void)symlink("/dev/zero", (sandbox + "/zero.link").c_str());
  (void)symlink("data.bin", (sandbox + "/in.link").c_str());
  (void)mkfifo((sandbox + "/fifo").c_str(), 0600);
  (void)mkdir((sandbox + "/sub").c_str(), 0700);
}

} // namespace

// The importer's open(): only regular files inside the sandbox.
extern "C" int __real_open(const char *path, int flags, ...);
extern "C" int __wrap_open(const char *path, int flags, ...) {
  mode_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  if (!importing)
    return __real_open(path, flags, mode);
  char real[PATH_MAX];
  struct stat st;
  bool inside = realpath(path, real) &&
                std::strncmp(real, sandbox.c_str(), sandbox.size()) == 0 &&
                real[sandbox.size()] == '/';
  if (!inside || stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fprintf(stderr,
                 "import_fuzzer: the importer opened '%s' (real path '%s'), "
                 "which is not a regular file inside the sandbox '%s'\n",
                 path, inside ? real : "?", sandbox.c_str());
    std::abort();
  }
  return __real_open(path, flags, mode);
}
extern "C" int __real_open64(const char *path, int flags, ...);
extern "C" int __wrap_open64(const char *path, int flags, ...) {
  mode_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  return __wrap_open(path, flags, mode);
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  makeSandbox();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext ctx(mlir::MLIRContext::Threading::DISABLED);
  mlir::ScopedDiagnosticHandler quiet(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  bertc::ImportOptions options;
  options.externalDataDir = sandbox;
  importing = true;
  auto module = bertc::importONNXBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      sandbox + "/model.onnx", ctx, options);
  importing = false;
  if (module && mlir::failed(mlir::verify(*module))) {
    std::fprintf(stderr, "import_fuzzer: the imported module does not verify\n");
    std::abort();
  }
  return 0;
}
