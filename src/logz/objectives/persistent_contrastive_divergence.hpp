// Persistent contrastive divergence / stochastic maximum likelihood (Younes
// 1989; Tieleman, "Training restricted Boltzmann machines using approximations
// to the likelihood gradient", ICML 2008).
//
//   gradient = 1/n sum_i dF(x_i)/dtheta - 1/m sum_j dF(x~_j)/dtheta
//
// where x~_1..x~_m are persistent Markov chains, advanced by k Gibbs sweeps
// per update and never restarted: with a small learning rate they stay close
// to the model's distribution, so the second term estimates E_model[dF/dtheta]
// and the gradient that of the mean negative log-likelihood. The chains start
// at the first minibatch seen (repeated to fill them). No objective value.
#pragma once

#include "logz/objectives/objective.hpp"

namespace logz {

class PersistentContrastiveDivergence final : public Objective {
 public:
  // chains >= 1 persistent chains (0: as many as the first batch has rows), k >= 1.
  PersistentContrastiveDivergence(Index chains, int k);
  std::string_view name() const override { return "pcd"; }
  bool takes_example_weights() const override { return true; }
  StepReport weighted_gradient(const EnergyModel& model, ConstMatrixRef batch,
                               std::span<const double> weights, ParameterVector& gradient,
                               RandomStream& stream) override;
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override;

  // The chains' state, for inspection; empty before the first step.
  const ChainState& chains() const { return chains_; }
  void set_chains(ChainState chains) { chains_ = std::move(chains); }

  // The chains' four matrices (those not empty).
  ObjectiveState state() const override;
  std::optional<ChainState> persistent_chains() const override;
  void restore(const ObjectiveState& state, const EnergyModel& model) override;

 private:
  Index n_chains_;
  int k_;
  ChainState chains_;
};

}  // namespace logz
