// Which learning curves a report draws from metrics.csv, and their data.
//
// Columns are grouped into charts by meaning (the training loss, the two
// reconstruction errors, pseudo-log-likelihood, log Z, train and test
// log-likelihood, swap acceptance, learning rate, seconds per epoch); a
// column without a single value is left out, and a chart left with no
// column is not drawn. Columns this version does not know get a chart each,
// so a newer metrics.csv still shows everything.
//
// Error bands: a column NAME_std_error beside NAME draws NAME +/- 1 standard
// error as a shaded band around NAME's curve (and is not drawn on its own).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "logz/train/metrics.hpp"

namespace logz::report {

struct Curve {
  std::string column;  // "test_log_likelihood"
  std::string label;   // "test"
  std::vector<std::optional<double>> values;
  // From NAME_std_error; empty when the data has no error for this column.
  std::vector<std::optional<double>> std_error;
};

struct Chart {
  std::string id;       // "log_likelihood": the element id's suffix
  std::string title;    // "Log-likelihood"
  std::string y_label;  // "nats per example"
  std::string note;     // a sentence under the chart, or empty
  std::vector<Curve> curves;
};

// `method` is the training method from settings.json ("pcd", "exact", ...;
// empty when unknown): it says what the training loss is.
std::vector<Chart> learning_curve_charts(const MetricsTable& metrics, const std::string& method);

// The x values: the epoch column, else 1, 2, ... per row.
std::vector<double> epochs(const MetricsTable& metrics);

// What the page's script draws: {"x": [...], "charts": [{"id", "title",
// "y_label", "note", "curves": [{"column", "label", "values", "std_error"}]}]},
// missing values as null.
nlohmann::json charts_json(const std::vector<double>& x, const std::vector<Chart>& charts);

}  // namespace logz::report
