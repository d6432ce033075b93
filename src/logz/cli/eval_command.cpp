#include <fmt/format.h>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/models/model_file.hpp"

namespace logz::cli {
namespace {

struct EvalFlags {
  std::string model_path;
  DataFlags data;
  std::string split = "test";
  EstimatorFlags estimator;
  bool json = false;
};

void run(const EvalFlags& flags) {
  const LoadedModel loaded = load_model(flags.model_path);
  const EnergyModel& model = *loaded.model;
  const Dataset dataset = load_data_for(flags.data, model);
  MatrixF data;
  if (flags.split == "test") {
    data = dataset.test;
  } else if (flags.split == "train") {
    data = dataset.train;
  } else {
    data.resize(dataset.train.rows() + dataset.test.rows(), dataset.train.cols());
    data << dataset.train, dataset.test;
  }
  if (data.rows() == 0) throw SettingError("--split", "the " + flags.split + " split is empty");
  const LogZEstimate log_z = flags.estimator.estimate(model);
  const LogLikelihood result = average_log_likelihood(model, data, log_z);
  if (flags.json) {
    nlohmann::json j = to_json(result);
    j["model"] = flags.model_path;
    j["data"] = dataset.name;
    j["split"] = flags.split;
    j["logz_method"] = flags.estimator.method;
    print_json(j);
    return;
  }
  fmt::print("data {} ({} split, {} examples)\n", dataset.name, flags.split, result.examples);
  fmt::print("log Z = {:.6f}  ({}, {} states summed, {:.2f} s)\n", log_z.log_z, log_z.method,
             log_z.samples, log_z.seconds);
  fmt::print("average log-likelihood = {:.4f} nats per example\n", result.average);
  fmt::print("  error bar from log Z: +/- {:.4f} ({})\n", result.log_z_std_error,
             log_z.std_error == 0.0 ? "exact" : "1 standard error");
  fmt::print("  standard error of the mean over these examples: +/- {:.4f}\n",
             result.std_error_of_mean);
}

}  // namespace

Command add_eval_command(CLI::App& app) {
  auto flags = std::make_shared<EvalFlags>();
  CLI::App* command = app.add_subcommand(
      "eval", "Average log-likelihood of a data set under a saved model, in nats per example");
  command->add_option("model", flags->model_path, "Model file (.safetensors)")->required();
  flags->data.add_to(*command);
  command->add_option("--split", flags->split, "Which examples: test, train or all")
      ->check(CLI::IsMember({"test", "train", "all"}))
      ->capture_default_str();
  flags->estimator.add_to(*command, "--logz-method");
  command->add_flag("--json", flags->json,
                    "Print one JSON object: avg_log_likelihood, std_error, std_error_of_mean, "
                    "log_z, examples, ...");
  return {command, [flags] { run(*flags); }};
}

}  // namespace logz::cli
