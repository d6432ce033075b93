#include "logz/train/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "logz/error.hpp"
#include "logz/io/file.hpp"

namespace logz {
namespace {

std::vector<std::string_view> split_commas(std::string_view line) {
  std::vector<std::string_view> cells;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    cells.push_back(
        line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
    if (comma == std::string_view::npos) return cells;
    start = comma + 1;
  }
}

std::optional<double> parse_cell(std::string_view cell, const std::string& path, std::size_t line,
                                 std::size_t column) {
  if (cell.empty()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (error != std::errc() || end != cell.data() + cell.size()) {
    throw FileError(path, fmt::format("line {}, column {}: \"{}\" is not a number", line, column,
                                      printable(cell)));
  }
  return value;
}

}  // namespace

MetricsTable::MetricsTable(std::vector<std::string> columns) : columns_(std::move(columns)) {}

void MetricsTable::add_row(const std::map<std::string, double>& values) {
  std::vector<std::optional<double>> row(columns_.size());
  for (const auto& [name, value] : values) {
    auto it = std::find(columns_.begin(), columns_.end(), name);
    if (it == columns_.end()) {
      // A number the table did not name (a principle's own diagnostic): a new
      // column at the end, empty in the rows before.
      columns_.push_back(name);
      for (auto& earlier : rows_) earlier.resize(columns_.size());
      row.resize(columns_.size());
      it = columns_.end() - 1;
    }
    row[static_cast<std::size_t>(it - columns_.begin())] = value;
  }
  rows_.push_back(std::move(row));
}

std::string MetricsTable::csv() const {
  std::string text = fmt::format("{}\n", fmt::join(columns_, ","));
  for (const auto& row : rows_) {
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (j > 0) text += ',';
      if (row[j]) text += fmt::format("{:.10g}", *row[j]);
    }
    text += '\n';
  }
  return text;
}

MetricsTable MetricsTable::parse(std::string_view csv, const std::string& path) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < csv.size();) {
    std::size_t end = csv.find('\n', start);
    if (end == std::string_view::npos) end = csv.size();
    std::string_view line = csv.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) throw FileError(path, "empty file (no header line)");
  std::vector<std::string> columns;
  for (const std::string_view name : split_commas(lines.front())) {
    if (name.empty()) {
      throw FileError(path,
                      fmt::format("line 1, column {}: empty column name", columns.size() + 1));
    }
    if (std::find(columns.begin(), columns.end(), name) != columns.end()) {
      throw FileError(path, fmt::format("line 1: column \"{}\" appears twice", printable(name)));
    }
    columns.emplace_back(name);
  }
  MetricsTable table(std::move(columns));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string_view> cells = split_commas(lines[i]);
    if (cells.size() != table.columns_.size()) {
      throw FileError(path, fmt::format("line {} has {} cells, but the header names {} columns",
                                        i + 1, cells.size(), table.columns_.size()));
    }
    std::vector<std::optional<double>> row(cells.size());
    for (std::size_t j = 0; j < cells.size(); ++j) {
      row[j] = parse_cell(cells[j], path, i + 1, j + 1);
    }
    table.rows_.push_back(std::move(row));
  }
  return table;
}

MetricsTable MetricsTable::read(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

void MetricsTable::write(const std::string& path) const { write_file_atomic(path, csv()); }

std::map<std::string, double> MetricsTable::row(std::size_t i) const {
  std::map<std::string, double> values;
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    if (rows_[i][c]) values[columns_[c]] = *rows_[i][c];
  }
  return values;
}

bool MetricsTable::has_column(std::string_view name) const {
  return std::find(columns_.begin(), columns_.end(), name) != columns_.end();
}

std::vector<std::optional<double>> MetricsTable::column(std::string_view name) const {
  std::vector<std::optional<double>> values(rows_.size());
  const auto it = std::find(columns_.begin(), columns_.end(), name);
  if (it == columns_.end()) return values;
  const auto c = static_cast<std::size_t>(it - columns_.begin());
  for (std::size_t i = 0; i < rows_.size(); ++i) values[i] = rows_[i][c];
  return values;
}

}  // namespace logz
