#include "logz/report/log_z_table.hpp"

#include <fmt/format.h>

#include <cmath>

namespace logz::report {
namespace {

std::optional<double> number(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string text(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->is_null() ? "" : it->dump();
}

// "264.1012 +/- 0.2100", or "264.5800 (exact)" where there is no error.
std::string with_error(double value, std::optional<double> std_error, const std::string& method) {
  if (method == "exact" || !std_error) return fmt::format("{:.4f}", value);
  return fmt::format("{:.4f} +/- {:.4f}", value, *std_error);
}

// [lower, upper]; an absent bound (null: minus infinity) shows as -inf.
std::optional<std::string> interval(const nlohmann::json& object) {
  if (!object.contains("lower") && !object.contains("upper")) return std::nullopt;
  const auto bound = [](std::optional<double> v, const char* missing) {
    return v ? fmt::format("{:.4f}", *v) : std::string(missing);
  };
  return fmt::format("interval [{}, {}]", bound(number(object, "lower"), "-inf"),
                     bound(number(object, "upper"), "+inf"));
}

void add_estimate_details(const nlohmann::json& estimate, LogZRow& row) {
  if (const auto ess = number(estimate, "effective_sample_size")) {
    row.details.push_back(fmt::format("effective sample size {:.1f}", *ess));
  }
  for (const char* key : {"chains", "betas", "samples", "examples"}) {
    if (const auto n = number(estimate, key)) {
      row.details.push_back(fmt::format("{} {:.10g}", key, *n));
    }
  }
  if (const auto diagnostics = estimate.find("diagnostics");
      diagnostics != estimate.end() && diagnostics->is_object()) {
    for (const auto& [key, value] : diagnostics->items()) {
      row.details.push_back(
          key + " " +
          (value.is_number() ? fmt::format("{:.4g}", value.get<double>()) : value.dump()));
    }
  }
  if (const auto seconds = number(estimate, "seconds")) {
    row.details.push_back(fmt::format("{:.2f} s", *seconds));
  }
  if (const auto warnings = estimate.find("warnings");
      warnings != estimate.end() && warnings->is_array()) {
    for (const auto& warning : *warnings) {
      row.warnings.push_back(warning.is_string() ? warning.get<std::string>() : warning.dump());
    }
  }
}

// The last row of metrics.csv with an exact log Z, and its log-likelihoods.
std::optional<LogZRow> from_metrics(const MetricsTable& metrics) {
  const auto log_z = metrics.column("log_z");
  for (std::size_t i = log_z.size(); i-- > 0;) {
    if (!log_z[i]) continue;
    const auto epoch = metrics.column("epoch")[i];
    LogZRow row;
    row.source = epoch ? fmt::format("metrics.csv, epoch {:.10g}", *epoch) : "metrics.csv";
    row.method = "exact";
    row.log_z = fmt::format("{:.4f}", *log_z[i]);
    for (const auto& [column, label] :
         {std::pair{"train_log_likelihood", "train"}, {"test_log_likelihood", "test"}}) {
      if (const auto value = metrics.column(column)[i]) {
        row.log_likelihoods.push_back(fmt::format("{}: {:.4f}", label, *value));
      }
    }
    return row;
  }
  return std::nullopt;
}

LogZRow from_result(const ResultFile& result) {
  const nlohmann::json& v = result.value;
  LogZRow row;
  row.source = result.file_name;
  const std::string split = v.contains("split") ? text(v, "split") : "";
  const std::string prefix = split.empty() ? "" : split + ": ";
  if (const auto average = number(v, "avg_log_likelihood")) {  // logz eval
    row.method = text(v, "logz_method");
    row.log_likelihoods.push_back(prefix +
                                  with_error(*average, number(v, "std_error"), row.method));
    if (auto range = interval(v); range && row.method != "exact") {
      row.log_likelihoods.back() += " (" + *range + ")";
    }
    if (const auto spread = number(v, "std_error_of_mean")) {
      row.details.push_back(
          fmt::format("standard error of the mean over the examples {:.4f}", *spread));
    }
    if (const auto it = v.find("log_z_estimate"); it != v.end() && it->is_object()) {
      if (const auto log_z = number(*it, "log_z")) {
        row.log_z = with_error(*log_z, number(*it, "std_error"), row.method);
      }
      add_estimate_details(*it, row);
    } else if (const auto bound = text(v, "bound"); !bound.empty()) {
      row.details.push_back(bound);
    }
    add_estimate_details(v, row);
  } else if (const auto pseudo = number(v, "avg_pseudo_log_likelihood")) {
    // logz eval --metric pseudolikelihood
    row.method = "pseudolikelihood";
    row.log_likelihoods.push_back(fmt::format("{}pseudo-log-likelihood {:.4f}", prefix, *pseudo));
    add_estimate_details(v, row);
  } else {  // logz estimate
    row.method = text(v, "method");
    if (const auto log_z = number(v, "log_z")) {
      row.log_z = with_error(*log_z, number(v, "std_error"), row.method);
      if (row.method != "exact") {
        if (auto range = interval(v)) row.details.push_back(*range);
      }
    }
    if (const auto ratio = number(v, "log_ratio")) {
      row.details.push_back(fmt::format("log Z - log Z({}) = {}", text(v, "reference"),
                                        with_error(*ratio, number(v, "std_error"), row.method)));
    }
    add_estimate_details(v, row);
  }
  if (const auto model = text(v, "model"); !model.empty()) {
    row.details.insert(row.details.begin(), "model " + model);
  }
  return row;
}

}  // namespace

std::vector<LogZRow> log_z_rows(const RunFolder& run) {
  std::vector<LogZRow> rows;
  if (run.metrics) {
    if (auto row = from_metrics(*run.metrics)) rows.push_back(std::move(*row));
  }
  for (const ResultFile& result : run.results) rows.push_back(from_result(result));
  return rows;
}

}  // namespace logz::report
