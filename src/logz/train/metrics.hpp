// metrics.csv of a training run: one row per evaluation, a fixed header, an
// empty cell where a quantity was not measured. The whole file is rewritten
// atomically after each row, so it is complete whenever it is read.
// MetricsTable::read reads such a file back (logz report draws it).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace logz {

class MetricsTable {
 public:
  explicit MetricsTable(std::vector<std::string> columns);
  // Parses metrics.csv text: a header of distinct column names, then rows
  // of numbers (or empty cells) separated by commas. Throws FileError naming
  // `path` and the line and column of a cell that is not a number, a row of
  // the wrong length or a repeated or empty column name.
  static MetricsTable parse(std::string_view csv, const std::string& path);
  static MetricsTable read(const std::string& path);

  // Values by column name; a name not in the header becomes a new last column
  // (empty in earlier rows), so a principle's own diagnostics are kept.
  void add_row(const std::map<std::string, double>& values);
  std::string csv() const;
  void write(const std::string& path) const;
  std::size_t rows() const { return rows_.size(); }
  // Row `i` as add_row took it (the columns that have a value).
  std::map<std::string, double> row(std::size_t i) const;
  const std::vector<std::string>& columns() const { return columns_; }
  bool has_column(std::string_view name) const;
  // One value per row, empty where the row has none; all empty for a name
  // not in the header.
  std::vector<std::optional<double>> column(std::string_view name) const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::optional<double>>> rows_;
};

}  // namespace logz
