// libFuzzer target: parse_npy (src/logz/data/npy.cpp) on arbitrary bytes.
#include "data_array_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return logz::fuzz::run_parser(data, size, logz::parse_npy, logz::fuzz::check_data_array);
}
