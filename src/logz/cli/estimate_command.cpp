#include <fmt/format.h>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/models/model_file.hpp"

namespace logz::cli {
namespace {

struct EstimateFlags {
  std::string model_path;
  EstimatorFlags estimator;
  bool json = false;
};

void run(const EstimateFlags& flags) {
  const LoadedModel loaded = load_model(flags.model_path);
  const LogZEstimate estimate = flags.estimator.estimate(*loaded.model);
  if (flags.json) {
    nlohmann::json j = to_json(estimate);
    j["model"] = flags.model_path;
    j["kind"] = loaded.model->kind();
    print_json(j);
  } else {
    fmt::print("log Z = {:.6f}  (exact: {} states summed, {:.2f} s)\n", estimate.log_z,
               estimate.samples, estimate.seconds);
  }
}

}  // namespace

Command add_estimate_command(CLI::App& app) {
  auto flags = std::make_shared<EstimateFlags>();
  CLI::App* command = app.add_subcommand(
      "estimate", "Estimate log Z of a saved model, with its error bar");
  command->add_option("model", flags->model_path, "Model file (.safetensors)")->required();
  flags->estimator.add_to(*command, "--method");
  command->add_flag("--json", flags->json,
                    "Print one JSON object: log_z, std_error, lower, upper, "
                    "effective_sample_size, method, samples, seconds");
  return {command, [flags] { run(*flags); }};
}

}  // namespace logz::cli
