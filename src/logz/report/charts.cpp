#include "logz/report/charts.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace logz::report {
namespace {

struct ChartDefinition {
  const char* id;
  const char* title;
  const char* y_label;
  const char* note;
  std::vector<std::pair<const char*, const char*>> columns;  // column, label
};

// What the training loss is for each method (objectives/*.hpp); CD and PCD
// have none, so their runs have no values in this column and no chart.
std::string loss_label(const std::string& method) {
  if (method == "exact") return "mean negative log-likelihood (nats)";
  if (method == "pl") return "negative pseudo-log-likelihood (nats)";
  if (method == "rm") return "ratio matching loss";
  return "loss";
}

// The loss chart's y label (nullptr) comes from the method.
std::vector<ChartDefinition> known_charts() {
  return {
      {"loss",
       "Training loss",
       nullptr,
       "Mean over each epoch's minibatches, as the parameters moved.",
       {{"batch_objective", "batch loss"}}},
      {"reconstruction",
       "Reconstruction error",
       "squared error per example",
       "|v - E[v | h]|^2 after one Gibbs half-step back: on the minibatches as they were trained "
       "on, and "
       "on up to 1,000 training examples after each epoch.",
       {{"batch_reconstruction_error", "minibatches"},
        {"reconstruction_error", "after the epoch"}}},
      {"pseudo_log_likelihood",
       "Pseudo-log-likelihood",
       "nats per example",
       "Exact, over all bits, on up to 1,000 training examples.",
       {{"pseudo_log_likelihood", "training examples"}}},
      {"log_z",
       "log Z",
       "nats",
       "Exact (enumeration of the smaller layer), or estimated by annealing at each evaluation "
       "(--monitor track; the band is +/- 1 standard error).",
       {{"log_z", "log Z"}}},
      {"log_likelihood",
       "Log-likelihood",
       "nats per example",
       "Average over the examples, with log Z as charted above; the band is the standard error "
       "of the mean over the examples (a tracked log Z's error moves both curves together).",
       {{"train_log_likelihood", "train"}, {"test_log_likelihood", "test"}}},
      {"swap_acceptance",
       "Swap acceptance (parallel tempering)",
       "fraction of swaps accepted",
       "Between neighbouring temperatures: the mean over the ladder, and its worst pair.",
       {{"swap_acceptance", "mean"}, {"swap_acceptance_min", "minimum"}}},
      {"learning_rate", "Learning rate", "", nullptr, {{"learning_rate", "learning rate"}}},
      {"epoch_seconds", "Time per epoch", "seconds", nullptr, {{"epoch_seconds", "seconds"}}},
  };
}

// Columns that are the x axis or accounted for elsewhere.
const std::set<std::string>& not_charted() {
  static const std::set<std::string> names = {"epoch", "elapsed_seconds"};
  return names;
}

bool has_value(const std::vector<std::optional<double>>& values) {
  return std::any_of(values.begin(), values.end(), [](const auto& v) { return v.has_value(); });
}

constexpr std::string_view kErrorSuffix = "_std_error";

Curve make_curve(const MetricsTable& metrics, const std::string& column, const std::string& label) {
  Curve curve{column, label, metrics.column(column), {}};
  const std::string error_column = column + std::string(kErrorSuffix);
  if (metrics.has_column(error_column) && has_value(metrics.column(error_column))) {
    curve.std_error = metrics.column(error_column);
  }
  return curve;
}

nlohmann::json values_json(const std::vector<std::optional<double>>& values) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& v : values) {
    array.push_back(v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr));
  }
  return array;
}

}  // namespace

std::vector<Chart> learning_curve_charts(const MetricsTable& metrics, const std::string& method) {
  std::vector<Chart> charts;
  std::set<std::string> charted = not_charted();
  for (const ChartDefinition& definition : known_charts()) {
    Chart chart{definition.id,
                definition.title,
                definition.y_label ? definition.y_label : loss_label(method),
                definition.note ? definition.note : "",
                {}};
    for (const auto& [column, label] : definition.columns) {
      charted.insert(column);
      if (has_value(metrics.column(column))) {
        chart.curves.push_back(make_curve(metrics, column, label));
      }
    }
    if (!chart.curves.empty()) charts.push_back(std::move(chart));
  }
  const auto is_error_of_a_column = [&](const std::string& name) {
    return name.size() > kErrorSuffix.size() && name.ends_with(kErrorSuffix) &&
           metrics.has_column(name.substr(0, name.size() - kErrorSuffix.size()));
  };
  for (const std::string& column : metrics.columns()) {
    if (charted.contains(column) || is_error_of_a_column(column)) continue;
    if (!has_value(metrics.column(column))) continue;
    charts.push_back({"column_" + std::to_string(charts.size()),
                      column,
                      "",
                      "",
                      {make_curve(metrics, column, column)}});
  }
  return charts;
}

std::vector<double> epochs(const MetricsTable& metrics) {
  const std::vector<std::optional<double>> column = metrics.column("epoch");
  std::vector<double> x(metrics.rows());
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = column[i] && std::isfinite(*column[i]) ? *column[i] : static_cast<double>(i + 1);
  }
  return x;
}

nlohmann::json charts_json(const std::vector<double>& x, const std::vector<Chart>& charts) {
  nlohmann::json result = {{"x", x}, {"charts", nlohmann::json::array()}};
  for (const Chart& chart : charts) {
    nlohmann::json curves = nlohmann::json::array();
    for (const Curve& curve : chart.curves) {
      curves.push_back({{"column", curve.column},
                        {"label", curve.label},
                        {"values", values_json(curve.values)},
                        {"std_error", values_json(curve.std_error)}});
    }
    result["charts"].push_back({{"id", chart.id},
                                {"title", chart.title},
                                {"y_label", chart.y_label},
                                {"note", chart.note},
                                {"curves", std::move(curves)}});
  }
  return result;
}

}  // namespace logz::report
