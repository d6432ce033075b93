// Inputs on which the readers once broke their contract, found by the fuzz
// targets (fuzz/, scripts/fuzz.sh) unless said otherwise. Each must give a
// FileError whose message is one printable line.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "logz/data/data_array.hpp"
#include "logz/error.hpp"
#include "testing/expect_file_error.hpp"

namespace logz {
namespace {

using testing::expect_one_line_file_error;

std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

// fuzz_npy: fortran_order 'Fa<12 tabs>lse'; the message quoted it raw.
TEST(ReaderRegressions, NpyFortranOrderWithTabs) {
  const std::string header = "{'descr': '<f8', 'fortran_order': Fa" + std::string(12, '\t') +
                             "lse, 'shape': (1, 2), }" + std::string(56, ' ') + "\n";
  const std::string prefix("\x93NUMPY\x02\x00" "t\x00\x00\x00", 12);
  const std::string data("\x00\x00\x00\x00\x00\x00\xe0?\x00\x00\x00\x00\x00\x00\xf0\xbf", 16);
  const std::vector<std::uint8_t> input = bytes_of(prefix + header + data);
  ASSERT_EQ(input.size(), 156u);  // the fuzzer's input, byte for byte
  expect_one_line_file_error([&] { parse_npy(input, "x.npy"); }, "x.npy",
                             "NPY fortran_order 'Fa\\t\\t");
}

// fuzz_npy: a descr value running to a line feed at the end of the header
// (the first 32 bytes of the fuzzer's input; the reader stops at the header).
TEST(ReaderRegressions, NpyDescrWithLineFeed) {
  const std::string input("\x93NUMPY\x02\x00\x13\x00\x00\x00:'e'descr'c:\xc5\xff" "e\xc5\xc5"
                          "1\n\xff", 32);
  expect_one_line_file_error([&] { parse_npy(bytes_of(input), "x.npy"); }, "x.npy",
                             "1\\n' is not supported");
}

// Written by hand beside them: a CSV field with an escape sequence, and a
// very long one (cut short in the message).
TEST(ReaderRegressions, CsvFieldWithControlCharactersOrGreatLength) {
  expect_one_line_file_error([&] { parse_csv(bytes_of("1,2\n3,\x1b[2J\r7\n"), "x.csv"); },
                             "x.csv", "line 2, column 2: \"\\x1b[2J\\r7\" is not a number");
  expect_one_line_file_error(
      [&] { parse_csv(bytes_of("1,2\n3," + std::string(100000, 'x') + "\n"), "x.csv"); }, "x.csv",
      "\"" + std::string(40, 'x') + "...\" is not a number");
}

}  // namespace
}  // namespace logz
