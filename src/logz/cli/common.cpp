#include "logz/cli/common.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <cmath>
#include <cstdio>

#include "logz/data/alignment.hpp"
#include "logz/error.hpp"
#include "logz/math/blas.hpp"
#include "logz/models/categorical.hpp"

namespace logz::cli {

void DataFlags::add_to(CLI::App& command) {
  source_option =
      command
          .add_option("--data", source,
                      "Data set: mnist10k (bundled), fashion-mnist (Debian package "
                      "dataset-fashion-mnist), a path to an IDX, CSV or NPY file, or a multiple "
                      "sequence alignment for Potts models (FASTA, A2M, Stockholm: .fa, .afa, "
                      ".a2m, .sto, ...; .gz allowed)")
          ->capture_default_str();
  command.add_option("--test-data", test_source,
                     "Test set file for a --data path (default: the last --test-count rows)");
  command.add_option("--test-count", test_count,
                     "Rows held out at the end as the test set (default: 1000 for mnist10k, "
                     "10% for a file; fashion-mnist has its own test set)")
      ->check(CLI::Range(0L, 1L << 40));
  command.add_option("--binarize", binarize,
                     "auto (threshold image pixels, keep other data), none, threshold, "
                     "stochastic (x ~ Bernoulli(value))")
      ->check(CLI::IsMember({"auto", "none", "threshold", "stochastic"}))
      ->capture_default_str();
  command.add_option("--threshold", threshold,
                     "Binarization threshold as a fraction of the maximum value, in (0, 1)")
      ->capture_default_str();
  command.add_option("--binarize-seed", binarize_seed,
                     "Seed of stochastic binarization and of dequantization")
      ->capture_default_str();
  command.add_option("--dequantize", dequantize,
                     "For models of real-valued units (gbrbm, gaussian, ica): auto (8-bit pixels "
                     "k become (k + u) / 256, u ~ Uniform(0, 1), a proper continuous density; "
                     "other data as is), uniform (the same; pixel data only), none (k / 255)")
      ->check(CLI::IsMember({"auto", "uniform", "none"}))
      ->capture_default_str();
  command.add_flag("--standardize", standardize,
                   "For models of real-valued units: shift and scale each column to mean 0 and "
                   "standard deviation 1 on the training split (after dequantization); "
                   "log-likelihoods are also reported in the original units");
  command
      .add_option("--states", states,
                  "Read a CSV, NPY or IDX file as categorical data: integer codes 0..Q-1 "
                  "(alignments take Q from --alphabet)")
      ->type_name("Q")
      ->check(CLI::Range(2, 256));
  command
      .add_option("--alphabet", alphabet,
                  "Letters of an alignment, code 0 first: protein (-ACDEFGHIKLMNPQRSTVWY, the "
                  "default), dna (-ACGT), rna (-ACGU) or the letters themselves")
      ->type_name("NAME|LETTERS");
  command
      .add_option("--reweight", reweight,
                  "Weigh each sequence by 1 / (number of sequences at identity >= THETA with "
                  "it), e.g. 0.8 (Morcos et al. 2011); 0: no weights")
      ->type_name("THETA")
      ->check(CLI::Range(0.0, 1.0));
  command.add_flag("--unknown-as-gap", unknown_as_gap,
                   "Read alignment letters outside the alphabet (X, B, Z, N, ...) as gaps "
                   "instead of failing");
}

DataOptions DataFlags::options(bool continuous_model) const {
  DataOptions options;
  options.source = source;
  options.test_source = test_source;
  if (test_count >= 0) options.test_count = test_count;
  options.binarization = parse_binarization(binarize);
  if (continuous_model && options.binarization == Binarization::automatic) {
    options.binarization = Binarization::none;
  }
  options.threshold = threshold;
  options.seed = binarize_seed;
  options.dequantization = continuous_model ? parse_dequantization(dequantize) : Dequantization::none;
  if (!continuous_model && dequantize == "uniform") {
    throw SettingError("--dequantize", "is for models of real-valued units; this model's units "
                                       "are binary");
  }
  if (!continuous_model && standardize) {
    throw SettingError("--standardize", "is for models of real-valued units; this model's units "
                                        "are binary");
  }
  options.standardize = standardize;
  options.states = states;
  options.alphabet = alphabet;
  options.reweight = reweight;
  options.unknown_as_gap = unknown_as_gap;
  return options;
}

DataFlags with_model_preprocessing(const DataFlags& flags, const LoadedModel& loaded) {
  DataFlags f = flags;
  if (const auto it = loaded.metadata.find("dequantize"); it != loaded.metadata.end()) {
    f.dequantize = it->second;
  }
  if (const auto it = loaded.metadata.find("standardize"); it != loaded.metadata.end()) {
    f.standardize = it->second == "true";
  }
  // Letters read as they were for training: the model's alphabet, unless given.
  if (const auto it = loaded.metadata.find("alphabet");
      it != loaded.metadata.end() && f.alphabet.empty() && has_alignment_extension(f.source)) {
    f.alphabet = it->second;
  }
  if (const auto it = loaded.metadata.find("unknown_as_gap");
      it != loaded.metadata.end() && it->second == "true" && has_alignment_extension(f.source)) {
    f.unknown_as_gap = true;
  }
  return f;
}

std::string describe_kind(std::string_view kind) {
  if (kind == "bernoulli_rbm") return "a Bernoulli RBM";
  if (kind == "ising") return "an Ising model";
  if (kind == "gaussian_bernoulli_rbm") return "a Gaussian-Bernoulli RBM";
  if (kind == "gaussian") return "a Gaussian";
  if (kind == "ica") return "an ICA model";
  if (kind == "potts") return "a Potts model";
  if (kind == "potts_rbm") return "a Potts RBM";
  return fmt::format("a model of kind {}", kind);
}

void check_fits(const EnergyModel& model, ConstMatrixRef data, const std::string& data_name,
                const std::string& split, const std::string& model_path) {
  const std::string model_name = model_path.empty() ? "the model" : "model " + model_path;
  if (data.cols() != model.n_visible()) {
    throw Error(fmt::format("data {} has {} values per example, but {} has {} visible units",
                            data_name, data.cols(), model_name, model.n_visible()));
  }
  if (const auto* categorical = dynamic_cast<const CategoricalModel*>(&model)) {
    if (const auto at = find_non_code(data, categorical->n_states())) {
      throw Error(fmt::format(
          "data {} ({} set) has the value {} at row {}, column {}, but {} ({}) "
          "has {} states per site (codes 0..{}); pass the model's --states "
          "and --alphabet",
          data_name, split, data(at->first, at->second), at->first + 1, at->second + 1, model_name,
          describe_kind(model.kind()), categorical->n_states(), categorical->n_states() - 1));
    }
  }
  if (model.binary_visible()) {
    if (const auto at = find_non_binary(data)) {
      throw Error(fmt::format("data {} ({} set) has a non-binary value {} at row {}, column {}, "
                              "but {} ({}) has binary units; pass --binarize threshold or "
                              "--binarize stochastic",
                              data_name, split, data(at->first, at->second), at->first + 1,
                              at->second + 1, model_name, describe_kind(model.kind())));
    }
  }
}

Dataset load_data_for(const DataFlags& flags, const EnergyModel& model,
                      const std::string& model_path) {
  const bool continuous =
      !model.binary_visible() && dynamic_cast<const CategoricalModel*>(&model) == nullptr;
  DataFlags f = flags;
  // A categorical model reads its data with its own states and alphabet.
  if (const auto* categorical = dynamic_cast<const CategoricalModel*>(&model);
      categorical != nullptr && f.states == 0 && !has_alignment_extension(f.source) &&
      f.source != "mnist10k" && f.source != "fashion-mnist") {
    f.states = static_cast<int>(categorical->n_states());
  }
  Dataset dataset = load_dataset(f.options(continuous));
  check_fits(model, dataset.train, dataset.name, "training", model_path);
  check_fits(model, dataset.test, dataset.name, "test", model_path);
  return dataset;
}

std::optional<Dataset> data_for_model(const DataFlags& flags, const LoadedModel& loaded,
                                      const std::string& model_path) {
  if (flags.given()) return load_data_for(with_model_preprocessing(flags, loaded), *loaded.model, model_path);
  const auto data = loaded.metadata.find("data");
  if (data == loaded.metadata.end()) return std::nullopt;
  DataFlags from_file = flags;
  from_file.source = data->second;
  const auto get = [&](const char* key) {
    const auto it = loaded.metadata.find(key);
    return it == loaded.metadata.end() ? std::string() : it->second;
  };
  if (!get("binarize").empty()) from_file.binarize = get("binarize");
  if (!get("threshold").empty()) from_file.threshold = std::stod(get("threshold"));
  if (!get("binarize_seed").empty()) from_file.binarize_seed = std::stoull(get("binarize_seed"));
  // Categorical data as it was read for training: its alphabet (letters), or
  // its number of states for integer codes, and how unknown letters went.
  if (!get("alphabet").empty()) from_file.alphabet = get("alphabet");
  if (!get("states").empty() && from_file.alphabet.empty())
    from_file.states = std::stoi(get("states"));
  if (get("unknown_as_gap") == "true") from_file.unknown_as_gap = true;
  from_file = with_model_preprocessing(from_file, loaded);
  return load_data_for(from_file, *loaded.model, model_path);
}

nlohmann::json to_json(const LogZEstimate& estimate) {
  nlohmann::json j;
  j["method"] = estimate.method;
  j["log_z"] = estimate.log_z;
  j["std_error"] = estimate.std_error;
  // -inf (an interval reaching zero weight) has no JSON spelling: null.
  j["lower"] = std::isfinite(estimate.lower) ? nlohmann::json(estimate.lower) : nlohmann::json(nullptr);
  j["upper"] = std::isfinite(estimate.upper) ? nlohmann::json(estimate.upper) : nlohmann::json(nullptr);
  j["effective_sample_size"] = estimate.effective_sample_size
                                   ? nlohmann::json(*estimate.effective_sample_size)
                                   : nlohmann::json(nullptr);
  j["samples"] = estimate.samples;
  j["seconds"] = estimate.seconds;
  if (!estimate.diagnostics.empty()) j["diagnostics"] = estimate.diagnostics;
  return j;
}

nlohmann::json to_json(const LogLikelihood& log_likelihood) {
  nlohmann::json j;
  j["avg_log_likelihood"] = log_likelihood.average;
  // The error bar of the average itself is the one log Z carries.
  j["std_error"] = log_likelihood.log_z_std_error;
  j["std_error_of_mean"] = log_likelihood.std_error_of_mean;
  j["examples"] = log_likelihood.examples;
  j["log_z"] = log_likelihood.log_z.log_z;
  j["log_z_estimate"] = to_json(log_likelihood.log_z);
  return j;
}

void print_json(const nlohmann::json& value) {
  std::fputs(value.dump(2).c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void set_threads(int threads) {
  if (threads < 0) throw SettingError("--threads", "must be >= 0 (0: all cores)");
  if (threads == 0) return;
  set_blas_threads(threads);
  omp_set_num_threads(threads);
}

nlohmann::json picture_geometry_json(const GrayImage& image, const GridLayout& layout) {
  return {{"width", image.width},         {"height", image.height},
          {"columns", layout.columns},    {"rows", layout.rows},
          {"tile_width", layout.tile.width}, {"tile_height", layout.tile.height},
          {"scale", layout.scale}};
}

}  // namespace logz::cli
