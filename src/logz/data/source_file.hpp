// One data file named by --data or --test-data, whatever its kind: a multiple
// sequence alignment (alignment.hpp), recognized by its extension or its
// content, or a numeric array (IDX, CSV, NPY; data_array.hpp).
#pragma once

#include <optional>
#include <string>

#include "logz/data/alignment.hpp"
#include "logz/data/data_array.hpp"
#include "logz/data/dataset.hpp"

namespace logz {

struct SourceFile {
  std::optional<Alignment> alignment;  // set for an alignment
  DataArray array;                     // otherwise
};

// Reads the file once. An alignment is coded in options.alphabet (protein
// when empty) with options.unknown_as_gap; an array must hold at least one
// value, all finite. Throws FileError (SettingError for a bad alphabet).
SourceFile read_source_file(const std::string& path, const DataOptions& options);

// `array` when it holds at least one value and every value is finite; else
// FileError naming the path (and the row and column of a non-finite value).
DataArray checked_array(DataArray array, const std::string& path);

}  // namespace logz
