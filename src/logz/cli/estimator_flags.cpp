#include "logz/cli/estimator_flags.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>

#include "logz/error.hpp"
#include "logz/estimators/annealing.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/models/categorical.hpp"
#include "logz/models/gaussian_bernoulli_rbm.hpp"
#include "logz/objectives/gibbs_model_cast.hpp"
#include "logz/train/run_monitor.hpp"

namespace logz::cli {
namespace {

// Annealing steps along a trajectory unless --betas says otherwise.
constexpr std::size_t kTrajectorySteps = 20000;

LogZEstimate trajectory_estimate(const EstimatorFlags& flags, const EnergyModel& model,
                                 ProgressBar& bar) {
  const std::vector<TrajectorySnapshot> snapshots = read_trajectory(flags.run_folder);
  std::vector<const GibbsModel*> path;
  for (const TrajectorySnapshot& snapshot : snapshots) {
    if (flags.model_updates && snapshot.update >= *flags.model_updates) break;
    path.push_back(&require_gibbs(*snapshot.model, "trajectory"));
  }
  const GibbsModel& final_model = require_gibbs(model, "trajectory");
  if (!path.empty() && !final_model.parameters().same_layout(path.front()->parameters())) {
    throw FileError(snapshots.front().path,
                    "is not a snapshot of a model like " + flags.run_folder + "/model.safetensors");
  }
  path.push_back(&final_model);
  // The first snapshot's own base (its visible biases, an Ising or Potts
  // model's fields; a Gaussian-Bernoulli RBM anneals from its own Gaussian).
  const VectorF base = path.front()->model_base();
  const AisOptions ais = flags.ais_options(bar);
  AnnealingOptions options;
  options.particles = ais.particles();
  options.progress = ais.progress;
  const auto run = [&](const std::vector<double>& betas, int round) {
    const TrajectoryPath trajectory(path, base, trajectory_steps(path.size(), betas.size() - 1));
    AnnealingOptions seeded = options;
    seeded.seed = round_seed(flags.seed, round);
    return anneal_log_z(trajectory, seeded, "trajectory");
  };
  LogZEstimate estimate =
      spend_until_reliable(run, flags.schedule_betas(), flags.spending_options());
  estimate.diagnostics["snapshots"] = static_cast<double>(path.size());
  return estimate;
}

ProgressCallback bar_callback(ProgressBar& bar, std::string label, std::string unit) {
  return [&bar, label, unit](std::size_t done, std::size_t total) {
    bar.update(label, static_cast<double>(done), static_cast<double>(total), unit, "",
               done == total);
  };
}

}  // namespace

void EstimatorFlags::add_to(CLI::App& command, const std::string& method_flag_name,
                            const std::vector<std::string>& offered) {
  method_flag = method_flag_name;
  methods = offered;
  // The help names the methods this command offers, each once.
  const std::map<std::string, std::string> what = {
      {"exact", "sum over every state of the smaller layer (up to --max-exact-bits)"},
      {"ais", "annealed importance sampling"},
      {"bridge", "bridge sampling along the annealing path (or to --reference)"},
      {"raise", "reverse AIS, a conservative (low) estimate of the log-likelihood"},
      {"learned", "the log normalizer NCE learned (a parameter, no error bar)"},
      {"trajectory", "AIS along the snapshots of a run folder"}};
  std::vector<std::string> described;
  for (const std::string& name : offered) {
    const auto it = what.find(name);
    described.push_back(it == what.end() ? name : name + ": " + it->second);
  }
  command.add_option(method_flag_name, method, fmt::format("{}", fmt::join(described, "; ")))
      ->check(CLI::IsMember(offered))
      ->capture_default_str();
  command
      .add_option("--max-exact-bits", max_exact_bits,
                  "Refuse exact enumeration of more than 2^N states")
      ->check(CLI::Range(1, 40))
      ->capture_default_str();
  command.add_option("--chains", chains, "AIS chains (ais), Gibbs chains per level (bridge)")
      ->check(CLI::Range(1L, 1L << 24))
      ->capture_default_str();
  command
      .add_option("--replicates", replicates,
                  "ais, trajectory: run the chains as this many independent populations of "
                  "sequential Monte Carlo, each resampled when its weights grow uneven "
                  "(--resample), the error bar from their spread; 0: plain AIS, every chain "
                  "on its own")
      ->check(CLI::Range(0L, 1L << 24))
      ->capture_default_str();
  command
      .add_option("--adapt", adapt,
                  "ais, trajectory: when the log-weights spread more than --adapt-target "
                  "(their interval would not be trusted), run again with the schedule "
                  "stretched, up to --max-betas steps; off: one run, judged")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  command
      .add_option("--adapt-target", adapt_target,
                  "ais, trajectory: the largest standard deviation of the logs of the averaged "
                  "values (weights or replicates, nats) whose interval is trusted; 0: by their "
                  "number, min(0.8, 0.3 + 0.1 log2(M / 4))")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  command
      .add_option("--max-betas", max_betas,
                  "ais, trajectory: the budget of annealing steps for --adapt (0: 16 times the "
                  "schedule's)")
      ->check(CLI::Range(0L, 1000000000L))
      ->capture_default_str();
  command
      .add_option("--resample", resample,
                  "ais with --replicates: resample a population when its effective sample size "
                  "falls below this fraction of its chains")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  auto* betas_option =
      command
          .add_option(
              "--betas", betas,
              "A linear schedule of K steps (default: sm2008 for ais and raise, 30 for bridge)")
          ->check(CLI::Range(1L, 100000000L));
  auto* schedule_option =
      command
          .add_option("--schedule", schedule,
                      "Named schedule: sm2008 (500 steps to 0.5, 4,000 to 0.9, 10,000 to 1; with "
                      "--betas K, the same shape in K steps) or linear (with --betas)")
          ->check(CLI::IsMember({"sm2008", "linear"}));
  auto* file_option = command.add_option(
      "--schedule-file", schedule_file, "Betas from a file: numbers from 0 to 1, never decreasing");
  betas_option->excludes(file_option);
  schedule_option->excludes(file_option);
  command
      .add_option("--base", base,
                  "Base-rate model of the annealing path: data (independent units fitted to "
                  "the training data's marginals; for categorical data each site's state "
                  "frequencies) or model (the model's visible biases or fields)")
      ->check(CLI::IsMember({"data", "model"}))
      ->capture_default_str();
  command.add_option("--seed", seed, "Seed of the estimator's random draws")->capture_default_str();
  command.add_option("--burn-in", burn_in, "Gibbs sweeps before sampling at each level (bridge)")
      ->check(CLI::Range(0, 100000000))
      ->capture_default_str();
  command.add_option("--thinning", thinning, "Gibbs sweeps between samples (bridge)")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  command.add_option("--samples-per-chain", samples_per_chain, "Samples kept per chain (bridge)")
      ->check(CLI::Range(1L, 100000000L))
      ->capture_default_str();
  command
      .add_option("--progress", progress,
                  "Progress on stderr: auto (a bar on a terminal, else a line every 10 s), "
                  "always (the bar), never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
}

void EstimatorFlags::check_applies_to(const EnergyModel& model,
                                      const std::string& model_path) const {
  const bool rbm = dynamic_cast<const BernoulliRbm*>(&model) != nullptr;
  const bool gbrbm = dynamic_cast<const GaussianBernoulliRbm*>(&model) != nullptr;
  // Potts models and Potts RBMs anneal from independent sites (categorical.hpp).
  const bool categorical = dynamic_cast<const CategoricalModel*>(&model) != nullptr &&
                           dynamic_cast<const GibbsModel*>(&model) != nullptr;
  const auto applies = [&](const std::string& m) {
    if (m == "exact") return is_enumerable(model);
    if (m == "ais") return rbm || gbrbm || categorical;
    if (m == "raise") return rbm;
    if (m == "learned") return model.has_log_normalizer();
    if (m == "bridge") return dynamic_cast<const GibbsModel*>(&model) != nullptr;
    if (m == "trajectory")
      return dynamic_cast<const GibbsModel*>(&model) != nullptr && !run_folder.empty();
    return false;
  };
  if (applies(method)) return;
  std::vector<std::string> allowed;
  for (const std::string& m : methods) {
    if (applies(m)) allowed.push_back(m);
  }
  const std::string needs =
      method == "ais"       ? " (it needs an RBM or a Potts model)"
      : method == "raise"   ? " (it needs a Bernoulli RBM)"
      : method == "learned" ? " (it needs a log normalizer learned by nce)"
      : method == "trajectory"
          ? " (it anneals along a training run's snapshots: give the run folder "
            "of `logz train --snapshot-every N` as MODEL)"
          : "";
  throw SettingError(method_flag, fmt::format("{} does not apply to {}, {}{}; allowed for this "
                                              "model: {}",
                                              method, model_path, describe_kind(model.kind()),
                                              needs, fmt::join(allowed, ", ")));
}

std::vector<double> EstimatorFlags::schedule_betas() const {
  if (!schedule_values.empty()) return schedule_values;
  if (!schedule_file.empty()) return read_schedule(schedule_file);
  if (schedule == "sm2008") {
    // With --betas K: the same shape in K steps.
    return betas > 0 ? sm2008_shaped_schedule(static_cast<std::size_t>(betas)) : sm2008_schedule();
  }
  if (betas > 0) return linear_schedule(static_cast<std::size_t>(betas));
  if (schedule == "linear") throw SettingError("--schedule", "linear needs --betas K");
  if (method == "trajectory") return linear_schedule(kTrajectorySteps);
  return method == "bridge" ? linear_schedule(30) : sm2008_schedule();
}

AisOptions EstimatorFlags::ais_options(ProgressBar& bar) const {
  AisOptions options;
  options.chains = chains;
  options.replicates = replicates;
  options.resample_below = resample;
  options.betas = schedule_betas();
  options.seed = seed;
  options.progress =
      bar_callback(bar, method == "raise" || method == "trajectory" ? method : "ais", "step");
  return options;
}

SpendingOptions EstimatorFlags::spending_options() const {
  SpendingOptions options;
  options.adapt = adapt == "on";
  options.target_log_sd = adapt_target;
  options.max_steps = static_cast<std::size_t>(max_betas);
  return options;
}

BridgeOptions EstimatorFlags::bridge_options(ProgressBar& bar) const {
  BridgeOptions options;
  options.chains = chains;
  options.burn_in = burn_in;
  options.thinning = thinning;
  options.samples_per_chain = samples_per_chain;
  options.seed = seed;
  options.progress = bar_callback(bar, "bridge", "sweep");
  return options;
}

LogZEstimate EstimatorFlags::estimate(const EnergyModel& model, const VectorF& base,
                                      const Dataset* data, ProgressBar& bar) const {
  if (method == "exact") {
    ExactOptions options;
    options.max_bits = max_exact_bits;
    options.progress = bar_callback(bar, "exact", "state");
    return exact_log_z(model, options);
  }
  if (method == "learned") return learned_log_z(model);
  if (method == "trajectory") return trajectory_estimate(*this, model, bar);
  if (method == "ais") {
    // (A Gaussian-Bernoulli RBM anneals from its own Gaussian; `base` is not used.)
    return annealed_log_z(require_gibbs(model, method_flag), base, ais_options(bar),
                          spending_options());
  }
  const auto* gibbs = dynamic_cast<const GibbsModel*>(&model);
  if (gibbs == nullptr)
    throw SettingError(method_flag, "bridge sampling needs a model with a Gibbs sampler");
  BridgeOptions options = bridge_options(bar);
  if (data != nullptr) options.start = &data->train;
  return bridge_log_z(*gibbs, base, schedule_betas(), options);
}

std::string resolve_model_path(const std::string& given, EstimatorFlags& flags) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(given, ec)) return given;
  flags.run_folder = given;
  return (fs::path(given) / "model.safetensors").string();
}

