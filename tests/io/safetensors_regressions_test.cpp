// Inputs on which decode_safetensors once broke its contract, found by the
// fuzz target fuzz_safetensors unless said otherwise: a malformed file must
// give a FileError whose message is one printable line; a valid one decodes.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "logz/error.hpp"
#include "logz/io/safetensors.hpp"
#include "testing/expect_file_error.hpp"

namespace logz {
namespace {

using testing::expect_one_line_file_error;

std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

std::vector<std::uint8_t> with_header(const std::string& json) {
  std::vector<std::uint8_t> bytes(8 + json.size());
  const std::uint64_t n = json.size();
  std::memcpy(bytes.data(), &n, 8);
  std::memcpy(bytes.data() + 8, json.data(), json.size());
  return bytes;
}

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

// The JSON error quoted the last bytes read raw (here DEL, 0x7f).
TEST(SafetensorsRegressions, JsonErrorQuotingRawBytes) {
  expect_error(bytes_of(std::string("\x03\0\0\0\0\0\0\0\xef\x7f\xff\xff" "0\xff\xff\x7f\0\0" "4", 19)),
               "is not valid JSON");
}

// Found while writing the fuzz target (its inputs are too short to reach
// it): the message dumped the dtype, and dump() recurses into nested arrays,
// so a 1 MB header of '[' overflowed the stack.
TEST(SafetensorsRegressions, DeeplyNestedDtype) {
  const std::size_t depth = 500000;
  const std::string json = R"({"a":{"dtype":)" + std::string(depth, '[') + std::string(depth, ']') +
                           R"(,"shape":[],"data_offsets":[0,0]}})";
  expect_error(with_header(json), "tensor \"a\": dtype of JSON type array is not supported");
}

// A tensor of shape [0] (valid) made memcpy copy 0 bytes to the null data()
// of its empty vector, which is undefined (UBSan: null pointer passed as
// argument 1). The file decodes.
TEST(SafetensorsRegressions, EmptyTensor) {
  const std::string json =
      R"({"oa":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}})";
  // Header length 112 (the JSON and 4 spaces), then a 9-byte data buffer.
  const std::string data = " " + std::string(8, '\0');
  const std::string input = std::string("p\0\0\0\0\0\0\0", 8) + json + "    " + data;
  ASSERT_EQ(input.size(), 129u);  // the fuzzer's input, byte for byte
  const SafetensorsFile file = decode_safetensors(bytes_of(input), "m.safetensors");
  ASSERT_EQ(file.tensors.size(), 2u);
  ASSERT_NE(file.find("b"), nullptr);
  EXPECT_EQ(file.find("b")->shape, std::vector<std::int64_t>{0});
  EXPECT_TRUE(file.find("b")->values.empty());
  EXPECT_EQ(file.find("oa")->values, (std::vector<float>{std::bit_cast<float>(0x20u), 0.0f}));
}

// Written by hand: names copied into messages keep to one line.
TEST(SafetensorsRegressions, ControlCharactersInNames) {
  expect_error(with_header(R"({"a\nb":{"dtype":"I8","shape":[],"data_offsets":[0,0]}})"),
               "tensor \"a\\nb\": dtype \"I8\" is not supported");
  expect_error(with_header(R"({"__metadata__":{"k\r":1}})"), "value of \"k\\r\" is not a string");
}

}  // namespace
}  // namespace logz
