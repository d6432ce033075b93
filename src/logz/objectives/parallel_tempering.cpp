#include "logz/objectives/parallel_tempering.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "logz/error.hpp"

#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz {

ParallelTempering::ParallelTempering(Index chains, int temperatures, int k, VectorF base_visible_bias)
    : n_chains_(chains), temperatures_(temperatures), k_(k), base_(std::move(base_visible_bias)) {
  if (chains < 0) throw SettingError("--chains", "the number of chains must be >= 1");
  if (temperatures < 2) throw SettingError("--temperatures", "a tempering ladder needs at least 2 temperatures");
  if (k < 1) throw SettingError("--k", "the number of sweeps must be at least 1");
}

namespace {

std::vector<double> equally_spaced_betas(int temperatures) {
  std::vector<double> betas(static_cast<std::size_t>(temperatures));
  for (int t = 0; t < temperatures; ++t) {
    betas[static_cast<std::size_t>(t)] = static_cast<double>(t) / (temperatures - 1);
  }
  return betas;
}

}  // namespace

std::optional<ChainState> ParallelTempering::persistent_chains() const {
  if (ladder_ == nullptr) return std::nullopt;
  ChainState top;
  top.visible = ladder_->states(ladder_->levels() - 1);
  return top;
}

ObjectiveState ParallelTempering::state() const {
  ObjectiveState state;
  if (ladder_ == nullptr) return state;
  for (std::size_t l = 0; l < ladder_->levels(); ++l) {
    state.matrices[fmt::format("ladder.level{:04}", l)] = ladder_->states(l);
  }
  const TemperingLadder::SwapCounts counts = ladder_->swap_counts();
  for (std::size_t l = 0; l < counts.accepted.size(); ++l) {
    state.counts[fmt::format("ladder.accepted{:04}", l)] = counts.accepted[l];
    state.counts[fmt::format("ladder.proposed{:04}", l)] = counts.proposed[l];
  }
  state.counts["ladder.sweeps"] = counts.sweeps;
  return state;
}

void ParallelTempering::restore(const ObjectiveState& state, const EnergyModel& model) {
  if (state.empty()) {
    ladder_.reset();
    return;
  }
  const GibbsModel& gibbs = require_gibbs(model, "pt");
  const auto levels = static_cast<std::size_t>(temperatures_);
  if (state.matrices.size() != levels || state.counts.size() != 2 * (levels - 1) + 1) {
    throw Error(fmt::format("the checkpoint holds a ladder of {} levels; this run has {} "
                            "temperatures", state.matrices.size(), temperatures_));
  }
  const auto count = [&](const std::string& name) {
    const auto found = state.counts.find(name);
    if (found == state.counts.end()) throw Error("the checkpoint's ladder lacks " + name);
    return found->second;
  };
  TemperingLadder::SwapCounts counts;
  std::vector<MatrixF> states;
  for (std::size_t l = 0; l < levels; ++l) {
    const auto found = state.matrices.find(fmt::format("ladder.level{:04}", l));
    if (found == state.matrices.end()) throw Error(fmt::format("the checkpoint's ladder lacks level {}", l));
    const MatrixF& level = found->second;
    const Index replicas = states.empty() ? (n_chains_ > 0 ? n_chains_ : level.rows()) : states.front().rows();
    if (level.cols() != model.n_visible() || level.rows() != replicas || replicas == 0) {
      throw Error(fmt::format("the checkpoint's ladder level {} is {} x {}; this run needs {} x {}", l,
                              level.rows(), level.cols(), replicas, model.n_visible()));
    }
    states.push_back(found->second);
    if (l + 1 < levels) {
      counts.accepted.push_back(count(fmt::format("ladder.accepted{:04}", l)));
      counts.proposed.push_back(count(fmt::format("ladder.proposed{:04}", l)));
    }
  }
  counts.sweeps = count("ladder.sweeps");
  ladder_ = std::make_unique<TemperingLadder>(gibbs, &base_, equally_spaced_betas(temperatures_),
                                              std::move(states), std::move(counts));
  model_ = &model;
}

StepReport ParallelTempering::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                       ParameterVector& gradient, RandomStream& stream) {
  const GibbsModel& gibbs = require_gibbs(model, "pt");
  if (ladder_ == nullptr || model_ != &model) {
    const Index m = n_chains_ > 0 ? n_chains_ : batch.rows();
    ladder_ = std::make_unique<TemperingLadder>(gibbs, &base_, equally_spaced_betas(temperatures_), m,
                                                stream);
    // Every chain starts at the first batch (like PCD's), annealed down the ladder.
    ladder_->anneal(1, stream, batch, m);
    model_ = &model;
  }
  gradient.set_zero();
  model.add_free_energy_gradient(batch, 1.0 / static_cast<double>(batch.rows()), gradient);
  for (int sweep = 0; sweep < k_; ++sweep) ladder_->sweep(stream);
  const MatrixF& top = ladder_->states(ladder_->levels() - 1);
  model.add_free_energy_gradient(top, -1.0 / static_cast<double>(top.rows()), gradient);
  StepReport report;
  const std::vector<double> rates = ladder_->swap_acceptance();
  double sum = 0.0;
  for (double r : rates) sum += r;
  report.diagnostics["swap_acceptance"] = sum / static_cast<double>(rates.size());
  report.diagnostics["swap_acceptance_min"] = *std::min_element(rates.begin(), rates.end());
  return report;
}

}  // namespace logz
