// The shape contract of data_array.hpp, checked on a parsed array.
#pragma once

#include "fuzz_parser.hpp"
#include "logz/data/data_array.hpp"

namespace logz::fuzz {

inline void check_data_array(const DataArray& array) {
  if (array.shape.empty()) fail("DataArray", "empty shape");
  std::uint64_t count = 1;
  for (Index d : array.shape) {
    if (d < 0) fail("DataArray", "negative dimension");
    count *= static_cast<std::uint64_t>(d);
  }
  if (array.values.rows() != array.shape[0]) fail("DataArray", "rows differ from shape[0]");
  if (static_cast<std::uint64_t>(array.values.size()) != count) {
    fail("DataArray", "values differ from the product of the shape");
  }
}

}  // namespace logz::fuzz
