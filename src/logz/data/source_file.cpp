#include "logz/data/source_file.hpp"

#include <fmt/format.h>

#include <cmath>

#include "logz/error.hpp"
#include "logz/io/file.hpp"

namespace logz {
namespace {

void check_finite(const DataArray& array, const std::string& path) {
  for (Index i = 0; i < array.values.rows(); ++i) {
    for (Index j = 0; j < array.values.cols(); ++j) {
      if (!std::isfinite(array.values(i, j))) {
        throw FileError(path, fmt::format("row {}, column {}: value {} is not finite", i + 1, j + 1,
                                          array.values(i, j)));
      }
    }
  }
}

}  // namespace

DataArray checked_array(DataArray array, const std::string& path) {
  if (array.values.rows() == 0 || array.values.cols() == 0) {
    throw FileError(path, "holds no examples");
  }
  // Bytes are finite by construction: the check is for floating-point files.
  if (!array.unsigned_bytes) check_finite(array, path);
  return array;
}

SourceFile read_source_file(const std::string& path, const DataOptions& options) {
  const auto alphabet = [&] {
    return options.alphabet.empty() ? protein_alphabet() : parse_alphabet(options.alphabet);
  };
  AlignmentOptions how;
  how.unknown_as_gap = options.unknown_as_gap;
  SourceFile file;
  if (has_alignment_extension(path)) {
    file.alignment = read_alignment(path, alphabet(), how);
    return file;
  }
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  if (looks_like_alignment(bytes)) {
    file.alignment = parse_alignment(bytes, path, alphabet(), how);
  } else {
    file.array = checked_array(parse_data_file(bytes, path), path);
  }
  return file;
}

}  // namespace logz
