#include <gtest/gtest.h>

#include <cstring>

#include "logz/data/data_array.hpp"
#include "logz/error.hpp"
#include "logz/io/file.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

using testing::TempDir;

std::vector<std::uint8_t> idx_bytes(std::uint8_t type, const std::vector<std::uint32_t>& dims,
                                    const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> bytes = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(d >> shift));
  }
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

// Expects a FileError whose message contains every fragment.
template <typename Read>
void expect_file_error(Read&& read, const std::vector<std::string>& fragments) {
  try {
    read();
    ADD_FAILURE() << "expected a FileError";
  } catch (const FileError& e) {
    for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
  }
}

TEST(Idx, ReadsImagesPlainAndGzipped) {
  TempDir dir;
  std::vector<std::uint8_t> pixels(2 * 3 * 2);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(20 * i);
  const auto bytes = idx_bytes(0x08, {2, 3, 2}, pixels);
  testing::write_bytes(dir.file("images.idx"), bytes);
  testing::write_gzip(dir.file("images.idx.gz"), bytes);
  for (const std::string name : {"images.idx", "images.idx.gz"}) {
    const DataArray a = read_idx(dir.file(name));
    EXPECT_EQ(a.shape, (std::vector<Index>{2, 3, 2}));
    ASSERT_EQ(a.values.rows(), 2);
    ASSERT_EQ(a.values.cols(), 6);
    EXPECT_EQ(a.values(1, 5), 220.0f);
    EXPECT_TRUE(a.unsigned_bytes);
  }
}

TEST(Idx, WriteThenReadRoundTripsBytesAndFloats) {
  TempDir dir;
  MatrixF pixels(3, 4);
  pixels << 0, 1, 2, 255, 17, 128, 64, 3, 9, 8, 7, 6;
  write_idx(dir.file("p.idx.gz"), {3, 2, 2}, pixels, IdxType::unsigned_byte);
  const DataArray a = read_idx(dir.file("p.idx.gz"));
  EXPECT_EQ(a.shape, (std::vector<Index>{3, 2, 2}));
  EXPECT_EQ(a.values, pixels);
  EXPECT_TRUE(a.unsigned_bytes);
  MatrixF reals(2, 3);
  reals << -1.5f, 3.25e-8f, 7.0f, 0.1f, -0.0f, 1e30f;
  write_idx(dir.file("r.idx"), {2, 3}, reals, IdxType::float32);
  const DataArray b = read_idx(dir.file("r.idx"));
  EXPECT_EQ(b.values, reals);
  EXPECT_FALSE(b.unsigned_bytes);
}

TEST(Idx, ReadsBigEndianFloatsAndLabels) {
  TempDir dir;
  float value = -1.5f;
  std::uint8_t raw[4];
  std::memcpy(raw, &value, 4);
  testing::write_bytes(dir.file("f.idx"), idx_bytes(0x0D, {1, 1}, {raw[3], raw[2], raw[1], raw[0]}));
  EXPECT_EQ(read_idx(dir.file("f.idx")).values(0, 0), -1.5f);
  testing::write_bytes(dir.file("labels.idx"), idx_bytes(0x08, {3}, {7, 0, 9}));
  const DataArray labels = read_idx(dir.file("labels.idx"));
  EXPECT_EQ(labels.values.rows(), 3);
  EXPECT_EQ(labels.values(2, 0), 9.0f);
}

