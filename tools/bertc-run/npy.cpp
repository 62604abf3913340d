//===- npy.cpp - Minimal NumPy .npy reader/writer -------------------------===//
#include "npy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <new>

namespace bertc::npy {
namespace {

const char kMagic[] = "\x93NUMPY";
const size_t kMagicLen = 6;
/// The largest header accepted. numpy writes version 1.0 headers (under
/// 64 KiB) unless a structured dtype needs more, and np.load refuses headers
/// over 10000 bytes by default; a header here is a dict of three short
/// entries. Anything longer is not a real array file.
const size_t kMaxHeaderLen = 65535;

/// Parser for the Python dict literal in the header.
class HeaderParser {
public:
  HeaderParser(const std::string &s) : s_(s) {}

  bool parse(std::string &descr, bool &fortran, std::vector<int64_t> &shape,
             std::string &error) {
    bool haveDescr = false, haveFortran = false, haveShape = false;
    skip();
    if (!eat('{'))
      return fail(error, "expected '{'");
    for (;;) {
      skip();
      if (eat('}'))
        break;
      std::string key;
      if (!parseString(key))
        return fail(error, "expected a quoted key");
      skip();
      if (!eat(':'))
        return fail(error, "expected ':' after '" + key + "'");
      skip();
      if (key == "descr") {
        if (peek() == '[')
          return fail(error, "structured dtypes are not supported");
        if (!parseString(descr))
          return fail(error, "'descr' must be a string");
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (s_.compare(pos_, 4, "True") == 0) {
          fortran = true;
          pos_ += 4;
        } else if (s_.compare(pos_, 5, "False") == 0) {
          fortran = false;
          pos_ += 5;
        } else {
          return fail(error, "'fortran_order' must be True or False");
        }
        haveFortran = true;
      } else if (key == "shape") {
        if (!parseShape(shape))
          return fail(error, "'shape' must be a tuple of non-negative "
                             "integers");
        haveShape = true;
      } else {
        return fail(error, "unexpected key '" + key + "'");
      }
      skip();
      if (eat(','))
        continue;
      skip();
      if (eat('}'))
        break;
      return fail(error, "expected ',' or '}'");
    }
    skip();
    if (pos_ != s_.size())
      return fail(error, "trailing characters after the dictionary");
    if (!haveDescr || !haveFortran || !haveShape)
      return fail(error, "missing 'descr', 'fortran_order' or 'shape'");
    return true;
  }

private:
  static bool fail(std::string &error, const std::string &msg) {
    error = "malformed .npy header: " + msg;
    return false;
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool eat(char c) {
    if (peek() != c)
      return false;
    ++pos_;
    return true;
  }
  void skip() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' ||
            s_[pos_] == '\r'))
      ++pos_;
  }
  bool parseString(std::string &out) {
    char q = peek();
    if (q != '\'' && q != '"')
      return false;
    size_t end = s_.find(q, pos_ + 1);
    if (end == std::string::npos)
      return false;
    out = s_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return true;
  }
  bool parseShape(std::vector<int64_t> &shape) {
    shape.clear();
    if (!eat('('))
      return false;
    for (;;) {
      skip();
      if (eat(')'))
        return true;
      if (peek() < '0' || peek() > '9')
        return false;
      int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, peek() - '0', &v))
          return false;
        ++pos_;
      }
      eat('L'); // Python 2 longs
      shape.push_back(v);
      skip();
      if (eat(','))
        continue;
      skip();
      if (eat(')'))
        return true;
      return false;
    }
  }

  const std::string &s_;
  size_t pos_ = 0;
};

