#include "logz/cli/estimator_flags.hpp"

#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "logz/error.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/models/gaussian_bernoulli_rbm.hpp"
#include "logz/models/ising.hpp"
#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz::cli {
namespace {

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
  command.add_option(method_flag_name, method,
                     "exact: sum over every state of the smaller layer (up to --max-exact-bits); "
                     "ais: annealed importance sampling; bridge: bridge sampling along the "
                     "annealing path (or to --reference); raise: reverse AIS, a conservative "
                     "(low) estimate of the log-likelihood")
      ->check(CLI::IsMember(offered))
      ->capture_default_str();
  command.add_option("--max-exact-bits", max_exact_bits,
                     "Refuse exact enumeration of more than 2^N states")
      ->check(CLI::Range(1, 40))
      ->capture_default_str();
  command.add_option("--chains", chains, "AIS chains (ais), Gibbs chains per level (bridge)")
      ->check(CLI::Range(1L, 1L << 24))
      ->capture_default_str();
  auto* betas_option = command.add_option(
      "--betas", betas, "A linear schedule of K steps (default: sm2008 for ais and raise, 30 for bridge)")
      ->check(CLI::Range(1L, 100000000L));
  auto* schedule_option =
      command.add_option("--schedule", schedule,
                         "Named schedule: sm2008 (500 steps to 0.5, 4,000 to 0.9, 10,000 to 1) "
                         "or linear (with --betas)")
          ->check(CLI::IsMember({"sm2008", "linear"}));
  auto* file_option = command.add_option(
      "--schedule-file", schedule_file,
      "Betas from a file: numbers from 0 to 1, never decreasing");
  betas_option->excludes(file_option);
  schedule_option->excludes(file_option);
  command.add_option("--base", base,
                     "Base-rate model of the annealing path: data (independent units fitted to "
                     "the training data's marginals) or model (the model's visible biases)")
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
  command.add_option("--progress", progress,
                     "Progress on stderr: auto (a bar on a terminal, else a line every 10 s), "
                     "always (the bar), never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
}

void EstimatorFlags::check_applies_to(const EnergyModel& model, const std::string& model_path) const {
  const bool rbm = dynamic_cast<const BernoulliRbm*>(&model) != nullptr;
  const bool gbrbm = dynamic_cast<const GaussianBernoulliRbm*>(&model) != nullptr;
  const auto applies = [&](const std::string& m) {
    if (m == "exact") return is_enumerable(model);
    if (m == "ais") return rbm || gbrbm;
    if (m == "raise") return rbm;
    if (m == "learned") return model.has_log_normalizer();
    if (m == "bridge") return dynamic_cast<const GibbsModel*>(&model) != nullptr;
    return false;
  };
  if (applies(method)) return;
  std::vector<std::string> allowed;
  for (const std::string& m : methods) {
    if (applies(m)) allowed.push_back(m);
  }
  const std::string needs = method == "ais"       ? " (it needs an RBM)"
                            : method == "raise"   ? " (it needs a Bernoulli RBM)"
                            : method == "learned" ? " (it needs a log normalizer learned by nce)"
                                                  : "";
  throw SettingError(method_flag, fmt::format("{} does not apply to {}, {}{}; allowed for this "
                                              "model: {}",
                                              method, model_path, describe_kind(model.kind()),
                                              needs, fmt::join(allowed, ", ")));
}

std::vector<double> EstimatorFlags::schedule_betas() const {
  if (!schedule_file.empty()) return read_schedule(schedule_file);
  if (schedule == "sm2008") {
    if (betas > 0) throw SettingError("--betas", "--schedule sm2008 has its own 14,500 steps");
    return sm2008_schedule();
  }
  if (betas > 0) return linear_schedule(static_cast<std::size_t>(betas));
  if (schedule == "linear") throw SettingError("--schedule", "linear needs --betas K");
  return method == "bridge" ? linear_schedule(30) : sm2008_schedule();
}

AisOptions EstimatorFlags::ais_options(ProgressBar& bar) const {
  AisOptions options;
  options.chains = chains;
  options.betas = schedule_betas();
  options.seed = seed;
  options.progress = bar_callback(bar, method == "raise" ? "raise" : "ais", "step");
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
  if (method == "ais") {
    if (const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model)) {
      return ais_log_z(*rbm, base, ais_options(bar));
    }
    // A Gaussian-Bernoulli RBM anneals from its own Gaussian; `base` is not used.
    return ais_log_z(require_gibbs(model, method_flag), &base, ais_options(bar));
  }
  const auto* gibbs = dynamic_cast<const GibbsModel*>(&model);
  if (gibbs == nullptr) throw SettingError(method_flag, "bridge sampling needs a model with a Gibbs sampler");
  BridgeOptions options = bridge_options(bar);
  if (data != nullptr) options.start = &data->train;
  return bridge_log_z(*gibbs, base, schedule_betas(), options);
}

LogZEstimate learned_log_z(const EnergyModel& model) {
  LogZEstimate estimate;
  estimate.method = "learned";
  estimate.log_z = estimate.lower = estimate.upper = model.log_normalizer();
  return estimate;
}

std::vector<std::string> estimate_warnings(const LogZEstimate& estimate) {
  std::vector<std::string> warnings;
  if (estimate.effective_sample_size && estimate.samples > 0 &&
      *estimate.effective_sample_size < 0.1 * static_cast<double>(estimate.samples)) {
    warnings.push_back(fmt::format(
        "the importance weights rest on few chains (effective sample size {:.1f} of {}): the "
        "estimate likely errs low and its error bar is unreliable; use more --chains or a longer "
        "schedule", *estimate.effective_sample_size, estimate.samples));
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
          "bar; use a longer --burn-in", disagreement->second, se));
    }
  }
  if (estimate.method == "ais" && !std::isfinite(estimate.lower)) {
    warnings.push_back("the 3-standard-error interval reaches zero weight (lower = -inf)");
  }
  return warnings;
}

VectorF annealing_base(const EstimatorFlags& flags, const EnergyModel& model, const Dataset* data) {
  if (flags.base == "data" && data != nullptr) return visible_log_odds(data->train);
  if (const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model)) return rbm->b();
  if (const auto* ising = dynamic_cast<const IsingModel*>(&model)) return ising->h();
  return VectorF::Zero(model.n_visible());
}

}  // namespace logz::cli
