#include "logz/train/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "logz/io/file.hpp"

namespace logz {

MetricsTable::MetricsTable(std::vector<std::string> columns) : columns_(std::move(columns)) {}

void MetricsTable::add_row(const std::map<std::string, double>& values) {
  std::vector<std::optional<double>> row(columns_.size());
  for (const auto& [name, value] : values) {
    const auto it = std::find(columns_.begin(), columns_.end(), name);
    assert(it != columns_.end());
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

void MetricsTable::write(const std::string& path) const { write_file_atomic(path, csv()); }

std::map<std::string, double> MetricsTable::row(std::size_t i) const {
  std::map<std::string, double> values;
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    if (rows_[i][c]) values[columns_[c]] = *rows_[i][c];
  }
  return values;
}

}  // namespace logz
