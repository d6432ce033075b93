// safetensors files (https://github.com/huggingface/safetensors):
//
//   bytes 0..8    N, the header length, unsigned 64-bit little-endian
//   bytes 8..8+N  a JSON object: for each tensor name
//                   {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}
//                 and optionally "__metadata__": {string: string}
//   the rest      the data buffer; offsets are relative to its start, tensors
//                 are row-major little-endian and together fill the buffer
//                 without gaps or overlaps
//
// logz writes float32 ("F32") tensors and pads the header with spaces to a
// multiple of 8 bytes, as the reference writer does, so numpy can map the
// tensors aligned. It reads F32 and F64 (converted to float32). Every field
// of a file is checked against the file's real size before use.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace logz {

struct SafetensorsTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> values;  // row-major
};

struct SafetensorsFile {
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsTensor> tensors;  // sorted by name
  const SafetensorsTensor* find(const std::string& name) const;
};

// A tensor to write, by reference to its values.
struct SafetensorsView {
  std::string name;
  std::vector<std::int64_t> shape;
  std::span<const float> values;
};

std::vector<std::uint8_t> encode_safetensors(const std::vector<SafetensorsView>& tensors,
                                             const std::map<std::string, std::string>& metadata);
// `path` names the source in error messages.
SafetensorsFile decode_safetensors(std::span<const std::uint8_t> bytes, const std::string& path);

void write_safetensors(const std::string& path, const std::vector<SafetensorsView>& tensors,
                       const std::map<std::string, std::string>& metadata);
SafetensorsFile read_safetensors(const std::string& path);

}  // namespace logz