bool dtypeOfDescr(const std::string &descr, bertc_dtype &out,
                  std::string &error) {
  if (descr.size() >= 2) {
    char order = descr[0];
    std::string kind = descr.substr(1);
    bool single = kind == "i1" || kind == "u1" || kind == "b1";
    if (order == '>' && !single) {
      error = "big-endian data ('" + descr + "') is not supported";
      return false;
    }
    if (order == '<' || order == '|' || order == '=' ||
        (order == '>' && single)) {
      static const struct {
        const char *kind;
        bertc_dtype dtype;
      } kMap[] = {{"f4", BERTC_DTYPE_F32}, {"f2", BERTC_DTYPE_F16},
                  {"f8", BERTC_DTYPE_F64}, {"i1", BERTC_DTYPE_I8},
                  {"u1", BERTC_DTYPE_U8},  {"i2", BERTC_DTYPE_I16},
                  {"i4", BERTC_DTYPE_I32}, {"i8", BERTC_DTYPE_I64},
                  {"b1", BERTC_DTYPE_BOOL}};
      for (const auto &m : kMap)
        if (kind == m.kind) {
          out = m.dtype;
          return true;
        }
    }
  }
  error = "unsupported dtype '" + descr +
          "' (supported: <f4 <f2 <f8 |i1 |u1 <i2 <i4 <i8 |b1)";
  return false;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

float bf16ToF32(uint16_t v) {
  uint32_t bits = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

} // namespace

std::string descrOf(bertc_dtype dtype) {
  switch (dtype) {
  case BERTC_DTYPE_F32:
    return "<f4";
  case BERTC_DTYPE_F16:
    return "<f2";
  case BERTC_DTYPE_F64:
    return "<f8";
  case BERTC_DTYPE_I8:
    return "|i1";
  case BERTC_DTYPE_U8:
    return "|u1";
  case BERTC_DTYPE_I16:
    return "<i2";
  case BERTC_DTYPE_I32:
    return "<i4";
  case BERTC_DTYPE_I64:
    return "<i8";
  case BERTC_DTYPE_BOOL:
    return "|b1";
  default:
    return "";
  }
}

bool parse(const void *bytesArg, size_t size, Array &out, std::string &error) {
  const auto *bytes = static_cast<const uint8_t *>(bytesArg);
  if (size < kMagicLen + 2 || std::memcmp(bytes, kMagic, kMagicLen) != 0) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  unsigned major = bytes[6], minor = bytes[7];
  size_t headerLen, pos;
  if (major == 1) {
    if (size < 10) {
      error = "truncated .npy header";
      return false;
    }
    headerLen = bytes[8] | (static_cast<size_t>(bytes[9]) << 8);
    pos = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerLen = bytes[8] | (static_cast<size_t>(bytes[9]) << 8) |
                (static_cast<size_t>(bytes[10]) << 16) |
                (static_cast<size_t>(bytes[11]) << 24);
    pos = 12;
  } else {
    error = "unsupported .npy version " + std::to_string(major) + "." +
            std::to_string(minor);
    return false;
  }
  if (headerLen > kMaxHeaderLen) {
    error = "the .npy header is " + std::to_string(headerLen) +
            " bytes long; at most " + std::to_string(kMaxHeaderLen) +
            " are accepted";
    return false;
  }
  if (headerLen > size - pos) {
    error = "truncated .npy header";
    return false;
  }
  std::string header(reinterpret_cast<const char *>(bytes + pos), headerLen);
  pos += headerLen;

  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
  if (!HeaderParser(header).parse(descr, fortran, shape, error))
    return false;
  bertc_dtype dtype;
  if (!dtypeOfDescr(descr, dtype, error))
    return false;
  int64_t numel = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(numel, d, &numel)) {
      error = "shape " + shapeString(shape) + " is too large";
      return false;
    }
  if (fortran && shape.size() > 1 && numel > 1) {
    error = "fortran_order arrays are not supported (save a C-order array, "
            "e.g. np.ascontiguousarray(a))";
    return false;
  }
  uint64_t need;
  if (__builtin_mul_overflow(static_cast<uint64_t>(numel),
                             static_cast<uint64_t>(bertc_abi_dtype_size(dtype)), &need)) {
    error = "shape " + shapeString(shape) + " is too large";
    return false;
  }
  size_t have = size - pos;
  if (have != need) {
    error = std::string(have < need ? "truncated data" : "unexpected data") +
            ": shape " + shapeString(shape) + " of " + descr + " needs " +
            std::to_string(need) + " bytes, the file has " +
            std::to_string(have);
    return false;
  }
  out.dtype = dtype;
  out.shape = std::move(shape);
  out.data.assign(bytes + pos, bytes + size);
  return true;
}

bool read(const std::string &path, Array &out, std::string &error) {
  // Only regular files of a known size: a FIFO would block, /dev/zero never
  // ends.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error = path + ": not a regular file";
    return false;
  }
  std::vector<char> bytes;
  try {
    bytes.resize(static_cast<size_t>(st.st_size));
  } catch (const std::bad_alloc &) {
    ::close(fd);
    error = path + ": out of memory reading " + std::to_string(st.st_size) +
            " bytes";
    return false;
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      error = path + ": read error" +
              (n < 0 ? std::string(": ") + std::strerror(errno) : "");
      return false;
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (!parse(bytes.data(), bytes.size(), out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

std::string encode(bertc_dtype dtype, const std::vector<int64_t> &shape,
                   const void *data, size_t bytes) {
  std::vector<float> widened;
  if (dtype == BERTC_DTYPE_BF16) {
    const auto *p = static_cast<const uint8_t *>(data);
    widened.resize(bytes / 2);
    for (size_t i = 0; i < widened.size(); ++i) {
      uint16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      widened[i] = bf16ToF32(v);
    }
    dtype = BERTC_DTYPE_F32;
    data = widened.data();
    bytes = widened.size() * sizeof(float);
  }
  std::string header = "{'descr': '" + descrOf(dtype) +
                       "', 'fortran_order': False, 'shape': " +
                       shapeString(shape) + ", }";
  // Pad with spaces so that the data starts on a 64-byte boundary; the
  // header ends with '\n'.
  bool v2 = header.size() + 1 + 10 > 65535;
  size_t prefix = v2 ? 12 : 10;
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string file(kMagic, kMagicLen);
  file += static_cast<char>(v2 ? 2 : 1);
  file += '\0';
  size_t len = header.size();
  file += static_cast<char>(len & 0xff);
  file += static_cast<char>((len >> 8) & 0xff);
  if (v2) {
    file += static_cast<char>((len >> 16) & 0xff);
    file += static_cast<char>((len >> 24) & 0xff);
  }
  file += header;
  file.append(static_cast<const char *>(data), bytes);
  return file;
}

bool write(const std::string &path, bertc_dtype dtype,
           const std::vector<int64_t> &shape, const void *data, size_t bytes,
           std::string &error) {
  std::string file = encode(dtype, shape, data, bytes);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) {
    error = path + ": cannot create: " + std::strerror(errno);
    return false;
  }
  f.write(file.data(), static_cast<std::streamsize>(file.size()));
  f.close();
  if (!f) {
    error = path + ": write error";
    return false;
  }
  return true;
}

} // namespace bertc::npy