TEST(Idx, RejectsMalformedFilesWithTheReason) {
  TempDir dir;
  const std::string path = dir.file("bad.idx");
  testing::write_bytes(path, {1, 2, 8, 1, 0, 0, 0, 1, 5});
  expect_file_error([&] { read_idx(path); }, {path, "bad magic"});
  testing::write_bytes(path, idx_bytes(0x07, {1}, {1}));
  expect_file_error([&] { read_idx(path); }, {"type code 0x07"});
  testing::write_bytes(path, idx_bytes(0x08, {2, 2}, {1, 2, 3}));  // one byte short
  expect_file_error([&] { read_idx(path); }, {"size mismatch", "truncated"});
  testing::write_bytes(path, idx_bytes(0x08, {2, 2}, {1, 2, 3, 4, 5}));  // one byte too many
  expect_file_error([&] { read_idx(path); }, {"size mismatch"});
  testing::write_bytes(path, idx_bytes(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {1}));
  expect_file_error([&] { read_idx(path); }, {"size mismatch", "claim more"});
  testing::write_bytes(path, {0, 0, 8});
  expect_file_error([&] { read_idx(path); }, {"shorter than"});
  testing::write_bytes(path, {0, 0, 8, 3, 0, 0});
  expect_file_error([&] { read_idx(path); }, {"truncated IDX header"});
  expect_file_error([&] { read_idx(dir.file("missing.idx")); }, {"missing.idx", "No such file"});
}

TEST(Idx, SizeMessagesListTheDimensionsAndZeroDimensionsAllocateNothing) {
  TempDir dir;
  const std::string path = dir.file("dims.idx");
  testing::write_bytes(path, idx_bytes(0x0D, {0x10000, 0x10000}, {1, 2, 3, 4}));
  expect_file_error([&] { read_idx(path); }, {"65536 x 65536", "offsets 4..12", "truncated"});
  // A zero among huge dimensions holds no values, whatever the others claim.
  testing::write_bytes(path, idx_bytes(0x08, {0xFFFFFFFF, 0}, {}));
  const DataArray empty = read_idx(path);
  EXPECT_EQ(empty.values.size(), 0);
  testing::write_bytes(path, idx_bytes(0x08, {0xFFFFFFFF, 0}, {7}));
  expect_file_error([&] { read_idx(path); }, {"the file has 13 (extra bytes)"});
}

