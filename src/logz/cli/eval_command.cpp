#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <optional>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/cli/estimator_flags.hpp"
#include "logz/estimators/bracket.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/estimators/raise.hpp"
#include "logz/models/categorical.hpp"
#include "logz/models/model_file.hpp"
#include "logz/objectives/bit_flip_objectives.hpp"
#include "logz/objectives/categorical_pseudolikelihood.hpp"
#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz::cli {
namespace {

struct EvalFlags {
  std::string model_path;
  DataFlags data;
  std::string split = "test";
  EstimatorFlags estimator;
  std::string metric = "log-likelihood";
  bool bracket = false;
  double time_budget = 0.0;
  long examples = 100;
  long raise_betas = 14500;
  bool json = false;
};

MatrixF split_of(const Dataset& dataset, const std::string& split) {
  if (split == "test") return dataset.test;
  if (split == "train") return dataset.train;
  MatrixF all(dataset.train.rows() + dataset.test.rows(), dataset.train.cols());
  all << dataset.train, dataset.test;
  return all;
}

// The sequence weights of the split's rows (dataset.hpp: computed within each
// split), or empty when the data has none.
std::vector<double> weights_of(const Dataset& dataset, const std::string& split) {
  if (split == "test") return dataset.test_weights;
  if (split == "train") return dataset.train_weights;
  if (dataset.train_weights.empty() || dataset.test_weights.empty()) return {};
  std::vector<double> all = dataset.train_weights;
  all.insert(all.end(), dataset.test_weights.begin(), dataset.test_weights.end());
  return all;
}

// The weighted average sum_n w_n log p(x_n) / sum_n w_n = weighted mean(-F)
// - log Z, which counts each cluster of similar sequences about once; and
// sum_n w_n, the effective number of examples.
std::pair<double, double> weighted_log_likelihood(const EnergyModel& model, ConstMatrixRef data,
                                                  const std::vector<double>& weights,
                                                  double log_z) {
  std::vector<double> free_energy(static_cast<std::size_t>(data.rows()));
  model.free_energy(data, free_energy);
  double total = 0.0, weighted = 0.0;
  for (std::size_t r = 0; r < free_energy.size(); ++r) {
    total += weights[r];
    weighted -= weights[r] * free_energy[r];
  }
  return {weighted / total - log_z, total};
}

std::string interval_text(double lower, double upper) {
  const auto number = [](double x) { return std::isfinite(x) ? fmt::format("{:.4f}", x) : fmt::format("{}", x); };
  return "[" + number(lower) + ", " + number(upper) + "]";
}

void run_raise(const EvalFlags& flags, const GibbsModel& rbm, const VectorF& base,
               const MatrixF& data, const std::string& data_name, ProgressBar& bar) {
  const AisOptions options = flags.estimator.ais_options(bar);
  const RaiseResult r = raise_log_likelihood(rbm, base, data, options);
  bar.clear();
  if (flags.json) {
    print_json({{"avg_log_likelihood", r.average},
                {"std_error", r.std_error_of_mean},
                {"std_error_of_mean", r.std_error_of_mean},
                {"lower", r.average - 3 * r.std_error_of_mean},
                {"upper", r.average + 3 * r.std_error_of_mean},
                {"examples", data.rows()},
                {"log_z", nullptr},
                {"bound", "stochastic lower bound (RAISE)"},
                {"betas", options.betas.size()},
                {"seconds", r.seconds},
                {"model", flags.model_path},
                {"data", data_name},
                {"split", flags.split},
                {"logz_method", "raise"}});
    return;
  }
  fmt::print("data {} ({} split, {} examples)\n", data_name, flags.split, data.rows());
  fmt::print("average log-likelihood >= {:.4f} nats per example  (RAISE, {} steps, {:.1f} s)\n",
             r.average, options.betas.size() - 1, r.seconds);
  fmt::print("  a stochastic lower bound: each example's estimate is unbiased for the annealing\n"
             "  model, whose log is low in expectation; +/- {:.4f} is its standard error over "
             "examples\n", r.std_error_of_mean);
}

std::string bound_text(double x) {
  return std::isfinite(x) ? fmt::format("{:.4f}", x) : fmt::format("{}", x);
}

// --bracket: the average log-likelihood bounded from both sides (bracket.hpp).
void run_bracket(const EvalFlags& flags, const GibbsModel& rbm, const VectorF& base,
                 const MatrixF& data, const std::string& data_name, ProgressBar& bar) {
  BracketOptions options;
  options.time_budget = flags.time_budget;
  options.forward = flags.estimator.ais_options(bar);
  options.spending = flags.estimator.spending_options();
  options.raise_steps = static_cast<std::size_t>(flags.raise_betas);
  options.examples = flags.examples;
  options.seed = flags.estimator.seed;
  options.progress = options.forward.progress;
  const LogLikelihoodBracket b = log_likelihood_bracket(rbm, base, data, options);
  bar.clear();
  const double width = b.upper - b.lower;
  if (flags.json) {
    nlohmann::json forward = to_json(b.forward);
    forward["steps"] = b.forward.diagnostics.at("steps");
    print_json({{"bracket", {{"lower", b.lower},
                             {"upper", std::isfinite(b.upper) ? nlohmann::json(b.upper) : nlohmann::json(nullptr)},
                             {"width", std::isfinite(width) ? nlohmann::json(width) : nlohmann::json(nullptr)}}},
                {"avg_negative_free_energy", b.average_negative_free_energy},
                {"examples", b.examples},
                {"forward", forward},
                {"raise", {{"log_z_upper", b.log_z_upper},
                           {"std_error", b.log_z_upper_std_error},
                           {"examples", b.raise_examples},
                           {"steps", b.raise_steps},
                           {"seconds", b.raise_seconds}}},
                {"time_budget", flags.time_budget},
                {"seconds", b.seconds},
                {"model", flags.model_path},
                {"data", data_name},
                {"split", flags.split},
                {"warnings", estimate_warnings(b.forward)}});
    return;
  }
  fmt::print("data {} ({} split, {} examples)\n", data_name, flags.split, b.examples);
  fmt::print("average log-likelihood in [{}, {}] nats per example: width {}  ({:.1f} s)\n",
             bound_text(b.lower), bound_text(b.upper), bound_text(width), b.seconds);
  fmt::print("  upper: mean(-F) {:.4f} minus the low end of log Z = {:.4f} +/- {:.4f} (forward "
             "annealing, {} steps; it errs low)\n",
             b.average_negative_free_energy, b.forward.log_z, b.forward.std_error,
             b.forward.diagnostics.at("steps"));
  fmt::print("  lower: mean(-F) minus log Z <= {:.4f} +/- {:.4f} (RAISE from {} of the {} "
             "examples, drawn at random, {} steps; it errs high)\n",
             b.log_z_upper, b.log_z_upper_std_error, b.raise_examples, b.examples, b.raise_steps);
  for (const std::string& warning : estimate_warnings(b.forward)) fmt::print("  warning: {}\n", warning);
}

void run_pseudolikelihood(const EvalFlags& flags, const EnergyModel& model, const MatrixF& data,
                          const std::string& data_name) {
  const auto start = std::chrono::steady_clock::now();
  const bool categorical = dynamic_cast<const CategoricalModel*>(&model) != nullptr;
  const std::vector<double> values = categorical ? categorical_pseudo_log_likelihood(model, data)
                                                 : pseudo_log_likelihood(model, data);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double n = static_cast<double>(values.size());
  double sum = 0.0, squares = 0.0;
  for (double v : values) sum += v;
  const double average = sum / n;
  for (double v : values) squares += (v - average) * (v - average);
  const double se = n > 1 ? std::sqrt(squares / (n - 1) / n) : 0.0;
  if (flags.json) {
    print_json({{"metric", "pseudolikelihood"},
                {"avg_pseudo_log_likelihood", average},
                {"std_error_of_mean", se},
                {"examples", data.rows()},
                {"seconds", seconds},
                {"model", flags.model_path},
                {"data", data_name},
                {"split", flags.split}});
    return;
  }
  fmt::print("data {} ({} split, {} examples)\n", data_name, flags.split, data.rows());
  fmt::print(
      "average pseudo-log-likelihood = {:.4f} nats per example (exact: all {} {}, {:.2f} s)\n",
      average, data.cols(), categorical ? "sites" : "bits", seconds);
  fmt::print("  standard error of the mean over these examples: +/- {:.4f}\n", se);
}

void run(EvalFlags flags) {
  flags.model_path = resolve_model_path(flags.model_path, flags.estimator);
  const LoadedModel loaded = load_model(flags.model_path);
  flags.estimator.model_updates = updates_completed(loaded);
  const EnergyModel& model = *loaded.model;
  if (flags.metric == "log-likelihood" && !flags.bracket) {
    flags.estimator.check_applies_to(model, flags.model_path);
  }
  // Without --data, the data set named in the model file, read as it was for
  // training; else (a file that names none) --data's default.
  std::optional<Dataset> named = data_for_model(flags.data, loaded, flags.model_path);
  const Dataset dataset =
      named ? std::move(*named)
            : load_data_for(with_model_preprocessing(flags.data, loaded), model, flags.model_path);
  const MatrixF data = split_of(dataset, flags.split);
  if (data.rows() == 0) throw SettingError("--split", "the " + flags.split + " split is empty");
  if (flags.metric == "pseudolikelihood") {
    run_pseudolikelihood(flags, model, data, dataset.name);
    return;
  }
  ProgressBar bar(parse_progress_mode(flags.estimator.progress));
  VectorF base;
  if (flags.bracket || (flags.estimator.method != "exact" && flags.estimator.method != "learned")) {
    base = annealing_base(flags.estimator, model, &dataset);
  }
  if (flags.bracket) {
    run_bracket(flags, require_gibbs(model, "--bracket"), base, data, dataset.name, bar);
    return;
  }
  if (flags.estimator.method == "raise") {
    run_raise(flags, require_gibbs(model, "raise"), base, data, dataset.name, bar);
    return;
  }
  const LogZEstimate log_z = flags.estimator.estimate(model, base, &dataset, bar);
  bar.clear();
  const LogLikelihood result = average_log_likelihood(model, data, log_z);
  // log p = mean(-F) - log Z: log Z's interval maps onto the average, reversed.
  const double lower = result.average - (log_z.upper - log_z.log_z);
  const double upper = result.average + (log_z.log_z - log_z.lower);
  const std::vector<double> weights = weights_of(dataset, flags.split);
  const auto [weighted_average, effective_examples] =
      weights.empty() ? std::pair<double, double>{result.average, 0.0}
                      : weighted_log_likelihood(model, data, weights, log_z.log_z);
  if (flags.json) {
    nlohmann::json j = to_json(result);
    j["lower"] = std::isfinite(lower) ? nlohmann::json(lower) : nlohmann::json(nullptr);
    j["upper"] = std::isfinite(upper) ? nlohmann::json(upper) : nlohmann::json(nullptr);
    j["model"] = flags.model_path;
    j["data"] = dataset.name;
    j["split"] = flags.split;
    j["logz_method"] = flags.estimator.method;
    j["warnings"] = estimate_warnings(log_z);
    j["dequantized"] = dataset.dequantized;
    j["standardized"] = dataset.standardized;
    if (!weights.empty()) {
      j["weighted_avg_log_likelihood"] = weighted_average;
      j["effective_examples"] = effective_examples;
    }
    if (dataset.standardized) {
      j["log_jacobian"] = dataset.log_jacobian;
      j["avg_log_likelihood_before_standardization"] = result.average + dataset.log_jacobian;
    }
    if (model.has_log_normalizer() && log_z.method != "learned") {
      const LogLikelihood learned = average_log_likelihood(model, data, learned_log_z(model));
      j["learned_normalizer"] = {{"log_z", learned.log_z.log_z},
                                 {"avg_log_likelihood", learned.average},
                                 {"note", "log Z is the parameter NCE learned, not an estimate"}};
    }
    print_json(j);
    return;
  }
  fmt::print("data {} ({} split, {} examples{})\n", dataset.name, flags.split, result.examples,
             dataset.dequantized ? ", dequantized pixels (k + u) / 256" : "");
  if (log_z.method == "exact" && log_z.diagnostics.contains("closed_form")) {
    fmt::print("log Z = {:.6f}  (exact, closed form)\n", log_z.log_z);
  } else if (log_z.method == "exact") {
    fmt::print("log Z = {:.6f}  (exact, {} states summed, {:.2f} s)\n", log_z.log_z, log_z.samples,
               log_z.seconds);
  } else if (log_z.method == "learned") {
    fmt::print("log Z = {:.6f}  (the log normalizer learned by NCE: a parameter of the model, not "
               "an estimate of its log Z)\n", log_z.log_z);
  } else {
    fmt::print("log Z = {:.6f} +/- {:.6f}  ({}, {:.2f} s)\n", log_z.log_z, log_z.std_error,
               log_z.method, log_z.seconds);
  }
  fmt::print("average log-likelihood = {:.4f} nats per example\n", result.average);
  if (log_z.method == "exact") {
    fmt::print("  error bar from log Z: +/- 0 (exact)\n");
  } else if (log_z.method == "learned") {
    fmt::print("  labelled as such: it is right only as far as NCE fitted the normalizer; compare "
               "--logz-method exact or ais\n");
  } else {
    fmt::print("  error bar from log Z: +/- {:.4f} (the average is mean(-F) - log Z, so it moves\n"
               "  exactly as log Z does); 3-standard-error interval {}\n",
               result.log_z_std_error, interval_text(lower, upper));
    if (log_z.method == "ais") {
      fmt::print("  AIS errs low on log Z, so this average errs high; compare --logz-method raise\n");
    }
  }
  fmt::print("  standard error of the mean over these examples: +/- {:.4f}\n",
             result.std_error_of_mean);
  if (!weights.empty()) {
    fmt::print(
        "weighted by the sequence weights (--reweight, {:.1f} effective examples): {:.4f} "
        "nats per example, the same error bar from log Z\n",
        effective_examples, weighted_average);
  }
  if (model.has_log_normalizer() && log_z.method != "learned") {
    const LogLikelihood learned = average_log_likelihood(model, data, learned_log_z(model));
    fmt::print("with the log normalizer NCE learned ({:.4f}, a parameter, not an estimate): "
               "{:.4f} nats per example\n", learned.log_z.log_z, learned.average);
  }
  if (dataset.standardized) {
    fmt::print("on the data before standardization: {:.4f} nats per example (log Jacobian "
               "{:.4f})\n", result.average + dataset.log_jacobian, dataset.log_jacobian);
  }
  if (dataset.dequantized) {
    fmt::print("  (a density on (0, 1)^{0}; minus {0} log 256 = {1:.1f} nats it bounds the "
               "log-probability of the 8-bit images from below)\n",
               data.cols(), static_cast<double>(data.cols()) * std::log(256.0));
  }
  for (const std::string& warning : estimate_warnings(log_z)) fmt::print("  warning: {}\n", warning);
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto flags = std::make_shared<EvalFlags>();
  CLI::App* command = app.add_subcommand(
      "eval", "Average log-likelihood of a data set under a saved model, in nats per example");
  command->add_option("model", flags->model_path,
                      "Model file (.safetensors), or the run folder of `logz train` (its "
                      "model.safetensors; --logz-method trajectory anneals along its snapshots)")
      ->required();
  flags->data.add_to(*command);
  command->add_option("--split", flags->split, "Which examples: test, train or all")
      ->check(CLI::IsMember({"test", "train", "all"}))
      ->capture_default_str();
  flags->estimator.add_to(*command, "--logz-method",
                          {"exact", "ais", "bridge", "raise", "learned", "trajectory"});
  command->add_option("--metric", flags->metric,
                      "log-likelihood (needs log Z) or pseudolikelihood (the exact "
                      "pseudo-log-likelihood over all bits, sum_i log p(x_i | x_-i); no Z)")
      ->check(CLI::IsMember({"log-likelihood", "pseudolikelihood"}))
      ->capture_default_str();
  CLI::Option* bracket = command->add_flag("--bracket", flags->bracket,
                    "Bound the average log-likelihood from both sides: above by forward annealing "
                    "(--chains, --replicates, --max-betas), below by RAISE from --examples examples "
                    "(--raise-betas); prints both and the width");
  command->add_option("--time-budget", flags->time_budget,
                      "--bracket: seconds for both bounds, shared by measuring each (0: the step "
                      "counts given)")
      ->check(CLI::Range(0.0, 1e9))
      ->needs(bracket)
      ->capture_default_str();
  command->add_option("--examples", flags->examples,
                      "--bracket: examples RAISE runs from, drawn at random with --seed (0: all)")
      ->check(CLI::Range(0L, 1L << 30))
      ->needs(bracket)
      ->capture_default_str();
  command->add_option("--raise-betas", flags->raise_betas,
                      "--bracket without --time-budget: RAISE's steps (sm2008's shape)")
      ->check(CLI::Range(3L, 1000000000L))
      ->needs(bracket)
      ->capture_default_str();
  command->add_flag("--json", flags->json,
                    "Print one JSON object: avg_log_likelihood, std_error, lower, upper, "
                    "std_error_of_mean, log_z, examples, ...");
  return {command, [flags] { run(*flags); }};
}

}  // namespace logz::cli
