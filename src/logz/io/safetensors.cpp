#include "logz/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fmt/format.h>
#include <limits>
#include <nlohmann/json.hpp>

#include "logz/error.hpp"
#include "logz/io/file.hpp"

namespace logz {
namespace {

static_assert(std::endian::native == std::endian::little, "logz assumes a little-endian host");

using Json = nlohmann::json;

std::uint64_t read_u64_le(const std::uint8_t* p) {
  std::uint64_t x = 0;
  std::memcpy(&x, p, sizeof x);
  return x;
}

struct Placed {
  std::uint64_t begin, end;
  std::size_t index;
};

}  // namespace

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
  for (const auto& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::uint8_t> encode_safetensors(const std::vector<SafetensorsView>& tensors,
                                             const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& t : tensors) {
    const std::uint64_t bytes = t.values.size() * sizeof(float);
    header[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<std::uint8_t> out(8 + text.size() + offset);
  const std::uint64_t length = text.size();
  std::memcpy(out.data(), &length, 8);
  std::memcpy(out.data() + 8, text.data(), text.size());
  std::uint8_t* data = out.data() + 8 + text.size();
  for (const auto& t : tensors) {
    std::memcpy(data, t.values.data(), t.values.size() * sizeof(float));
    data += t.values.size() * sizeof(float);
  }
  return out;
}

SafetensorsFile decode_safetensors(std::span<const std::uint8_t> bytes, const std::string& path) {
  if (bytes.size() < 8) {
    throw FileError(path, fmt::format("not a safetensors file: {} bytes, shorter than the 8-byte "
                                      "header length", bytes.size()));
  }
  const std::uint64_t header_length = read_u64_le(bytes.data());
  if (header_length > bytes.size() - 8) {
    throw FileError(path, fmt::format("safetensors header length {} at offset 0 runs past the end "
                                      "of the file ({} bytes)", header_length, bytes.size()));
  }
  const auto* header_begin = reinterpret_cast<const char*>(bytes.data() + 8);
  Json header;
  try {
    header = Json::parse(header_begin, header_begin + header_length);
  } catch (const Json::parse_error& e) {
    // nlohmann's text is "[json.exception...] parse error at line L, column C: why";
    // the file offset says where more plainly than a line of a one-line header.
    const std::string text = e.what();
    const std::size_t at = text.find(": ", text.find("parse error"));
    const std::string why = at == std::string::npos ? text : text.substr(at + 2);
    const std::uint64_t offset = 8 + (e.byte > 0 ? e.byte - 1 : 0);
    throw FileError(path, fmt::format("safetensors header (bytes 8..{}) is not valid JSON at "
                                      "offset {}: {}", 8 + header_length, offset,
                                      printable(why, 160)));
  } catch (const Json::exception& e) {
    // out_of_range for a number beyond double (1e400); the text quotes raw bytes.
    throw FileError(path, fmt::format("safetensors header (bytes 8..{}) is not valid JSON: {}",
                                      8 + header_length, printable(e.what(), 160)));
  }
  if (!header.is_object()) throw FileError(path, "safetensors header is not a JSON object");

  const std::span<const std::uint8_t> data = bytes.subspan(8 + header_length);
  SafetensorsFile file;
  std::vector<Placed> placed;
  for (const auto& header_entry : header.items()) {
    // Named references, not a structured binding: clang 14 cannot capture
    // a binding in the lambda below.
    const std::string& name = header_entry.key();
    const Json& entry = header_entry.value();
    if (name == "__metadata__") {
      if (!entry.is_object()) throw FileError(path, "__metadata__ is not a JSON object");
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) {
          throw FileError(path, fmt::format("__metadata__ value of \"{}\" is not a string",
                                            printable(key)));
        }
        file.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    const auto where = [&](std::string_view what) {
      return FileError(path, fmt::format("tensor \"{}\": {}", printable(name), what));
    };
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets")) {
      throw where("needs dtype, shape and data_offsets");
    }
    const Json& dtype = entry["dtype"];
    if (!dtype.is_string() || (dtype != "F32" && dtype != "F64")) {
      // Named, not dumped: dump() recurses into a nested value, and a header
      // of a million '[' would overflow the stack.
      const std::string shown = dtype.is_string()
                                    ? "\"" + printable(dtype.get<std::string>()) + "\""
                                    : std::string("of JSON type ") + dtype.type_name();
      throw where(fmt::format("dtype {} is not supported (logz reads F32 and F64)", shown));
    }
    const std::uint64_t item = dtype == "F32" ? 4 : 8;
    const Json& shape = entry["shape"];
    if (!shape.is_array()) throw where("shape is not an array");
    SafetensorsTensor tensor;
    tensor.name = name;
    std::uint64_t count = 1;
    for (const Json& d : shape) {
      if (!d.is_number_unsigned()) throw where("shape holds a value that is not a non-negative integer");
      const std::uint64_t dim = d.get<std::uint64_t>();
      if (dim != 0 && count > std::numeric_limits<std::uint64_t>::max() / item / dim) {
        throw where("shape overflows");
      }
      count *= dim;
      tensor.shape.push_back(static_cast<std::int64_t>(dim));
    }
    const Json& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      throw where("data_offsets must be two non-negative integers");
    }
    const std::uint64_t begin = offsets[0].get<std::uint64_t>();
    const std::uint64_t end = offsets[1].get<std::uint64_t>();
    if (begin > end || end > data.size()) {
      throw where(fmt::format("data_offsets [{}, {}] lie outside the data buffer of {} bytes",
                              begin, end, data.size()));
    }
    if (end - begin != count * item) {
      throw where(fmt::format("data_offsets span {} bytes but shape and dtype need {}",
                              end - begin, count * item));
    }
    tensor.values.resize(count);
    if (count == 0) {
      // memcpy from or to the null data() of an empty vector is undefined.
    } else if (item == 4) {
      std::memcpy(tensor.values.data(), data.data() + begin, count * 4);
    } else {
      for (std::uint64_t i = 0; i < count; ++i) {
        double x = 0;
        std::memcpy(&x, data.data() + begin + 8 * i, 8);
        tensor.values[i] = static_cast<float>(x);
      }
    }
    placed.push_back({begin, end, file.tensors.size()});
    file.tensors.push_back(std::move(tensor));
  }
  std::sort(placed.begin(), placed.end(),
            [](const Placed& a, const Placed& b) { return a.begin < b.begin; });
  for (std::size_t i = 1; i < placed.size(); ++i) {
    if (placed[i].begin < placed[i - 1].end) {
      throw FileError(path, fmt::format("tensors \"{}\" (data_offsets [{}, {}]) and \"{}\" "
                                        "([{}, {}]) overlap in the data buffer",
                                        printable(file.tensors[placed[i - 1].index].name),
                                        placed[i - 1].begin, placed[i - 1].end,
                                        printable(file.tensors[placed[i].index].name),
                                        placed[i].begin, placed[i].end));
    }
  }
  return file;
}

void write_safetensors(const std::string& path, const std::vector<SafetensorsView>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, encode_safetensors(tensors, metadata));
}

SafetensorsFile read_safetensors(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return decode_safetensors(bytes, path);
}

}  // namespace logz