TEST(Idx, RejectsDamagedGzip) {
  TempDir dir;
  std::vector<std::uint8_t> pixels(4000);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7);
  testing::write_gzip(dir.file("ok.gz"), idx_bytes(0x08, {4, 1000}, pixels));
  std::ifstream in(dir.file("ok.gz"), std::ios::binary);
  std::vector<std::uint8_t> gz((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::uint8_t> cut(gz.begin(), gz.begin() + static_cast<long>(gz.size() / 2));
  testing::write_bytes(dir.file("cut.gz"), cut);
  expect_file_error([&] { read_idx(dir.file("cut.gz")); }, {"cut.gz"});
  std::vector<std::uint8_t> corrupt = gz;
  for (std::size_t i = 20; i < 60; ++i) corrupt[i] ^= 0x5A;
  testing::write_bytes(dir.file("corrupt.gz"), corrupt);
  expect_file_error([&] { read_idx(dir.file("corrupt.gz")); }, {"corrupt.gz", "damaged"});
}

TEST(Files, DecompressionStopsAtTheBoundInsteadOfExhaustingMemory) {
  TempDir dir;
  // 8 MiB of zeros compress to a few kilobytes: a small gzip bomb.
  testing::write_gzip(dir.file("bomb.gz"), std::vector<std::uint8_t>(8 << 20, 0));
  expect_file_error([&] { read_file_bytes(dir.file("bomb.gz"), 3 << 20); },
                    {"bomb.gz", "more than 3145728 bytes once decompressed"});
  EXPECT_EQ(read_file_bytes(dir.file("bomb.gz"), 8 << 20).size(), std::size_t{8} << 20);
  EXPECT_GT(default_max_file_bytes(), std::uint64_t{1} << 28);
  EXPECT_LE(default_max_file_bytes(), std::uint64_t{1} << 36);
}

TEST(Csv, ReadsHeaderSeparatorsAndBlankLines) {
  TempDir dir;
  testing::write_text(dir.file("a.csv"), "x,y,z\n1,2,3\n\n4.5, -6 ,7e-1\r\n");
  const DataArray a = read_csv(dir.file("a.csv"));
  ASSERT_EQ(a.values.rows(), 2);
  ASSERT_EQ(a.values.cols(), 3);
  EXPECT_FLOAT_EQ(a.values(1, 0), 4.5f);
  EXPECT_FLOAT_EQ(a.values(1, 1), -6.0f);
  EXPECT_FLOAT_EQ(a.values(1, 2), 0.7f);
  testing::write_text(dir.file("b.txt"), "0 1 1\n1\t0 0\n");
  EXPECT_EQ(read_csv(dir.file("b.txt")).values.cols(), 3);
}

TEST(Csv, NamesTheRowAndColumnOfBadCells) {
  TempDir dir;
  testing::write_text(dir.file("ragged.csv"), "1,2,3\n4,5\n");
  expect_file_error([&] { read_csv(dir.file("ragged.csv")); }, {"line 2 has 2 values", "line 1 has 3"});
  testing::write_text(dir.file("word.csv"), "1,2\n3,abc\n");
  expect_file_error([&] { read_csv(dir.file("word.csv")); }, {"line 2, column 2", "\"abc\""});
  testing::write_text(dir.file("empty.csv"), "\n\n");
  expect_file_error([&] { read_csv(dir.file("empty.csv")); }, {"no rows"});
}

TEST(Csv, RefusesNonFiniteAndOutOfRangeCells) {
  TempDir dir;
  testing::write_text(dir.file("nan.csv"), "x,y\n1,2\nNaN,4\n");
  expect_file_error([&] { read_csv(dir.file("nan.csv")); },
                    {"line 3, column 1", "\"NaN\" is not a finite number"});
  testing::write_text(dir.file("inf.csv"), "1 2\n3 -inf\n");
  expect_file_error([&] { read_csv(dir.file("inf.csv")); }, {"line 2, column 2", "\"-inf\""});
  testing::write_text(dir.file("big.csv"), "1,1e39\n");
  expect_file_error([&] { read_csv(dir.file("big.csv")); }, {"line 1, column 2", "out of the range of float32"});
  // A first line that starts with a non-finite number is data, not a header.
  testing::write_text(dir.file("first.csv"), "inf,1\n1,2\n");
  expect_file_error([&] { read_csv(dir.file("first.csv")); }, {"line 1, column 1"});
}

TEST(Csv, QuotesBadCellsOnOneShortLine) {
  TempDir dir;
  testing::write_text(dir.file("long.csv"), "1,2\n3," + std::string(100000, 'z') + "\n");
  try {
    read_csv(dir.file("long.csv"));
    ADD_FAILURE();
  } catch (const FileError& e) {
    EXPECT_LT(std::string(e.what()).size(), 200u + dir.file("long.csv").size()) << e.what();
    EXPECT_NE(std::string(e.what()).find("zzz...\""), std::string::npos) << e.what();
  }
  testing::write_text(dir.file("ctrl.csv"), "1,2\n3,a\rb\x01\n");
  expect_file_error([&] { read_csv(dir.file("ctrl.csv")); }, {"\"a\\rb\\x01\""});
}

std::vector<std::uint8_t> npy_bytes(const std::string& header_dict, const std::vector<std::uint8_t>& data) {
  std::string header = header_dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::vector<std::uint8_t> bytes = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                     static_cast<std::uint8_t>(header.size()),
                                     static_cast<std::uint8_t>(header.size() >> 8)};
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

std::vector<std::uint8_t> float_bytes(const std::vector<float>& values) {
  std::vector<std::uint8_t> bytes(values.size() * 4);
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

TEST(Npy, ReadsFloatIntegerBoolAndFortranOrder) {
  TempDir dir;
  testing::write_bytes(dir.file("f.npy"), npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                                     float_bytes({1, 2, 3, 4, 5, 6})));
  DataArray a = read_npy(dir.file("f.npy"));
  EXPECT_EQ(a.values(1, 0), 4.0f);
  testing::write_bytes(dir.file("fo.npy"), npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                                                      float_bytes({1, 2, 3, 4, 5, 6})));
  a = read_npy(dir.file("fo.npy"));
  EXPECT_EQ(a.values(0, 1), 3.0f);  // column-major: (0,1) is the third value
  EXPECT_EQ(a.values(1, 0), 2.0f);
  testing::write_bytes(dir.file("u.npy"), npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }",
                                                     {0, 255, 7, 1}));
  a = read_npy(dir.file("u.npy"));
  EXPECT_EQ(a.values.rows(), 4);
  EXPECT_EQ(a.values(1, 0), 255.0f);
  EXPECT_TRUE(a.unsigned_bytes);
  testing::write_bytes(dir.file("b.npy"), npy_bytes("{'descr': '|b1', 'fortran_order': False, 'shape': (1, 2), }",
                                                     {1, 0}));
  EXPECT_EQ(read_npy(dir.file("b.npy")).values(0, 0), 1.0f);
}

