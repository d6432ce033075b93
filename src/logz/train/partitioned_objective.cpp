#include "logz/train/partitioned_objective.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>

#include "logz/error.hpp"
#include "logz/io/safetensors.hpp"
#include "logz/parallel/communicator.hpp"

namespace logz {
namespace {

constexpr const char* kUpdatesName = "partitioned.updates";

// ObjectiveState as bytes, for the broadcast of a part's state: a
// safetensors image, the matrices as tensors and the counts as metadata.
std::vector<std::uint8_t> to_bytes(const ObjectiveState& state) {
  std::vector<SafetensorsView> tensors;
  for (const auto& [name, m] : state.matrices) {
    tensors.push_back({name,
                       {m.rows(), m.cols()},
                       std::span<const float>(m.data(), static_cast<std::size_t>(m.size()))});
  }
  std::map<std::string, std::string> counts;
  for (const auto& [name, count] : state.counts)
    counts[name] = std::to_string(count);
  return encode_safetensors(tensors, counts);
}

ObjectiveState from_bytes(const std::vector<std::uint8_t>& bytes) {
  const SafetensorsFile file = decode_safetensors(bytes, "a part's shared objective state");
  ObjectiveState state;
  for (const SafetensorsTensor& t : file.tensors) {
    state.matrices[t.name] = ConstMatrixMap(t.values.data(), t.shape.at(0), t.shape.at(1));
  }
  for (const auto& [name, count] : file.metadata)
    state.counts[name] = std::stoll(count);
  return state;
}

}  // namespace

std::string part_state_name(Index part, const std::string& name) {
  return fmt::format("part{}.{}", part, name);
}

PartitionedObjective::PartitionedObjective(
    Index parts, const std::function<std::unique_ptr<Objective>(Index)>& make_part) {
  if (parts < 1) throw SettingError("--micro-batches", "must be at least 1");
  for (Index k = 0; k < parts; ++k)
    parts_.push_back(make_part(k));
}

StepReport PartitionedObjective::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                          ParameterVector& gradient, RandomStream& stream) {
  const Communicator& world = Communicator::world();
  const Index k_parts = parts(), n = batch.rows();
  if (n < k_parts) {
    throw SettingError("--micro-batches", fmt::format("a batch of {} examples cannot be cut into "
                                                      "{} micro-batches",
                                                      n, k_parts));
  }
  model_ = &model;
  const IndexRange mine = world.share(k_parts);
  const auto size = static_cast<Index>(gradient.values().size());
  // Kept between updates: a fresh K x D matrix every update costs its page faults.
  MatrixF& partials = partials_;
  partials.resize(k_parts, size);
  if (!part_gradient_.same_layout(gradient)) part_gradient_ = gradient.zeros_like();
  ParameterVector& part_gradient = part_gradient_;
  // Per part: objective and reconstruction error (NaN where it reports none).
  std::vector<double> objectives, reconstructions;
  StepReport first_report;
  for (Index k = mine.begin; k < mine.end; ++k) {
    const Index begin = n * k / k_parts, end = n * (k + 1) / k_parts;
    RandomStream part_stream =
        k == 0 ? stream
               : RandomStream(RandomStream::State{stream.state().seed,
                                                  static_cast<std::uint64_t>(StreamId::sampling) +
                                                      (static_cast<std::uint64_t>(k) << 32),
                                                  static_cast<std::uint64_t>(updates_) << 32});
    StepReport report;
    {
      // A part's own work (an exact negative phase, say) is not shared out.
      Communicator::Alone alone;
      report = parts_[static_cast<std::size_t>(k)]->gradient(
          model, batch.middleRows(begin, end - begin), part_gradient, part_stream);
    }
    if (k == 0) {
      stream = part_stream;
      first_report = report;
    }
    const float weight =
        static_cast<float>(static_cast<double>(end - begin) / static_cast<double>(n));
    const auto values = part_gradient.values();
    for (Index i = 0; i < size; ++i)
      partials(k, i) = weight * values[static_cast<std::size_t>(i)];
    constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
    objectives.push_back(report.objective.value_or(kNone));
    reconstructions.push_back(report.reconstruction_error.value_or(kNone));
  }
  ++updates_;
  world.ordered_sum(partials, gradient.values());
  // The report: the parts' values weighed by their examples; the diagnostics
  // of part 0 (rank 0's, the one that prints).
  const std::vector<double> all_objectives = world.all_gather(objectives, k_parts);
  const std::vector<double> all_reconstructions = world.all_gather(reconstructions, k_parts);
  const auto weighted = [&](const std::vector<double>& values) -> std::optional<double> {
    double sum = 0.0;
    for (Index k = 0; k < k_parts; ++k) {
      const double v = values[static_cast<std::size_t>(k)];
      if (std::isnan(v)) return std::nullopt;
      sum += v * static_cast<double>(n * (k + 1) / k_parts - n * k / k_parts);
    }
    return sum / static_cast<double>(n);
  };
  StepReport report;
  report.objective = weighted(all_objectives);
  report.reconstruction_error = weighted(all_reconstructions);
  report.diagnostics = first_report.diagnostics;
  return report;
}

