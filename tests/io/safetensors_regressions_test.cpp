// Inputs on which decode_safetensors once broke its contract, found by the
// fuzz target fuzz_safetensors. Each must give a FileError whose message is
// one printable line.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "logz/error.hpp"
#include "logz/io/safetensors.hpp"
#include "testing/expect_file_error.hpp"

namespace logz {
namespace {

using testing::expect_one_line_file_error;

std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

void expect_error(const std::vector<std::uint8_t>& input, std::string_view fragment) {
  expect_one_line_file_error([&] { decode_safetensors(input, "m.safetensors"); }, "m.safetensors",
                             fragment);
}

// A number beyond double made nlohmann throw out_of_range, which escaped as
// an exception other than FileError.
TEST(SafetensorsRegressions, NumberOverflowInTheHeader) {
  expect_error(bytes_of(std::string("\x0b\0\0\0\0\0\0\0\t9e97372\x03\0\0\0\0\0", 22)),
               "number overflow parsing '9e97372'");
}

}  // namespace
}  // namespace logz
