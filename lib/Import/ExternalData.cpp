//===- ExternalData.cpp - Reading external tensor data --------------------===//
//
// The bytes of a tensor whose data is in another file
// (data_location: EXTERNAL). The file is untrusted (docs/Limits.md):
// external data is read only from regular files whose real path (after
// symlinks) is inside the model's folder (or --external-data-dir), only the
// bytes the tensor needs, with offset and length checked against the file
// size and the tensor's type.
//
//===----------------------------------------------------------------------===//
#include "Importer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

using namespace mlir;

namespace bertc::importer {

/// A non-negative decimal integer (external data offset/length), strictly.
static bool parseSize(StringRef text, int64_t &out) {
  uint64_t v;
  if (text.empty() || !llvm::all_of(text, llvm::isDigit) ||
      text.getAsInteger(10, v) || v > static_cast<uint64_t>(INT64_MAX))
    return false;
  out = static_cast<int64_t>(v);
  return true;
}

FailureOr<std::vector<char>>
Importer::readExternal(const TensorProto &tensor, int64_t bytes,
                       llvm::function_ref<InFlightDiagnostic()> diag) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : tensor.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset" || kv.key() == "length") {
      int64_t &v = kv.key() == "offset" ? offset : length;
      if (!parseSize(kv.value(), v)) {
        diag() << "external data " << kv.key() << " '"
               << printableName(kv.value())
               << "' is not an integer in [0, " << INT64_MAX << "]";
        return failure();
      }
    }
  }
  if (location.empty()) {
    diag() << "external data has no location";
    return failure();
  }
  if (location.find('\0') != std::string::npos ||
      llvm::sys::path::is_absolute(location) ||
      StringRef(location).contains("..")) {
    diag() << "external data location '" << printableName(location)
           << "' must be a relative path inside the model directory";
    return failure();
  }
  // The real paths, after symlinks: the file must stay inside the folder.
  namespace fs = std::filesystem;
  std::string dirText = options.externalDataDir;
  if (dirText.empty())
    dirText = llvm::sys::path::parent_path(sourceName).str();
  if (dirText.empty())
    dirText = ".";
  std::error_code ec;
  fs::path dir = fs::canonical(dirText, ec);
  if (ec) {
    diag() << "cannot resolve the external data directory '"
           << printableName(dirText) << "': " << ec.message();
    return failure();
  }
  std::string shown = (fs::path(dirText) / location).string();
  fs::path file = fs::canonical(dir / location, ec);
  if (ec) {
    diag() << "cannot read external data file '" << printableName(shown)
           << "': " << ec.message();
    return failure();
  }
  fs::path rel = file.lexically_relative(dir);
  if (rel.empty() || *rel.begin() == "..") {
    diag() << "external data location '" << printableName(location)
           << "' resolves to '" << printableName(file.string())
           << "', which is outside the model directory '"
           << printableName(dir.string()) << "'";
    return failure();
  }
  // Checked before opening (a FIFO would block in open) and again on the
  // descriptor.
  struct stat st;
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    diag() << "external data file '" << printableName(shown)
           << "' is not a regular file";
    return failure();
  }
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) {
    diag() << "cannot read external data file '" << printableName(shown)
           << "': " << std::strerror(errno);
    return failure();
  }
  auto closeFd = llvm::make_scope_exit([&] { ::close(fd); });
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    diag() << "external data file '" << printableName(shown)
           << "' is not a regular file";
    return failure();
  }
  int64_t size = st.st_size;
  if (offset > size) {
    diag() << "external data offset " << offset << " is past the end of '"
           << printableName(shown) << "' (" << size << " bytes)";
    return failure();
  }
  if (length < 0)
    length = size - offset;
  if (length > size - offset) {
    diag() << "external data of " << length << " bytes at offset " << offset
           << " is outside '" << printableName(shown) << "' (" << size
           << " bytes)";
    return failure();
  }
  if (length != bytes) {
    diag() << "external data has " << length << " bytes (at offset " << offset
           << " of '" << printableName(shown) << "'), but its type needs "
           << bytes;
    return failure();
  }
  std::vector<char> data(static_cast<size_t>(length));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pread(fd, data.data() + done, data.size() - done,
                        static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      diag() << "cannot read external data file '" << printableName(shown)
             << "': " << (n < 0 ? std::strerror(errno) : "unexpected end of file");
      return failure();
    }
    done += static_cast<size_t>(n);
  }
  return data;
}

} // namespace bertc::importer