std::optional<std::int64_t> updates_completed(const LoadedModel& loaded) {
  const auto found = loaded.metadata.find("updates_completed");
  if (found == loaded.metadata.end()) return std::nullopt;
  std::int64_t updates = 0;
  const std::string& text = found->second;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), updates);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return updates;
}

LogZEstimate learned_log_z(const EnergyModel& model) {
  LogZEstimate estimate;
  estimate.method = "learned";
  estimate.log_z = estimate.lower = estimate.upper = model.log_normalizer();
  return estimate;
}

std::vector<std::string> estimate_warnings(const LogZEstimate& estimate) {
  std::vector<std::string> warnings;
  const auto reliable = estimate.diagnostics.find("reliable");
  if (reliable != estimate.diagnostics.end() && reliable->second == 0.0) {
    warnings.push_back(fmt::format(
        "the log-weights still spread {:.2f} nats after {:.0f} steps, more than the {:.2f} whose "
        "interval can be trusted: the estimate likely errs low, and its interval has no upper end; "
        "give it more steps (--max-betas) or chains",
        estimate.diagnostics.at("log_weight_spread"), estimate.diagnostics.at("steps"),
        estimate.diagnostics.at("trusted_spread")));
  } else if (reliable == estimate.diagnostics.end() && estimate.effective_sample_size &&
             estimate.log_weights.size() > 1 &&
             *estimate.effective_sample_size < 0.1 * static_cast<double>(estimate.log_weights.size())) {
    warnings.push_back(fmt::format(
        "the importance weights rest on few chains (effective sample size {:.1f} of {}): the "
        "estimate likely errs low and its error bar is unreliable; use more --chains or a longer "
        "schedule",
        *estimate.effective_sample_size, estimate.log_weights.size()));
  }
  const auto swaps = estimate.diagnostics.find("min_swap_acceptance");
  if (swaps != estimate.diagnostics.end() && swaps->second < 0.05) {
    warnings.push_back(fmt::format(
        "neighbouring levels of the tempering ladder rarely swap (acceptance {:.3f} below beta "
        "{:.4f}): the samples may not be in equilibrium and the estimate may be biased either way "
        "beyond its error bar; use more --betas (closer levels) or a longer --burn-in",
        swaps->second, estimate.diagnostics.at("min_swap_acceptance_beta")));
  }
  const auto disagreement = estimate.diagnostics.find("start_disagreement");
  if (disagreement != estimate.diagnostics.end()) {
    const double se = estimate.diagnostics.at("start_disagreement_std_error");
    if (std::fabs(disagreement->second) > 3 * se) {
      warnings.push_back(fmt::format(
          "chains started from the data and from the base disagree by {:.3f} +/- {:.3f}: they are "
          "not in equilibrium and the estimate may be off by about that much, beyond its error "
          "bar; use a longer --burn-in",
          disagreement->second, se));
    }
  }
  const bool annealed = estimate.method == "ais" || estimate.method == "smc" ||
                        estimate.method == "trajectory";
  if (annealed && estimate.std_error > 0.0 &&
      std::fabs(estimate.lower - (estimate.log_z - std::log(40.0))) < 1e-9) {
    warnings.push_back(
        "the weights are too uneven for a t interval: its lower end is Markov's bound, "
        "log Z - log 40");
  }
  return warnings;
}

VectorF annealing_base(const EstimatorFlags& flags, const EnergyModel& model, const Dataset* data) {
  const auto* gibbs = dynamic_cast<const GibbsModel*>(&model);
  if (gibbs == nullptr) return VectorF::Zero(model.n_visible());
  if (flags.base == "data" && data != nullptr)
    return gibbs->data_base(data->train, data->train_weights);
  return gibbs->model_base();
}

}  // namespace logz::cli