void PartitionedObjective::share_states() const {
  const Communicator& world = Communicator::world();
  if (!world.distributed() || model_ == nullptr) return;
  for (Index k = 0; k < parts(); ++k) {
    int owner = 0;
    while (world.share(parts(), owner).end <= k)
      ++owner;
    std::vector<std::uint8_t> bytes;
    if (world.rank() == owner) bytes = to_bytes(parts_[static_cast<std::size_t>(k)]->state());
    world.broadcast(bytes, owner);
    if (world.rank() != owner)
      parts_[static_cast<std::size_t>(k)]->restore(from_bytes(bytes), *model_);
  }
}

ObjectiveState PartitionedObjective::state() const {
  share_states();
  ObjectiveState state;
  for (Index k = 0; k < parts(); ++k) {
    const ObjectiveState part = parts_[static_cast<std::size_t>(k)]->state();
    for (const auto& [name, m] : part.matrices)
      state.matrices[part_state_name(k, name)] = m;
    for (const auto& [name, c] : part.counts)
      state.counts[part_state_name(k, name)] = c;
  }
  state.counts[kUpdatesName] = updates_;
  return state;
}

std::optional<ChainState> PartitionedObjective::persistent_chains() const {
  share_states();
  std::vector<ChainState> chains;
  for (const auto& part : parts_) {
    std::optional<ChainState> c = part->persistent_chains();
    if (!c) return std::nullopt;
    chains.push_back(std::move(*c));
  }
  const auto stack = [&](auto member) {
    Index rows = 0;
    for (const ChainState& c : chains)
      rows += (c.*member).rows();
    MatrixF all(rows, (chains.front().*member).cols());
    Index at = 0;
    for (const ChainState& c : chains) {
      if ((c.*member).rows() > 0) all.middleRows(at, (c.*member).rows()) = c.*member;
      at += (c.*member).rows();
    }
    return all;
  };
  ChainState all;
  all.visible = stack(&ChainState::visible);
  all.visible_probability = stack(&ChainState::visible_probability);
  all.hidden = stack(&ChainState::hidden);
  all.hidden_probability = stack(&ChainState::hidden_probability);
  return all;
}

void PartitionedObjective::restore(const ObjectiveState& state, const EnergyModel& model) {
  std::vector<ObjectiveState> part_states(parts_.size());
  std::size_t used = 0;
  for (Index k = 0; k < parts(); ++k) {
    const std::string prefix = part_state_name(k, "");
    ObjectiveState& part = part_states[static_cast<std::size_t>(k)];
    for (const auto& [name, m] : state.matrices) {
      if (name.starts_with(prefix)) {
        part.matrices[name.substr(prefix.size())] = m;
        ++used;
      }
    }
    for (const auto& [name, c] : state.counts) {
      if (name.starts_with(prefix)) {
        part.counts[name.substr(prefix.size())] = c;
        ++used;
      }
    }
  }
  const auto updates = state.counts.find(kUpdatesName);
  if (updates == state.counts.end() || used + 1 != state.matrices.size() + state.counts.size()) {
    throw Error(
        fmt::format("the checkpoint's objective state is not that of {} micro-batches "
                    "(--micro-batches must be what the run was started with)",
                    parts()));
  }
  for (Index k = 0; k < parts(); ++k) {
    parts_[static_cast<std::size_t>(k)]->restore(part_states[static_cast<std::size_t>(k)], model);
  }
  updates_ = updates->second;
  model_ = &model;
}

}  // namespace logz
