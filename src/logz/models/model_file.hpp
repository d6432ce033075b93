// Model files: safetensors with the model's tensors under their own names and
// `__metadata__` holding "model" (the kind, e.g. "bernoulli_rbm"), "logz_version"
// and whatever settings the caller passes (training settings, for example).
//
//   bernoulli_rbm:  W [n_visible, n_hidden], b [n_visible], c [n_hidden], float32
//   gaussian_bernoulli_rbm:  W [V, H], b [V], c [H], log_sigma [V], float32
//   ising:          J [n, n] (symmetric, zero diagonal), h [n], float32
//   potts:          J [L, L, q, q] (J[j][i] = J[i][j]^T, zero diagonal blocks), h [L, q], float32
//   potts_rbm:      W [L, q, H], b [L, q], c [H], float32
//   (categorical models: "alphabet" in the metadata holds the letters of codes 0..q-1, when known)
//   gaussian:       mean [D], precision [D, D], float32
//   ica:            B [D, D] (demixing matrix), float32
//
// Any model may also hold "log_z" [1], a log normalizer learned by
// noise-contrastive estimation (EnergyModel::has_log_normalizer).
//
// numpy reads them with a dozen lines, or with the `safetensors` package.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "logz/models/energy_model.hpp"

namespace logz {

using Metadata = std::map<std::string, std::string>;

struct LoadedModel {
  std::unique_ptr<EnergyModel> model;
  Metadata metadata;
};

// Writes atomically (temporary file, then rename).
void save_model(const std::string& path, const EnergyModel& model, const Metadata& settings = {});
// The bytes save_model writes (Python's pickling keeps a model this way).
std::vector<std::uint8_t> encode_model(const EnergyModel& model, const Metadata& settings = {});

// Throws FileError naming the path for a file that is not a logz model: an
// unknown kind, a missing tensor, a shape that does not fit, non-finite values.
LoadedModel load_model(const std::string& path);
// The same from the bytes of a model file; `source` names them in errors.
LoadedModel decode_model(std::span<const std::uint8_t> bytes, const std::string& source);

// The same for a model that must be a particular type.
template <typename Model>
std::unique_ptr<Model> load_model_as(const std::string& path, std::string_view expected_kind);

}  // namespace logz

#include "logz/error.hpp"

namespace logz {

template <typename Model>
std::unique_ptr<Model> load_model_as(const std::string& path, std::string_view expected_kind) {
  LoadedModel loaded = load_model(path);
  auto* typed = dynamic_cast<Model*>(loaded.model.get());
  if (typed == nullptr) {
    throw FileError(path, "holds a " + std::string(loaded.model->kind()) + ", not a " +
                              std::string(expected_kind));
  }
  loaded.model.release();
  return std::unique_ptr<Model>(typed);
}

}  // namespace logz
