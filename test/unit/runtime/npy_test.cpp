//===- npy_test.cpp - Tests of bertc-run's .npy reader/writer -------------===//
#include "npy.h"

#include <gtest/gtest.h>

#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

namespace {

using bertc::npy::Array;

std::string npyFile(const std::string &header, const std::string &data,
                    int major = 1) {
  std::string f("\x93NUMPY", 6);
  f += static_cast<char>(major);
  f += '\0';
  size_t len = header.size();
  f += static_cast<char>(len & 0xff);
  f += static_cast<char>(len >> 8);
  if (major >= 2) {
    f += '\0';
    f += '\0';
  }
  return f + header + data;
}

bool parse(const std::string &file, Array &a, std::string &err) {
  return bertc::npy::parse(file.data(), file.size(), a, err);
}

TEST(Npy, RoundTripAllDtypes) {
  for (bertc_dtype d : {BERTC_DTYPE_F32, BERTC_DTYPE_F16, BERTC_DTYPE_F64,
                        BERTC_DTYPE_I8, BERTC_DTYPE_U8, BERTC_DTYPE_I16,
                        BERTC_DTYPE_I32, BERTC_DTYPE_I64, BERTC_DTYPE_BOOL}) {
    std::vector<uint8_t> data(2 * 3 * 8);
    for (size_t i = 0; i < data.size(); ++i)
      data[i] = static_cast<uint8_t>(d == BERTC_DTYPE_BOOL ? i % 2 : i);
    size_t bytes = 6 * (d == BERTC_DTYPE_F64 || d == BERTC_DTYPE_I64 ? 8
                        : d == BERTC_DTYPE_F32 || d == BERTC_DTYPE_I32 ? 4
                        : d == BERTC_DTYPE_F16 || d == BERTC_DTYPE_I16 ? 2
                                                                       : 1);
    std::string f = bertc::npy::encode(d, {2, 3}, data.data(), bytes);
    EXPECT_EQ((f.size() - bytes) % 64, 0u); // data is 64-byte aligned
    Array a;
    std::string err;
    ASSERT_TRUE(parse(f, a, err)) << err;
    EXPECT_EQ(a.dtype, d);
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
    ASSERT_EQ(a.data.size(), bytes);
    EXPECT_EQ(std::memcmp(a.data.data(), data.data(), bytes), 0);
  }
}

TEST(Npy, ScalarAndEmpty) {
  float v = 2.5f;
  Array a;
  std::string err;
  ASSERT_TRUE(parse(bertc::npy::encode(BERTC_DTYPE_F32, {}, &v, 4), a, err));
  EXPECT_TRUE(a.shape.empty());
  ASSERT_TRUE(parse(bertc::npy::encode(BERTC_DTYPE_F32, {0, 4}, nullptr, 0), a,
                    err));
  EXPECT_EQ(a.shape, (std::vector<int64_t>{0, 4}));
  EXPECT_TRUE(a.data.empty());
}

TEST(Npy, BFloat16IsWidened) {
  uint16_t v[2] = {0x3f80, 0xc000}; // 1.0, -2.0
  Array a;
  std::string err;
  ASSERT_TRUE(parse(bertc::npy::encode(BERTC_DTYPE_BF16, {2}, v, 4), a, err));
  EXPECT_EQ(a.dtype, BERTC_DTYPE_F32);
  float f[2];
  std::memcpy(f, a.data.data(), 8);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -2.0f);
}

TEST(Npy, HeaderVariants) {
  Array a;
  std::string err;
  std::string four(16, '\0');
  EXPECT_TRUE(parse(npyFile("{\"descr\":\"<i4\",\"shape\":(4,),"
                            "\"fortran_order\":False}\n",
                            four),
                    a, err))
      << err;
  EXPECT_TRUE(parse(npyFile("{'descr': '<i4', 'fortran_order': False, "
                            "'shape': (2L, 2L), }",
                            four, 2),
                    a, err))
      << err;
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_TRUE(parse(npyFile("{'descr': '|i1', 'fortran_order': True, "
                            "'shape': (4,), }",
                            std::string(4, '\0'), 3),
                    a, err))
      << err; // 1-D Fortran order is C order
}

struct BadCase {
  std::string file;
  std::string error;
};

