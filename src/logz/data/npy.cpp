#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <limits>
#include <string_view>

#include "logz/data/data_array.hpp"
#include "logz/error.hpp"
#include "logz/io/file.hpp"

namespace logz {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

// The value of `key` in numpy's header, a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (10000, 784), }
std::string_view header_value(std::string_view header, std::string_view key, const std::string& path) {
  const std::string quoted = "'" + std::string(key) + "'";
  const std::size_t at = header.find(quoted);
  if (at == std::string_view::npos) {
    throw FileError(path, fmt::format("NPY header has no '{}' entry", key));
  }
  std::size_t p = header.find(':', at + quoted.size());
  if (p == std::string_view::npos) throw FileError(path, "NPY header is malformed");
  ++p;
  while (p < header.size() && header[p] == ' ') ++p;
  std::size_t end = p;
  if (p < header.size() && header[p] == '(') {
    end = header.find(')', p);
    if (end == std::string_view::npos) throw FileError(path, "NPY header: unterminated shape");
    return header.substr(p, end + 1 - p);
  }
  if (p < header.size() && header[p] == '\'') {
    end = header.find('\'', p + 1);
    if (end == std::string_view::npos) throw FileError(path, "NPY header: unterminated string");
    return header.substr(p + 1, end - p - 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return header.substr(p, end - p);
}

struct Dtype {
  char kind;  // f, i, u, b
  std::size_t size;
};

Dtype parse_dtype(std::string_view descr, const std::string& path) {
  if (descr.size() < 3) {
    throw FileError(path, fmt::format("NPY dtype '{}' is not supported", printable(descr)));
  }
  const char order = descr[0];
  const char kind = descr[1];
  std::size_t size = 0;
  for (char c : descr.substr(2)) {
    if (c < '0' || c > '9') {
      throw FileError(path, fmt::format("NPY dtype '{}' is not supported (logz reads float32/64, "
                                        "integers and bool)", printable(descr)));
    }
    if (size > 1000) break;  // not a size any dtype has; reported below
    size = size * 10 + static_cast<std::size_t>(c - '0');
  }
  const bool known = (kind == 'f' && (size == 4 || size == 8)) ||
                     ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                     (kind == 'b' && size == 1);
  if (!known) {
    throw FileError(path, fmt::format("NPY dtype '{}' is not supported (logz reads float32/64, "
                                      "integers and bool)", printable(descr)));
  }
  if (order == '>' && size > 1) {
    throw FileError(path, fmt::format("NPY dtype '{}' is big-endian; convert it with "
                                      "array.astype('<{}{}')", printable(descr), kind, size));
  }
  if (order != '<' && order != '|' && order != '=' && order != '>') {
    throw FileError(path, fmt::format("NPY dtype '{}' is not supported", printable(descr)));
  }
  return {kind, size};
}

template <typename T>
float load_as_float(const std::uint8_t* p) {
  T x;
  std::memcpy(&x, p, sizeof(T));
  return static_cast<float>(x);
}

float decode(const Dtype& d, const std::uint8_t* p) {
  switch (d.kind) {
    case 'f': return d.size == 4 ? load_as_float<float>(p) : load_as_float<double>(p);
    case 'b': return *p != 0 ? 1.0f : 0.0f;
    case 'u':
      switch (d.size) {
        case 1: return load_as_float<std::uint8_t>(p);
        case 2: return load_as_float<std::uint16_t>(p);
        case 4: return load_as_float<std::uint32_t>(p);
        default: return load_as_float<std::uint64_t>(p);
      }
    default:
      switch (d.size) {
        case 1: return load_as_float<std::int8_t>(p);
        case 2: return load_as_float<std::int16_t>(p);
        case 4: return load_as_float<std::int32_t>(p);
        default: return load_as_float<std::int64_t>(p);
      }
  }
}

}  // namespace

DataArray parse_npy(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    throw FileError(path, "not an NPY file: bad magic string at offset 0");
  }
  const int major = bytes[6];
  std::size_t header_length = 0, header_start = 0;
  if (major == 1) {
    header_length = bytes[8] | (std::size_t{bytes[9]} << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw FileError(path, "truncated NPY header");
    header_length = bytes[8] | (std::size_t{bytes[9]} << 8) | (std::size_t{bytes[10]} << 16) |
                    (std::size_t{bytes[11]} << 24);
    header_start = 12;
  } else {
    throw FileError(path, fmt::format("NPY format version {} at offset 6 is not supported", major));
  }
  if (header_length > bytes.size() - header_start) {
    throw FileError(path, fmt::format("NPY header length {} runs past the end of the file ({} "
                                      "bytes)", header_length, bytes.size()));
  }
  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + header_start),
                                header_length);
  const Dtype dtype = parse_dtype(header_value(header, "descr", path), path);
  const std::string_view order = header_value(header, "fortran_order", path);
  if (order != "False" && order != "True") {
    throw FileError(path, fmt::format("NPY fortran_order '{}' is neither True nor False (an "
                                      "unsupported order)", printable(order)));
  }
  const bool fortran = order == "True";

