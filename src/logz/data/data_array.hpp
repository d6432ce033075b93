// Numeric arrays read from data files, as float32 matrices.
//
// Every reader returns the array's stored shape and its values as a
// row-major matrix [shape[0], product of the other dimensions]: one example
// per row (an IDX image file [n, 28, 28] becomes [n, 784]; a vector [n]
// becomes [n, 1]).
//
//   IDX   (LeCun's MNIST format, optionally gzip-compressed): magic 0x0000TTNN,
//         TT the type (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64),
//         NN the number of dimensions, then NN big-endian u32 sizes, then the
//         values big-endian. The file must be exactly as long as the sizes say.
//   CSV   one example per line, values separated by commas (or by spaces or
//         tabs); an optional first line of column names; blank lines skipped.
//   NPY   numpy's .npy, versions 1-3; little-endian or byte-sized integer,
//         bool and float dtypes; C or Fortran order.
//
// Bad input throws FileError naming the path and the offset, line or column.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "logz/math/matrix.hpp"

namespace logz {

struct DataArray {
  std::vector<Index> shape;
  MatrixF values;
  // The stored element type was an 8-bit unsigned integer (image pixels 0..255).
  bool unsigned_bytes = false;
};

enum class DataFormat { idx, csv, npy };

DataArray read_idx(const std::string& path);
DataArray read_csv(const std::string& path);
DataArray read_npy(const std::string& path);

// Recognizes the format from the (decompressed) content: NPY and IDX by their
// magic numbers, text as CSV; other binary content is reported as an IDX file
// with a bad magic number (a damaged NPY magic string as such).
DataArray read_data_file(const std::string& path);
// The same on bytes already read.
DataArray parse_data_file(const std::vector<std::uint8_t>& bytes, const std::string& path);

// The parsers, on bytes already in memory; `path` only names the source in errors.
DataArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& path);
DataArray parse_csv(const std::vector<std::uint8_t>& bytes, const std::string& path);
DataArray parse_npy(const std::vector<std::uint8_t>& bytes, const std::string& path);
DataFormat detect_format(const std::vector<std::uint8_t>& bytes);

// Writes `values` as an IDX file of the given shape (its product must equal
// values.size()): unsigned bytes (values rounded and clamped to 0..255) or
// big-endian float32. Gzip-compressed when the path ends in ".gz"; atomic.
enum class IdxType { unsigned_byte, float32 };
std::vector<std::uint8_t> encode_idx(const std::vector<Index>& shape, ConstMatrixRef values, IdxType type);
void write_idx(const std::string& path, const std::vector<Index>& shape, ConstMatrixRef values,
               IdxType type);

}  // namespace logz
