// How log Z is obtained, for `logz estimate` (--method) and `logz eval`
// (--logz-method): the method and the settings of every estimator, declared
// once so that both commands offer the same flags with the same checks.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "logz/cli/common.hpp"
#include "logz/cli/progress.hpp"
#include "logz/estimators/ais.hpp"
#include "logz/estimators/bridge.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/estimators/spending.hpp"
#include "logz/models/model_file.hpp"

namespace logz::cli {

struct EstimatorFlags {
  std::string method = "exact";
  int max_exact_bits = ExactOptions{}.max_bits;
  long chains = 100;
  long replicates = 0;         // SMC: independent populations of the chains; 0: plain AIS
  std::string adapt = "on";         // spend more until the interval can be trusted (spending.hpp)
  double adapt_target = SpendingOptions{}.target_log_sd;
  long max_betas = 0;     // the budget of steps; 0: 16 times the schedule's
  double resample = 0.5;  // SMC: resample a replicate below this fraction of effective samples
  long betas = 0;         // linear schedule of this many steps; 0: the method's default
  std::string schedule;
  std::string schedule_file;
  std::vector<double> schedule_values;  // betas given as numbers (Python); first when not empty
  std::string base = "data";
  std::uint64_t seed = 0;
  int burn_in = 500;
  int thinning = 2;
  long samples_per_chain = 10;
  std::string progress = "auto";
  // Set by the command: the run folder MODEL named (its trajectory/ holds the
  // snapshots of --method trajectory), and the model's updates_completed.
  std::string run_folder;
  std::optional<std::int64_t> model_updates;
  std::string method_flag = "--method";  // as the command spells it (eval: --logz-method)
  std::vector<std::string> methods;      // those the command offers

  // offered: the methods this command offers, e.g. {"exact", "ais", "bridge"}.
  void add_to(CLI::App& command, const std::string& method_flag_name,
              const std::vector<std::string>& offered);

  // Throws SettingError naming the method flag when the chosen method does
  // not apply to `model` (AIS and RAISE need a Bernoulli RBM), with the
  // methods that do.
  void check_applies_to(const EnergyModel& model, const std::string& model_path) const;

  // The beta schedule: --schedule-file, --schedule, --betas, else sm2008
  // (ais, raise) or 30 linear steps (bridge). For trajectory, --betas is the
  // total number of steps along the trajectory (default 20,000).
  std::vector<double> schedule_betas() const;
  AisOptions ais_options(ProgressBar& bar) const;
  SpendingOptions spending_options() const;
  BridgeOptions bridge_options(ProgressBar& bar) const;

  // log Z by the chosen method (exact, ais, bridge); `base` is the base-rate
  // model's visible bias (ais, bridge).
  // `data` (may be null) starts bridge sampling's chains at beta = 1.
  LogZEstimate estimate(const EnergyModel& model, const VectorF& base, const Dataset* data,
                        ProgressBar& bar) const;
};

// MODEL as a command takes it: a model file, or a run folder of `logz train`
// (then its model.safetensors, and `flags.run_folder` is set).
std::string resolve_model_path(const std::string& given, EstimatorFlags& flags);

// The updates a model file of `logz train` had had (its metadata's
// updates_completed), if it says.
std::optional<std::int64_t> updates_completed(const LoadedModel& loaded);

// The log normalizer that noise-contrastive estimation learned as a
// parameter (method "learned"): what the model claims log Z is, not an
// estimate of it; std_error 0 only because there is no sampling in it.
LogZEstimate learned_log_z(const EnergyModel& model);

// What a user should know before trusting an estimate (AIS whose weights
// rest on a few chains, say); empty when nothing stands out.
std::vector<std::string> estimate_warnings(const LogZEstimate& estimate);

// The base-rate model for annealing: --base data fits it to `data` (the
// training split of the data set), --base model uses the model's own visible
// biases (an Ising model's fields). Any base gives a valid estimator; a good
// one gives a small error.
VectorF annealing_base(const EstimatorFlags& flags, const EnergyModel& model, const Dataset* data);

}  // namespace logz::cli