TEST(Npy, RejectsUnsupportedAndTruncatedFiles) {
  TempDir dir;
  const std::string path = dir.file("x.npy");
  testing::write_bytes(path, npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", {0, 0, 0, 0, 0, 0, 0, 0}));
  expect_file_error([&] { read_npy(path); }, {"'<c8' is not supported"});
  testing::write_bytes(path, npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", {0, 0, 0, 0}));
  expect_file_error([&] { read_npy(path); }, {"big-endian"});
  testing::write_bytes(path, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", float_bytes({1, 2, 3})));
  expect_file_error([&] { read_npy(path); }, {"truncated"});
  testing::write_bytes(path, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999), }", float_bytes({1})));
  expect_file_error([&] { read_npy(path); }, {"more data than the file"});
  testing::write_bytes(path, {0x93, 'N', 'U', 'M', 'P', 'X', 1, 0, 0, 0});
  expect_file_error([&] { read_npy(path); }, {"bad magic"});
  testing::write_bytes(path, npy_bytes("{'descr': '<f4', 'fortran_order': 'C', 'shape': (1,), }", float_bytes({1})));
  expect_file_error([&] { read_npy(path); }, {"fortran_order 'C'", "unsupported order"});
  // A size that wraps around 2^64 to 4 must not pass for float32.
  testing::write_bytes(path, npy_bytes("{'descr': '<f18446744073709551620', 'fortran_order': False, 'shape': (1,), }", float_bytes({1})));
  expect_file_error([&] { read_npy(path); }, {"is not supported"});
  testing::write_bytes(path, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", float_bytes({1, 2, 3})));
  expect_file_error([&] { read_npy(path); }, {"after the header at offset 128", "(truncated?)"});
}

TEST(DataFiles, FormatIsRecognizedFromTheContent) {
  TempDir dir;
  testing::write_gzip(dir.file("data.bin.gz"), npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", float_bytes({0.25f})));
  EXPECT_EQ(read_data_file(dir.file("data.bin.gz")).values(0, 0), 0.25f);
  testing::write_text(dir.file("data.bin"), "0.5,1\n");
  EXPECT_EQ(read_data_file(dir.file("data.bin")).values(0, 0), 0.5f);
}

TEST(DataFiles, BinaryContentWithABadMagicNumberIsNotReadAsText) {
  TempDir dir;
  // An IDX file whose magic number was damaged: reported as such, not as a CSV without rows.
  testing::write_bytes(dir.file("bad.idx"), {0, 1, 8, 2, 0, 0, 0, 1, 0, 0, 0, 1, 5});
  expect_file_error([&] { read_data_file(dir.file("bad.idx")); },
                    {"bad.idx", "bad magic number 0x00010802 at offset 0"});
  testing::write_bytes(dir.file("worse.idx"), {'L', 'O', 8, 2, 0, 0, 0, 1, 0, 0, 0, 1, 5});
  expect_file_error([&] { read_data_file(dir.file("worse.idx")); }, {"bad magic number"});
  testing::write_bytes(dir.file("bad.npy"), {0x93, 'N', 'U', 'M', 'P', 'X', 1, 0, 0, 0});
  expect_file_error([&] { read_data_file(dir.file("bad.npy")); }, {"not an NPY file"});
}

}  // namespace
}  // namespace logz
