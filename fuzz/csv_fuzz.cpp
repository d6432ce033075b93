// libFuzzer target: parse_csv (src/logz/data/csv.cpp) on arbitrary bytes.
#include "data_array_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return logz::fuzz::run_parser(data, size, logz::parse_csv, logz::fuzz::check_data_array);
}