  DataArray array;
  const std::string_view shape_text = header_value(header, "shape", path);
  std::uint64_t count = 1;
  const std::size_t data_start = header_start + header_length;
  const std::uint64_t limit = (bytes.size() - data_start) / dtype.size;
  for (std::size_t p = 1; p < shape_text.size();) {
    while (p < shape_text.size() && (shape_text[p] == ' ' || shape_text[p] == ',')) ++p;
    if (p >= shape_text.size() || shape_text[p] == ')') break;
    std::uint64_t dim = 0;
    bool digits = false;
    while (p < shape_text.size() && shape_text[p] >= '0' && shape_text[p] <= '9') {
      if (dim > (std::uint64_t{1} << 40)) throw FileError(path, "NPY shape is too large");
      dim = dim * 10 + static_cast<std::uint64_t>(shape_text[p++] - '0');
      digits = true;
    }
    if (!digits) {
      throw FileError(path, fmt::format("NPY shape '{}' is malformed", printable(shape_text)));
    }
    if (dim != 0 && count > limit / dim) {
      throw FileError(path, fmt::format("NPY shape {} needs more data than the file's {} bytes "
                                        "after the header at offset {} (truncated?)",
                                        printable(shape_text), bytes.size() - data_start,
                                        data_start));
    }
    count *= dim;
    array.shape.push_back(static_cast<Index>(dim));
  }
  if (array.shape.empty()) throw FileError(path, "NPY array is a scalar; logz needs rows of values");
  if (fortran && array.shape.size() > 2) {
    throw FileError(path, "NPY array of more than 2 dimensions in Fortran order is not supported; "
                          "save it with numpy.ascontiguousarray");
  }
  const std::uint64_t needed = count * dtype.size;
  if (bytes.size() - data_start != needed) {
    throw FileError(path, fmt::format("NPY data at offset {} is {} bytes, shape {} with {}-byte "
                                      "items needs {}{}", data_start, bytes.size() - data_start,
                                      printable(shape_text), dtype.size, needed,
                                      bytes.size() - data_start < needed ? " (truncated?)" : ""));
  }
  const Index rows = array.shape[0];
  const Index cols = rows == 0 ? 0 : static_cast<Index>(count / static_cast<std::uint64_t>(rows));
  array.values.resize(rows, cols);
  const std::uint8_t* data = bytes.data() + data_start;
  if (!fortran) {
    float* out = array.values.data();
    for (std::uint64_t i = 0; i < count; ++i) out[i] = decode(dtype, data + i * dtype.size);
  } else {
    // Fortran order: the first index varies fastest.
    for (Index j = 0; j < cols; ++j) {
      for (Index i = 0; i < rows; ++i) {
        array.values(i, j) = decode(dtype, data + static_cast<std::size_t>(j * rows + i) * dtype.size);
      }
    }
  }
  array.unsigned_bytes = dtype.kind == 'u' && dtype.size == 1;
  return array;
}

DataArray read_npy(const std::string& path) { return parse_npy(read_file_bytes(path), path); }

DataFormat detect_format(const std::vector<std::uint8_t>& bytes) {
  // NPY's magic string starts with the byte 0x93; a damaged one is still
  // reported as a bad NPY magic string rather than parsed as text.
  if (!bytes.empty() && bytes[0] == 0x93) return DataFormat::npy;
  if (bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 0) return DataFormat::idx;
  // Text has no control bytes other than whitespace: binary content that is
  // not NPY is read as IDX, whose parser names its bad magic number, instead
  // of as CSV that would be nothing but unreadable cells.
  const std::size_t probe = std::min<std::size_t>(bytes.size(), 4096);
  for (std::size_t i = 0; i < probe; ++i) {
    const std::uint8_t c = bytes[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') {
      return DataFormat::idx;
    }
  }
  return DataFormat::csv;
}

DataArray read_data_file(const std::string& path) {
  return parse_data_file(read_file_bytes(path), path);
}

DataArray parse_data_file(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  switch (detect_format(bytes)) {
    case DataFormat::npy: return parse_npy(bytes, path);
    case DataFormat::idx: return parse_idx(bytes, path);
    default: return parse_csv(bytes, path);
  }
}

}  // namespace logz
