// metrics.csv of a training run: one row per evaluation, a fixed header, an
// empty cell where a quantity was not measured. The whole file is rewritten
// atomically after each row, so it is complete whenever it is read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace logz {

class MetricsTable {
 public:
  explicit MetricsTable(std::vector<std::string> columns);
  // Values by column name; names not in the header are an error (assert).
  void add_row(const std::map<std::string, double>& values);
  std::string csv() const;
  void write(const std::string& path) const;
  std::size_t rows() const { return rows_.size(); }
  // Row `i` as add_row took it (the columns that have a value).
  std::map<std::string, double> row(std::size_t i) const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::optional<double>>> rows_;
};

}  // namespace logz
