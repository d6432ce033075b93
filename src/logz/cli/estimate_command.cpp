#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/cli/estimator_flags.hpp"
#include "logz/error.hpp"
#include "logz/io/file.hpp"
#include "logz/models/categorical.hpp"
#include "logz/models/model_file.hpp"

namespace logz::cli {
namespace {

// A model of real-valued units, which anneals from its own Gaussian and
// needs no data for its base.
bool continuous(const EnergyModel& model) {
  return !model.binary_visible() && dynamic_cast<const CategoricalModel*>(&model) == nullptr;
}

struct EstimateFlags {
  std::string model_path;
  EstimatorFlags estimator;
  DataFlags data;
  std::string reference;
  double reference_log_z = std::numeric_limits<double>::quiet_NaN();
  std::string log_weights_path;
  bool json = false;
};

// The data whose marginals make the base-rate model: --data, else the data
// set named in the model file, else none.
std::optional<Dataset> base_data(const EstimateFlags& flags, const LoadedModel& loaded) {
  if (flags.estimator.method == "exact" || flags.estimator.method == "learned" ||
      flags.estimator.method == "trajectory" || flags.estimator.base == "model" ||
      continuous(*loaded.model)) {
    return std::nullopt;  // (a model of real-valued units anneals from its own Gaussian)
  }
  std::optional<Dataset> data = data_for_model(flags.data, loaded, flags.model_path);
  if (!data) {
    inform(
        fmt::format("note: {} names no training data and --data was not given; the annealing "
                    "base is the model's own visible biases or fields (--base model)",
                    flags.model_path));
  }
  return data;
}

std::string interval_end(double x) {
  return std::isfinite(x) ? fmt::format("{:.6f}", x) : x > 0 ? "+inf" : "-inf";
}

bool is_smc(const LogZEstimate& estimate) {
  const auto per = estimate.diagnostics.find("particles_per_replicate");
  return per != estimate.diagnostics.end() && per->second > 1;
}

// "100 chains" (AIS, bridge), "10 populations of 10 chains (SMC)".
std::string describe_particles(const LogZEstimate& estimate, long chains) {
  if (is_smc(estimate)) {
    return fmt::format("{} populations of {} chains (SMC)", estimate.diagnostics.at("replicates"),
                       estimate.diagnostics.at("particles_per_replicate"));
  }
  return fmt::format("{} chains", chains);
}

void write_log_weights(const std::string& path, const LogZEstimate& estimate) {
  const std::vector<double>& log_weights = estimate.log_weights;
  std::string text = is_smc(estimate)
                         ? "# SMC: each population's log Z estimate, one per population\n"
                         : "# AIS log importance weights, one per chain\n";
  for (double w : log_weights)
    text += fmt::format("{:.17g}\n", w);
  write_file_atomic(path, text);
}

void run_reference_bridge(const EstimateFlags& flags, const LoadedModel& loaded, ProgressBar& bar) {
  const auto* model = dynamic_cast<const GibbsModel*>(loaded.model.get());
  const LoadedModel reference_file = load_model(flags.reference);
  const auto* reference = dynamic_cast<const GibbsModel*>(reference_file.model.get());
  if (model == nullptr || reference == nullptr) {
    throw SettingError("--reference", "bridge sampling needs models with a Gibbs sampler");
  }
  const auto start = std::chrono::steady_clock::now();
  const LogRatioEstimate ratio =
      bridge_log_ratio(*reference, *model, flags.estimator.bridge_options(bar));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bar.clear();
  double reference_log_z = flags.reference_log_z;
  std::string reference_source = "--reference-log-z";
  if (std::isnan(reference_log_z) && is_enumerable(*reference) &&
      enumeration_bits(*reference) <= flags.estimator.max_exact_bits) {
    reference_log_z = exact_log_z(*reference).log_z;
    reference_source = "exact";
  }
  const bool known = !std::isnan(reference_log_z);
  if (flags.json) {
    print_json(
        {{"method", "bridge"},
         {"model", flags.model_path},
         {"reference", flags.reference},
         {"log_ratio", ratio.log_ratio},
         {"std_error", ratio.std_error},
         {"reference_log_z", known ? nlohmann::json(reference_log_z) : nlohmann::json(nullptr)},
         {"log_z",
          known ? nlohmann::json(reference_log_z + ratio.log_ratio) : nlohmann::json(nullptr)},
         {"lower", known ? nlohmann::json(reference_log_z + ratio.log_ratio - 3 * ratio.std_error)
                         : nlohmann::json(nullptr)},
         {"upper", known ? nlohmann::json(reference_log_z + ratio.log_ratio + 3 * ratio.std_error)
                         : nlohmann::json(nullptr)},
         {"effective_sample_size", nullptr},
         {"chains", flags.estimator.chains},
         {"seconds", seconds}});
    return;
  }
  fmt::print("log Z({}) - log Z({}) = {:.6f} +/- {:.6f}  (bridge, {} chains each, {:.2f} s)\n",
             flags.model_path, flags.reference, ratio.log_ratio, ratio.std_error,
             flags.estimator.chains, seconds);
  if (known) {
    fmt::print("log Z = {:.6f} +/- {:.6f}  (reference log Z {:.6f}, {})\n",
               reference_log_z + ratio.log_ratio, ratio.std_error, reference_log_z,
               reference_source);
  }
}

void run(EstimateFlags flags) {
  flags.model_path = resolve_model_path(flags.model_path, flags.estimator);
  const LoadedModel loaded = load_model(flags.model_path);
  flags.estimator.model_updates = updates_completed(loaded);
  flags.estimator.check_applies_to(*loaded.model, flags.model_path);
  ProgressBar bar(parse_progress_mode(flags.estimator.progress));
  if (!flags.reference.empty()) {
    if (flags.estimator.method != "bridge") {
      throw SettingError("--reference",
                         "compares two models by bridge sampling: add --method bridge");
    }
    run_reference_bridge(flags, loaded, bar);
    return;
  }
  if (!flags.log_weights_path.empty() && flags.estimator.method != "ais") {
    throw SettingError("--log-weights", "only AIS has per-chain log-weights (--method ais)");
  }
  const std::optional<Dataset> data = base_data(flags, loaded);
  VectorF base;
  if (flags.estimator.method != "exact") {
    base = annealing_base(flags.estimator, *loaded.model, data ? &*data : nullptr);
  }
  const LogZEstimate estimate =
      flags.estimator.estimate(*loaded.model, base, data ? &*data : nullptr, bar);
  bar.clear();
  if (!flags.log_weights_path.empty()) write_log_weights(flags.log_weights_path, estimate);
  const std::string base_name =
      flags.estimator.method == "exact" ? ""
      : continuous(*loaded.model)       ? std::string("the model's own Gaussian")
      : data                            ? "data " + data->name
      : dynamic_cast<const CategoricalModel*>(loaded.model.get()) != nullptr
          ? std::string("model fields")
          : std::string("model biases");
  if (flags.json) {
    nlohmann::json j = to_json(estimate);
    j["model"] = flags.model_path;
    j["kind"] = loaded.model->kind();
    if (estimate.method != "exact") {
      j["chains"] = flags.estimator.chains;
      // The schedule actually run (--adapt may have lengthened it).
      const auto steps = estimate.diagnostics.find("steps");
      j["betas"] = steps != estimate.diagnostics.end() ? static_cast<std::size_t>(steps->second) + 1
                                                       : flags.estimator.schedule_betas().size();
      j["base"] = base_name;
      j["seed"] = flags.estimator.seed;
    }
    j["warnings"] = estimate_warnings(estimate);
    if (!flags.log_weights_path.empty()) {
      j["log_weights"] = estimate.log_weights;
      j["log_weights_file"] = flags.log_weights_path;
    }
    print_json(j);
    return;
  }
  if (estimate.method == "exact") {
    if (estimate.diagnostics.contains("closed_form")) {
      fmt::print("log Z = {:.6f}  (exact: closed form)\n", estimate.log_z);
    } else {
      fmt::print("log Z = {:.6f}  (exact: {} states summed, {:.2f} s)\n", estimate.log_z,
                 estimate.samples, estimate.seconds);
    }
    if (loaded.model->has_log_normalizer()) {
      fmt::print("  the log normalizer learned by NCE (a parameter of the model) is {:.6f}\n",
                 loaded.model->log_normalizer());
    }
    return;
  }
  if (estimate.method == "learned") {
    fmt::print(
        "log Z = {:.6f}  (the log normalizer learned by NCE: a parameter of the model, "
        "not an estimate with an error bar)\n",
        estimate.log_z);
    return;
  }
  const auto used = estimate.diagnostics.find("steps");
  const std::size_t steps = used != estimate.diagnostics.end()
                                ? static_cast<std::size_t>(used->second)
                                : flags.estimator.schedule_betas().size() - 1;
  fmt::print("log Z = {:.6f} +/- {:.6f}  ({}: {}, {} {}, base {}, {:.2f} s)\n", estimate.log_z,
             estimate.std_error, estimate.method,
             describe_particles(estimate, flags.estimator.chains), steps,
             estimate.method == "bridge" ? "bridges" : "steps", base_name, estimate.seconds);
  fmt::print("  95% interval: [{}, {}]", interval_end(estimate.lower),
             interval_end(estimate.upper));
  if (estimate.effective_sample_size) {
    fmt::print("; effective sample size {:.1f} of {}", *estimate.effective_sample_size,
               estimate.samples);
  }
  fmt::print("\n");
  for (const std::string& warning : estimate_warnings(estimate))
    fmt::print("  warning: {}\n", warning);
}

}  // namespace

Command add_estimate_command(CLI::App& app) {
  auto flags = std::make_shared<EstimateFlags>();
  CLI::App* command =
      app.add_subcommand("estimate", "Estimate log Z of a saved model, with its error bar");
  command
      ->add_option("model", flags->model_path,
                   "Model file (.safetensors), or the run folder of `logz train` (its "
                   "model.safetensors; --method trajectory anneals along its snapshots)")
      ->required();
  flags->estimator.add_to(*command, "--method",
                          {"exact", "ais", "bridge", "learned", "trajectory"});
  flags->data.add_to(*command);
  command->add_option("--reference", flags->reference,
                      "With --method bridge: a second model (an earlier checkpoint, say); "
                      "estimates log Z(MODEL) - log Z(REFERENCE)");
  command->add_option("--reference-log-z", flags->reference_log_z,
                      "log Z of the reference, if known (else exact when enumerable)");
  command->add_option("--log-weights", flags->log_weights_path,
                      "Write AIS's per-chain log-weights to this file (and into --json)");
  command->add_flag("--json", flags->json,
                    "Print one JSON object: log_z, std_error, lower, upper, "
                    "effective_sample_size, method, chains, samples, seconds, ...");
  command->footer(
      "The base-rate model of AIS and bridge sampling is fitted to --data, or to the data set "
      "named in the model file when --data is not given.");
  return {command, [flags] { run(*flags); }};
}

}  // namespace logz::cli
