// What the subcommands share: the data flags, loading a model, checking that
// data and model fit, JSON output, and the process-wide thread setting.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "logz/data/dataset.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/estimators/log_z_estimate.hpp"
#include "logz/models/energy_model.hpp"

namespace logz::cli {

// --data, --test-data, --test-count, --binarize, --threshold, --binarize-seed
struct DataFlags {
  std::string source = "mnist10k";
  std::string test_source;
  long test_count = -1;
  std::string binarize = "auto";
  double threshold = 0.5;
  std::uint64_t binarize_seed = 0;

  void add_to(CLI::App& command);
  DataOptions options() const;
};

// How log Z is obtained: --method (estimate) or --logz-method (eval), with
// the settings of each estimator. Shared so that both commands offer the same.
struct EstimatorFlags {
  std::string method = "exact";
  int max_exact_bits = ExactOptions{}.max_bits;

  void add_to(CLI::App& command, const std::string& method_flag);
  LogZEstimate estimate(const EnergyModel& model) const;
};

// Loads the data set and checks it against the model: the same number of
// visible units, and binary values for a binary model.
Dataset load_data_for(const DataFlags& flags, const EnergyModel& model);
void check_fits(const EnergyModel& model, ConstMatrixRef data, const std::string& data_name,
                const std::string& split);

nlohmann::json to_json(const LogZEstimate& estimate);
nlohmann::json to_json(const LogLikelihood& log_likelihood);

// One JSON object on stdout.
void print_json(const nlohmann::json& value);

// Sets the BLAS and OpenMP thread counts (0: leave the defaults, all cores).
void set_threads(int threads);

}  // namespace logz::cli
