#include "logz/train/checkpoint.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "logz/error.hpp"
#include "logz/io/safetensors.hpp"

namespace logz {
namespace {

constexpr const char* kStateKey = "train.state";
constexpr const char* kVelocity = "train.optimizer.velocity";
constexpr const char* kSecondMoment = "train.optimizer.second_moment";
constexpr const char* kObjectivePrefix = "train.objective.";
constexpr const char* kMonitorPrefix = "train.monitor.";

// Doubles as hexadecimal floats: exact in both directions.
std::string exact_text(double x) {
  return fmt::format("{:a}", x);
}

double parse_exact(const nlohmann::json& value, const std::string& path, const char* key) {
  const std::string text = value.get<std::string>();
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    throw FileError(path, fmt::format("train.state.{} is not a number: \"{}\"", key, text));
  }
  return x;
}

nlohmann::json stream_json(const RandomStream::State& s) {
  return {{"seed", s.seed}, {"stream", s.stream}, {"position", s.position}};
}

RandomStream::State parse_stream(const nlohmann::json& j) {
  return {j.at("seed").get<std::uint64_t>(), j.at("stream").get<std::uint64_t>(),
          j.at("position").get<std::uint64_t>()};
}

}  // namespace

void save_checkpoint(const std::string& path, const EnergyModel& model, const TrainerState& state,
                     const Metadata& metadata, const ObjectiveState& monitor) {
  nlohmann::json j = {{"epoch", state.epoch},
                      {"batches_done", state.batches_done},
                      {"order", state.order},
                      {"shuffle", stream_json(state.shuffle)},
                      {"sampling", stream_json(state.sampling)},
                      {"objective_sum", exact_text(state.objective_sum)},
                      {"objective_count", state.objective_count},
                      {"reconstruction_sum", exact_text(state.reconstruction_sum)},
                      {"reconstruction_count", state.reconstruction_count},
                      {"epoch_seconds", exact_text(state.epoch_seconds)},
                      {"optimizer_steps", state.optimizer.steps},
                      {"objective_counts", state.objective.counts}};
  Metadata all = metadata;
  all["model"] = std::string(model.kind());
  all["logz_version"] = LOGZ_VERSION;
  all[kStateKey] = j.dump();

  std::vector<SafetensorsView> views;
  const ParameterVector& parameters = model.parameters();
  for (const TensorSpec& spec : parameters.specs()) {
    views.push_back({spec.name, std::vector<std::int64_t>(spec.shape.begin(), spec.shape.end()),
                     parameters.tensor(spec.name)});
  }
  const auto add_vector = [&](const char* name, const std::vector<float>& values) {
    if (!values.empty())
      views.push_back({name, {static_cast<std::int64_t>(values.size())}, values});
  };
  add_vector(kVelocity, state.optimizer.velocity);
  add_vector(kSecondMoment, state.optimizer.second_moment);
  const auto add_matrices = [&](const std::string& prefix, const ObjectiveState& part) {
    for (const auto& [name, matrix] : part.matrices) {
      views.push_back(
          {prefix + name,
           {static_cast<std::int64_t>(matrix.rows()), static_cast<std::int64_t>(matrix.cols())},
           std::span<const float>(matrix.data(), static_cast<std::size_t>(matrix.size()))});
    }
  };
  add_matrices(kObjectivePrefix, state.objective);
  add_matrices(kMonitorPrefix, monitor);
  write_safetensors(path, views, all);
}

LoadedCheckpoint load_checkpoint(const std::string& path, EnergyModel& model) {
  const LoadedModel saved = load_model(path);
  if (saved.model->kind() != model.kind() ||
      !saved.model->parameters().same_layout(model.parameters())) {
    throw FileError(path, fmt::format("holds a {} with {} parameters; this run trains a {} with {}",
                                      saved.model->kind(), saved.model->parameters().size(),
                                      model.kind(), model.parameters().size()));
  }
  const auto state_text = saved.metadata.find(kStateKey);
  if (state_text == saved.metadata.end()) {
    throw FileError(path,
                    "is a model file without training state (no __metadata__.\"train.state\"): "
                    "not a checkpoint");
  }
  LoadedCheckpoint loaded;
  TrainerState& state = loaded.state;
  try {
    const nlohmann::json j = nlohmann::json::parse(state_text->second);
    state.epoch = j.at("epoch").get<int>();
    state.batches_done = j.at("batches_done").get<Index>();
    state.order = j.at("order").get<std::vector<Index>>();
    state.shuffle = parse_stream(j.at("shuffle"));
    state.sampling = parse_stream(j.at("sampling"));
    state.objective_sum = parse_exact(j.at("objective_sum"), path, "objective_sum");
    state.objective_count = j.at("objective_count").get<std::int64_t>();
    state.reconstruction_sum = parse_exact(j.at("reconstruction_sum"), path, "reconstruction_sum");
    state.reconstruction_count = j.at("reconstruction_count").get<std::int64_t>();
    state.epoch_seconds = parse_exact(j.at("epoch_seconds"), path, "epoch_seconds");
    state.optimizer.steps = j.at("optimizer_steps").get<std::int64_t>();
    state.objective.counts = j.at("objective_counts").get<std::map<std::string, std::int64_t>>();
  } catch (const nlohmann::json::exception& e) {
    throw FileError(
        path,
        fmt::format("__metadata__.\"train.state\" is not a valid training state: {}", e.what()));
  }

  // The tensors beyond the model's.
  const SafetensorsFile file = read_safetensors(path);
  for (const SafetensorsTensor& t : file.tensors) {
    if (model.parameters().contains(t.name)) continue;
    if (t.name == kVelocity) {
      state.optimizer.velocity = t.values;
    } else if (t.name == kSecondMoment) {
      state.optimizer.second_moment = t.values;
    } else if ((t.name.starts_with(kObjectivePrefix) || t.name.starts_with(kMonitorPrefix)) &&
               t.shape.size() == 2) {
      const bool objective = t.name.starts_with(kObjectivePrefix);
      const std::size_t prefix = std::string(objective ? kObjectivePrefix : kMonitorPrefix).size();
      MatrixF& m = (objective ? state.objective : loaded.monitor).matrices[t.name.substr(prefix)];
      m.resize(t.shape[0], t.shape[1]);
      std::copy(t.values.begin(), t.values.end(), m.data());
    } else {
      throw FileError(path, fmt::format("unexpected tensor \"{}\" in a checkpoint", t.name));
    }
  }
  std::copy(saved.model->parameters().values().begin(), saved.model->parameters().values().end(),
            model.parameters().values().begin());
  loaded.metadata = saved.metadata;
  loaded.metadata.erase(kStateKey);
  return loaded;
}

}  // namespace logz
