// libFuzzer target: decode_safetensors (src/logz/io/safetensors.cpp) on arbitrary bytes.
#include "fuzz_parser.hpp"
#include "logz/io/safetensors.hpp"

namespace {

void check_tensors(const logz::SafetensorsFile& file) {
  for (const logz::SafetensorsTensor& tensor : file.tensors) {
    std::uint64_t count = 1;
    for (std::int64_t d : tensor.shape)
      count *= static_cast<std::uint64_t>(d);
    if (tensor.values.size() != count)
      logz::fuzz::fail("safetensors", "values differ from the shape");
    if (file.find(tensor.name) == nullptr)
      logz::fuzz::fail("safetensors", "find() misses a tensor");
  }
}

logz::SafetensorsFile decode(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  return logz::decode_safetensors(bytes, path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return logz::fuzz::run_parser(data, size, decode, check_tensors);
}
