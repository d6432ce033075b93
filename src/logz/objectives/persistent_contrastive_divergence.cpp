#include "logz/objectives/persistent_contrastive_divergence.hpp"

#include <fmt/format.h>

#include <vector>

#include "logz/error.hpp"
#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz {

PersistentContrastiveDivergence::PersistentContrastiveDivergence(Index chains, int k)
    : n_chains_(chains), k_(k) {
  if (chains < 0) throw SettingError("--chains", "the number of persistent chains must be >= 1");
  if (k < 1) throw SettingError("--k", "the number of Gibbs sweeps must be at least 1");
}

namespace {

// The members of a chain state, by the names a checkpoint gives them.
template <typename State, typename Visit>
void for_each_part(State& chains, Visit visit) {
  visit("chains.visible", chains.visible);
  visit("chains.visible_probability", chains.visible_probability);
  visit("chains.hidden", chains.hidden);
  visit("chains.hidden_probability", chains.hidden_probability);
}

}  // namespace

ObjectiveState PersistentContrastiveDivergence::state() const {
  ObjectiveState state;
  for_each_part(chains_, [&](const char* name, const MatrixF& part) {
    if (part.size() > 0) state.matrices[name] = part;
  });
  return state;
}

std::optional<ChainState> PersistentContrastiveDivergence::persistent_chains() const {
  if (chains_.chains() == 0) return std::nullopt;
  return chains_;
}

void PersistentContrastiveDivergence::restore(const ObjectiveState& state, const EnergyModel& model) {
  ChainState chains;
  std::size_t used = 0;
  for_each_part(chains, [&](const char* name, MatrixF& part) {
    if (const auto found = state.matrices.find(name); found != state.matrices.end()) {
      part = found->second;
      ++used;
    }
  });
  if (used != state.matrices.size() || !state.counts.empty()) {
    throw Error("the checkpoint's chain state has parts that pcd does not know");
  }
  if (chains.chains() > 0) {
    const Index expected = n_chains_ > 0 ? n_chains_ : chains.chains();
    if (chains.chains() != expected || chains.visible.cols() != model.n_visible()) {
      throw Error(fmt::format("the checkpoint holds {} chains of {} units; this run needs {} of {}",
                              chains.chains(), chains.visible.cols(), expected, model.n_visible()));
    }
  }
  chains_ = std::move(chains);
}

StepReport PersistentContrastiveDivergence::gradient(const EnergyModel& model,
                                                     ConstMatrixRef batch,
                                                     ParameterVector& gradient,
                                                     RandomStream& stream) {
  return weighted_gradient(model, batch, {}, gradient, stream);
}

StepReport PersistentContrastiveDivergence::weighted_gradient(const EnergyModel& model,
                                                              ConstMatrixRef batch,
                                                              std::span<const double> weights,
                                                              ParameterVector& gradient,
                                                              RandomStream& stream) {
  const GibbsModel& gibbs = require_gibbs(model, "pcd");
  if (chains_.chains() == 0) {
    const Index m = n_chains_ > 0 ? n_chains_ : batch.rows();
    MatrixF start(m, batch.cols());
    for (Index i = 0; i < m; ++i) start.row(i) = batch.row(i % batch.rows());
    gibbs.start_chains(start, chains_, stream);
  }
  gradient.set_zero();
  if (weights.empty()) {
    model.add_free_energy_gradient(batch, 1.0 / static_cast<double>(batch.rows()), gradient);
  } else {
    // The data's weighted statistics, as Boltzmann-machine learning of protein
    // families uses them (bmDCA: Figliuzzi, Barrat-Charlaix & Weigt 2018).
    std::vector<double> scaled(weights.begin(), weights.end());
    for (double& w : scaled)
      w /= static_cast<double>(batch.rows());
    model.add_weighted_free_energy_gradient(batch, scaled, gradient);
  }
  for (int sweep = 0; sweep < k_; ++sweep) gibbs.gibbs_sweep(chains_, stream);
  gibbs.add_chain_gradient(chains_, -1.0 / static_cast<double>(chains_.chains()), gradient);
  return {};
}

}  // namespace logz
