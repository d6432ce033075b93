#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <limits>

#include "logz/data/data_array.hpp"
#include "logz/error.hpp"
#include "logz/io/file.hpp"

namespace logz {
namespace {

std::uint32_t read_u32_be(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

template <typename T>
T read_be(const std::uint8_t* p) {
  std::uint8_t reversed[sizeof(T)];
  for (std::size_t i = 0; i < sizeof(T); ++i) reversed[i] = p[sizeof(T) - 1 - i];
  T x;
  std::memcpy(&x, reversed, sizeof(T));
  return x;
}

struct IdxTypeInfo {
  std::uint8_t code;
  const char* name;
  std::size_t size;
};

constexpr IdxTypeInfo kTypes[] = {{0x08, "unsigned byte", 1}, {0x09, "signed byte", 1},
                              {0x0B, "short", 2},         {0x0C, "int", 4},
                              {0x0D, "float", 4},         {0x0E, "double", 8}};

float decode_value(std::uint8_t code, const std::uint8_t* p) {
  switch (code) {
    case 0x08: return static_cast<float>(*p);
    case 0x09: return static_cast<float>(static_cast<std::int8_t>(*p));
    case 0x0B: return static_cast<float>(read_be<std::int16_t>(p));
    case 0x0C: return static_cast<float>(read_be<std::int32_t>(p));
    case 0x0D: return read_be<float>(p);
    default: return static_cast<float>(read_be<double>(p));
  }
}

}  // namespace

DataArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  if (bytes.size() < 4) {
    throw FileError(path, fmt::format("not an IDX file: {} bytes, shorter than the 4-byte magic "
                                      "number", bytes.size()));
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw FileError(path, fmt::format("not an IDX file: bad magic number 0x{:02x}{:02x}{:02x}{:02x} "
                                      "at offset 0 (expected 0x0000TTNN)",
                                      bytes[0], bytes[1], bytes[2], bytes[3]));
  }
  const std::uint8_t code = bytes[2];
  const IdxTypeInfo* type = nullptr;
  for (const IdxTypeInfo& t : kTypes) {
    if (t.code == code) type = &t;
  }
  if (type == nullptr) {
    throw FileError(path, fmt::format("IDX type code 0x{:02x} at offset 2 is not one of 0x08, "
                                      "0x09, 0x0B, 0x0C, 0x0D, 0x0E", code));
  }
  const std::size_t ndims = bytes[3];
  if (ndims == 0) throw FileError(path, "IDX file declares 0 dimensions (offset 3)");
  const std::size_t header = 4 + 4 * ndims;
  if (bytes.size() < header) {
    throw FileError(path, fmt::format("truncated IDX header: {} dimensions need {} bytes, the file "
                                      "has {}", ndims, header, bytes.size()));
  }
  DataArray array;
  for (std::size_t d = 0; d < ndims; ++d) {
    array.shape.push_back(static_cast<Index>(read_u32_be(bytes.data() + 4 + 4 * d)));
  }
  const auto dims_text = [&] {
    return printable(fmt::format("{}", fmt::join(array.shape, " x ")), 100);
  };
  // The product is checked against the bytes present before any allocation,
  // and without overflowing (a zero dimension makes it 0 whatever the others).
  const bool empty = std::find(array.shape.begin(), array.shape.end(), Index{0}) != array.shape.end();
  std::uint64_t count = empty ? 0 : 1;
  const std::uint64_t limit = (bytes.size() - header) / type->size;
  for (const Index size : array.shape) {
    if (empty) break;
    if (count > limit / static_cast<std::uint64_t>(size)) {
      throw FileError(path, fmt::format("IDX size mismatch: the dimensions {} at offsets 4..{} "
                                        "claim more {} values than the {} bytes after the header "
                                        "hold (truncated?)",
                                        dims_text(), header, type->name, bytes.size() - header));
    }
    count *= static_cast<std::uint64_t>(size);
  }
  const std::uint64_t expected = header + count * type->size;
  if (expected != bytes.size()) {
    throw FileError(path, fmt::format("IDX size mismatch: the dimensions {} need {} bytes ({} {} "
                                      "values after a {}-byte header), the file has {}{}",
                                      dims_text(), expected, count, type->name, header,
                                      bytes.size(),
                                      bytes.size() < expected ? " (truncated?)" : " (extra bytes)"));
  }
  const Index rows = array.shape[0];
  const Index cols = rows == 0 ? 0 : static_cast<Index>(count / static_cast<std::uint64_t>(rows));
  array.values.resize(rows, cols);
  const std::uint8_t* p = bytes.data() + header;
  float* out = array.values.data();
  if (code == 0x08) {
    // Unsigned bytes (images): one widening loop the compiler vectorizes.
    for (std::uint64_t i = 0; i < count; ++i)
      out[i] = static_cast<float>(p[i]);
  } else {
    for (std::uint64_t i = 0; i < count; ++i)
      out[i] = decode_value(code, p + i * type->size);
  }
  array.unsigned_bytes = code == 0x08;
  return array;
}

DataArray read_idx(const std::string& path) { return parse_idx(read_file_bytes(path), path); }

std::vector<std::uint8_t> encode_idx(const std::vector<Index>& shape, ConstMatrixRef values,
                                     IdxType type) {
  assert(!shape.empty() && shape.size() < 256);
  const bool bytes_type = type == IdxType::unsigned_byte;
  std::vector<std::uint8_t> out = {0, 0, static_cast<std::uint8_t>(bytes_type ? 0x08 : 0x0D),
                                   static_cast<std::uint8_t>(shape.size())};
  for (Index d : shape) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(d >> shift));
  }
  for (Index i = 0; i < values.rows(); ++i) {
    for (Index j = 0; j < values.cols(); ++j) {
      const float x = values(i, j);
      if (bytes_type) {
        out.push_back(static_cast<std::uint8_t>(std::clamp(std::lround(x), 0L, 255L)));
      } else {
        const auto bits = std::bit_cast<std::uint32_t>(x);
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(bits >> shift));
      }
    }
  }
  return out;
}

void write_idx(const std::string& path, const std::vector<Index>& shape, ConstMatrixRef values,
               IdxType type) {
  const std::vector<std::uint8_t> bytes = encode_idx(shape, values, type);
  if (path.size() > 3 && path.ends_with(".gz")) {
    write_file_atomic(path, gzip_bytes(bytes));
  } else {
    write_file_atomic(path, bytes);
  }
}

}  // namespace logz
