#include <charconv>
#include <fmt/format.h>
#include <string_view>

#include "logz/data/data_array.hpp"
#include "logz/error.hpp"
#include "logz/io/file.hpp"

namespace logz {
namespace {

bool is_separator(char c) { return c == ',' || c == ' ' || c == '\t' || c == ';'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits a line into fields: commas (or semicolons) separate; without them,
// runs of spaces or tabs do.
std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  const bool delimited = line.find_first_of(",;") != std::string_view::npos;
  std::size_t start = 0;
  while (start <= line.size()) {
    std::size_t end = start;
    if (delimited) {
      while (end < line.size() && line[end] != ',' && line[end] != ';') ++end;
      fields.push_back(trim(line.substr(start, end - start)));
      start = end + 1;
    } else {
      while (start < line.size() && is_separator(line[start])) ++start;
      if (start == line.size()) break;
      end = start;
      while (end < line.size() && !is_separator(line[end])) ++end;
      fields.push_back(line.substr(start, end - start));
      start = end;
    }
  }
  return fields;
}

bool parse_float(std::string_view field, float& value) {
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  return error == std::errc() && end == field.data() + field.size() && !field.empty();
}

}  // namespace

DataArray parse_csv(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<float> values;
  Index cols = -1, rows = 0;
  Index first_line = 0;  // line number that set the column count
  std::size_t start = 0;
  for (Index line_number = 1; start < text.size(); ++line_number) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string_view> fields = split_fields(line);
    float value = 0;
    if (cols < 0 && rows == 0 && !parse_float(fields.front(), value)) {
      continue;  // a header line of column names
    }
    if (cols < 0) {
      cols = static_cast<Index>(fields.size());
      first_line = line_number;
    } else if (static_cast<Index>(fields.size()) != cols) {
      throw FileError(path, fmt::format("line {} has {} values, but line {} has {} (ragged rows)",
                                        line_number, fields.size(), first_line, cols));
    }
    for (std::size_t j = 0; j < fields.size(); ++j) {
      if (!parse_float(fields[j], value)) {
        throw FileError(path, fmt::format("line {}, column {}: \"{}\" is not a number", line_number,
                                          j + 1, printable_excerpt(fields[j])));
      }
      values.push_back(value);
    }
    ++rows;
  }
  if (rows == 0) throw FileError(path, "no rows of numbers (empty CSV file?)");
  DataArray array;
  array.shape = {rows, cols};
  array.values = Eigen::Map<const MatrixF>(values.data(), rows, cols);
  return array;
}

DataArray read_csv(const std::string& path) { return parse_csv(read_file_bytes(path), path); }

}  // namespace logz
