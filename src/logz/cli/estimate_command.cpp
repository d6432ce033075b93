#include <fmt/format.h>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/models/model_file.hpp"

namespace logz::cli {
namespace {

struct EstimateFlags {
  std::string model_path;
  std::string method = "exact";
  int max_exact_bits = ExactOptions{}.max_bits;
  bool json = false;
};

void run(const EstimateFlags& flags) {
  const LoadedModel loaded = load_model(flags.model_path);
  ExactOptions options;
  options.max_bits = flags.max_exact_bits;
  const LogZEstimate estimate = exact_log_z(*loaded.model, options);
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
  command->add_option("--method", flags->method,
                      "exact: sum over every state of the smaller layer (RBMs with up to "
                      "--max-exact-bits units in it)")
      ->check(CLI::IsMember({"exact"}))
      ->capture_default_str();
  command->add_option("--max-exact-bits", flags->max_exact_bits,
                      "Refuse exact enumeration of more than 2^N states")
      ->check(CLI::Range(1, 40))
      ->capture_default_str();
  command->add_flag("--json", flags->json,
                    "Print one JSON object: log_z, std_error, lower, upper, "
                    "effective_sample_size, method, samples, seconds");
  return {command, [flags] { run(*flags); }};
}

}  // namespace logz::cli
