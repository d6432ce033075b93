#include "logz/models/model_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "logz/io/file.hpp"
#include "logz/io/safetensors.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/gaussian.hpp"
#include "logz/models/gaussian_bernoulli_rbm.hpp"
#include "logz/models/ica.hpp"
#include "logz/models/ising.hpp"
#include "logz/models/potts.hpp"
#include "logz/models/potts_rbm.hpp"

namespace logz {
namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

const SafetensorsTensor& require(const SafetensorsFile& file, const std::string& path,
                                 const std::string& name, std::size_t rank) {
  const SafetensorsTensor* t = file.find(name);
  if (t == nullptr) throw FileError(path, fmt::format("missing tensor \"{}\"", name));
  if (t->shape.size() != rank) {
    throw FileError(path, fmt::format("tensor \"{}\" has shape {}, expected rank {}", name,
                                      shape_text(t->shape), rank));
  }
  return *t;
}

// A model of the kind named in the file, with the sizes its tensors imply.
std::unique_ptr<EnergyModel> make_model(const std::string& kind, const SafetensorsFile& file,
                                        const std::string& path) {
  if (kind == "bernoulli_rbm" || kind == "gaussian_bernoulli_rbm") {
    const SafetensorsTensor& w = require(file, path, "W", 2);
    if (w.shape[0] == 0 || w.shape[1] == 0) {
      throw FileError(path, fmt::format("tensor \"W\" has empty shape {}", shape_text(w.shape)));
    }
    if (kind == "gaussian_bernoulli_rbm") {
      return std::make_unique<GaussianBernoulliRbm>(w.shape[0], w.shape[1]);
    }
    return std::make_unique<BernoulliRbm>(w.shape[0], w.shape[1]);
  }
  if (kind == "ising") {
    const SafetensorsTensor& j = require(file, path, "J", 2);
    if (j.shape[0] == 0 || j.shape[0] != j.shape[1]) {
      throw FileError(path, fmt::format("tensor \"J\" has shape {}, expected a square [n, n]",
                                        shape_text(j.shape)));
    }
    return std::make_unique<IsingModel>(j.shape[0]);
  }
  if (kind == "gaussian") {
    const SafetensorsTensor& p = require(file, path, "precision", 2);
    if (p.shape[0] == 0 || p.shape[0] != p.shape[1]) {
      throw FileError(path, fmt::format("tensor \"precision\" has shape {}, expected a square "
                                        "[D, D]", shape_text(p.shape)));
    }
    return std::make_unique<GaussianModel>(p.shape[0]);
  }
  if (kind == "ica") {
    const SafetensorsTensor& b = require(file, path, "B", 2);
    if (b.shape[0] == 0 || b.shape[0] != b.shape[1]) {
      throw FileError(path, fmt::format("tensor \"B\" has shape {}, expected a square [D, D]",
                                        shape_text(b.shape)));
    }
    return std::make_unique<IcaModel>(b.shape[0]);
  }
  if (kind == "potts" || kind == "potts_rbm") {
    const bool rbm = kind == "potts_rbm";
    const SafetensorsTensor& t = require(file, path, rbm ? "W" : "J", rbm ? 3 : 4);
    const auto& shape = t.shape;
    const bool fits = rbm ? shape[0] > 0 && shape[1] >= 2 && shape[1] <= 255 && shape[2] > 0
                          : shape[0] > 0 && shape[0] == shape[1] && shape[2] >= 2 &&
                                shape[2] <= 255 && shape[2] == shape[3];
    if (!fits) {
      throw FileError(
          path,
          fmt::format("tensor \"{}\" has shape {}, expected {}", t.name, shape_text(shape),
                      rbm ? "[L, q, H] with 2 <= q <= 255" : "[L, L, q, q] with 2 <= q <= 255"));
    }
    if (rbm) return std::make_unique<PottsRbm>(shape[0], shape[1], shape[2]);
    return std::make_unique<PottsModel>(shape[0], shape[2]);
  }
  throw FileError(path, fmt::format("unknown model \"{}\" in __metadata__.model (logz knows: "
                                    "bernoulli_rbm, gaussian_bernoulli_rbm, gaussian, ica, ising, "
                                    "potts, potts_rbm)",
                                    printable(kind)));
}

// The model a decoded file holds, every tensor checked; `path` names the source.
LoadedModel model_from_file(const SafetensorsFile& file, const std::string& path) {
  const auto kind = file.metadata.find("model");
  if (kind == file.metadata.end()) {
    throw FileError(path, "no __metadata__.model: not a logz model file (expected e.g. "
                          "\"model\": \"bernoulli_rbm\")");
  }
  LoadedModel loaded{make_model(kind->second, file, path), file.metadata};
  // A learned log normalizer (noise-contrastive estimation) may sit beside any model's tensors.
  if (file.find("log_z") != nullptr) loaded.model->add_log_normalizer(0.0);
  ParameterVector& parameters = loaded.model->parameters();
  for (const TensorSpec& spec : parameters.specs()) {
    const SafetensorsTensor& t = require(file, path, spec.name, spec.shape.size());
    if (!std::equal(t.shape.begin(), t.shape.end(), spec.shape.begin())) {
      throw FileError(path, fmt::format("tensor \"{}\" has shape {}, the model needs {}", spec.name,
                                        shape_text(t.shape),
                                        shape_text({spec.shape.begin(), spec.shape.end()})));
    }
    const auto target = parameters.tensor(spec.name);
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      if (!std::isfinite(t.values[i])) {
        throw FileError(path, fmt::format("tensor \"{}\" holds a non-finite value at index {}",
                                          spec.name, i));
      }
      target[i] = t.values[i];
    }
  }
  if (const auto* ising = dynamic_cast<const IsingModel*>(loaded.model.get())) {
    ising->check_couplings(path);
  }
  if (const auto* potts = dynamic_cast<const PottsModel*>(loaded.model.get())) {
    potts->check_couplings(path);
  }
  return loaded;
}

}  // namespace

std::vector<std::uint8_t> encode_model(const EnergyModel& model, const Metadata& settings) {
  Metadata metadata = settings;
  metadata["model"] = std::string(model.kind());
  metadata["logz_version"] = LOGZ_VERSION;
  std::vector<SafetensorsView> views;
  const ParameterVector& parameters = model.parameters();
  for (const TensorSpec& spec : parameters.specs()) {
    views.push_back({spec.name, std::vector<std::int64_t>(spec.shape.begin(), spec.shape.end()),
                     parameters.tensor(spec.name)});
  }
  return encode_safetensors(views, metadata);
}

void save_model(const std::string& path, const EnergyModel& model, const Metadata& settings) {
  write_file_atomic(path, encode_model(model, settings));
}

LoadedModel load_model(const std::string& path) {
  return model_from_file(read_safetensors(path), path);
}

LoadedModel decode_model(std::span<const std::uint8_t> bytes, const std::string& source) {
  return model_from_file(decode_safetensors(bytes, source), source);
}

}  // namespace logz