TEST(Npy, Errors) {
  std::string six(24, '\0');
  std::vector<BadCase> cases = {
      {"hello", "not a .npy file (bad magic)"},
      {std::string("\x93NUMPY\x01\x00\xff", 9), "truncated .npy header"},
      {std::string("\x93NUMPY\x01\x00\x50\x00{'descr'", 17),
       "truncated .npy header"},
      {npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
               six, 4),
       "unsupported .npy version 4.0"},
      {npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
               six),
       "fortran_order arrays are not supported (save a C-order array, e.g. "
       "np.ascontiguousarray(a))"},
      {npyFile("{'descr': '<u4', 'fortran_order': False, 'shape': (2, 3), }",
               six),
       "unsupported dtype '<u4' (supported: <f4 <f2 <f8 |i1 |u1 <i2 <i4 <i8 "
       "|b1)"},
      {npyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }",
               six),
       "big-endian data ('>f4') is not supported"},
      {npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, "
               "'shape': (2, 3), }",
               six),
       "malformed .npy header: structured dtypes are not supported"},
      {npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
               six.substr(0, 20)),
       "truncated data: shape (2, 3) of <f4 needs 24 bytes, the file has 20"},
      {npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
               six + "xx"),
       "unexpected data: shape (2, 3) of <f4 needs 24 bytes, the file has 26"},
      {npyFile("{'descr': '<f4', 'fortran_order': False}", six),
       "malformed .npy header: missing 'descr', 'fortran_order' or 'shape'"},
      {npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}",
               six),
       "malformed .npy header: 'shape' must be a tuple of non-negative "
       "integers"},
      {npyFile("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}", six),
       "malformed .npy header: 'fortran_order' must be True or False"},
      {npyFile("{'descr': '<f4', 'extra': 1}", six),
       "malformed .npy header: unexpected key 'extra'"},
      {npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': "
               "(99999999999, 99999999999, 99999999999)}",
               six),
       "shape (99999999999, 99999999999, 99999999999) is too large"},
      {npyFile("['descr']", six), "malformed .npy header: expected '{'"},
  };
  for (const BadCase &c : cases) {
    Array a;
    std::string err;
    EXPECT_FALSE(parse(c.file, a, err)) << c.error;
    EXPECT_EQ(err, c.error);
  }
}

// A header claiming (and holding) a megabyte: refused before it is parsed
// or copied (numpy itself refuses headers over 10000 bytes by default).
TEST(Npy, HeaderSizeIsCapped) {
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }" +
      std::string(1 << 20, ' ') + "\n";
  std::string f("\x93NUMPY\x02\x00", 8);
  uint32_t len = static_cast<uint32_t>(header.size());
  for (int i = 0; i < 4; ++i)
    f += static_cast<char>((len >> (8 * i)) & 0xff);
  f += header + std::string(8, '\0');
  Array a;
  std::string err;
  EXPECT_FALSE(parse(f, a, err));
  EXPECT_EQ(err, "the .npy header is " + std::to_string(len) +
                     " bytes long; at most 65535 are accepted");
  // The largest header a version 1.0 file can have is still read.
  std::string big = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  big += std::string(65535 - 10 - big.size() - 1 - 2, ' ') + "\n";
  // (10-byte prefix; total a multiple of 64 is not required by the reader)
  std::string f1("\x93NUMPY\x01\x00", 8);
  f1 += static_cast<char>(big.size() & 0xff);
  f1 += static_cast<char>(big.size() >> 8);
  f1 += big + std::string(8, '\0');
  EXPECT_TRUE(parse(f1, a, err)) << err;
}

// Only regular files are read: a FIFO would block, /dev/zero never ends.
TEST(Npy, ReadOnlyRegularFiles) {
  Array a;
  std::string err;
  EXPECT_FALSE(bertc::npy::read("/dev/zero", a, err));
  EXPECT_EQ(err, "/dev/zero: not a regular file");
  std::string fifo = ::testing::TempDir() + "/bertc_npy_test_fifo";
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(bertc::npy::read(fifo, a, err));
  EXPECT_EQ(err, fifo + ": not a regular file");
  ::unlink(fifo.c_str());
}

TEST(Npy, ReadMissingFile) {
  Array a;
  std::string err;
  EXPECT_FALSE(bertc::npy::read("/nonexistent/x.npy", a, err));
  EXPECT_EQ(err, "/nonexistent/x.npy: cannot open: No such file or directory");
}

} // namespace
