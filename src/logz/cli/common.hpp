// What the subcommands share: the data flags, loading a model, checking that
// data and model fit, JSON output, and the process-wide thread setting.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "logz/data/dataset.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/estimators/log_z_estimate.hpp"
#include "logz/models/energy_model.hpp"
#include "logz/models/model_file.hpp"
#include "logz/io/png.hpp"
#include "logz/viz/image_grid.hpp"

namespace logz::cli {

// --data, --test-data, --test-count, --binarize, --threshold, --binarize-seed,
// --dequantize, --standardize, and for categorical data --states, --alphabet,
// --reweight, --unknown-as-gap
struct DataFlags {
  std::string source = "mnist10k";
  std::string test_source;
  long test_count = -1;
  std::string binarize = "auto";
  double threshold = 0.5;
  std::uint64_t binarize_seed = 0;
  std::string dequantize = "auto";
  bool standardize = false;
  int states = 0;
  std::string alphabet;
  double reweight = 0.0;
  bool unknown_as_gap = false;

  CLI::Option* source_option = nullptr;  // to tell a given --data from the default

  void add_to(CLI::App& command);
  // "auto" means what the model needs: binary units get thresholded pixels;
  // real-valued units (`continuous_model`) get dequantized pixels, not binarized.
  DataOptions options(bool continuous_model = false) const;
  bool given() const { return source_option != nullptr && source_option->count() > 0; }
};

// The flags with the preprocessing the model was trained on (its metadata's
// dequantize and standardize) in place of the given ones: a density is
// only comparable on the data as the model saw it.
DataFlags with_model_preprocessing(const DataFlags& flags, const LoadedModel& loaded);

// Loads the data set and checks it against the model read from
// `model_path`: the same number of visible units, and binary values for a
// binary model. Throws Error (exit code 1) naming the data, the model and,
// for a value that does not fit, its row and column.
Dataset load_data_for(const DataFlags& flags, const EnergyModel& model,
                      const std::string& model_path);
// The data set a command uses beside a model: --data when given, else the
// data set named in the model file (binarized as it was for training), else
// none (nullopt).
std::optional<Dataset> data_for_model(const DataFlags& flags, const LoadedModel& loaded,
                                      const std::string& model_path);
void check_fits(const EnergyModel& model, ConstMatrixRef data, const std::string& data_name,
                const std::string& split, const std::string& model_path = "");

// "a Bernoulli RBM", "an Ising model": the model's kind in a sentence.
std::string describe_kind(std::string_view kind);

nlohmann::json to_json(const LogZEstimate& estimate);
nlohmann::json to_json(const LogLikelihood& log_likelihood);

// One JSON object on stdout.
void print_json(const nlohmann::json& value);

// The size and layout of a picture that a command wrote, for its --json:
// width, height (pixels), columns, rows, tile_width, tile_height, scale.
nlohmann::json picture_geometry_json(const GrayImage& image, const GridLayout& layout);

// Sets the BLAS and OpenMP thread counts (0: leave the defaults, all cores).
void set_threads(int threads);

}  // namespace logz::cli
