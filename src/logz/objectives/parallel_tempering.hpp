// Stochastic maximum likelihood with parallel tempering (Desjardins,
// Courville, Bengio, Vincent & Delalleau, "Tempered Markov chain Monte Carlo
// for training of restricted Boltzmann machines", AISTATS 2010).
//
// As PCD, but the persistent chains live on a ladder of `temperatures`
// inverse temperatures, equally spaced from the base-rate model (beta = 0,
// exact draws; independent units with the data's marginals) to the model
// (beta = 1). Each update runs k sweeps of the ladder (a sweep at every level,
// then swaps between neighbours; sampling/tempering_ladder.hpp); the negative
// phase uses the chains at beta = 1, which can now cross between modes that
// plain Gibbs chains would never leave:
//
//   gradient = 1/n sum_i dF(x_i)/dtheta - 1/m sum_j dF(x~_j)/dtheta,  x~ at beta = 1
//
// The mean and lowest swap acceptance rates (cumulative) are reported as
// diagnostics; a rate near zero means neighbouring temperatures are too far
// apart for the ladder to help.
#pragma once

#include <memory>

#include "logz/objectives/objective.hpp"
#include "logz/sampling/tempering_ladder.hpp"

namespace logz {

class ParallelTempering final : public Objective {
 public:
  // chains per temperature (0: the first batch's size), temperatures >= 2, k >= 1.
  ParallelTempering(Index chains, int temperatures, int k, VectorF base_visible_bias);
  std::string_view name() const override { return "pt"; }
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override;
  const TemperingLadder* ladder() const { return ladder_.get(); }

  // Every level's states and the swap counts.
  ObjectiveState state() const override;
  // The ladder's states at beta = 1 (binary; no means).
  std::optional<ChainState> persistent_chains() const override;
  void restore(const ObjectiveState& state, const EnergyModel& model) override;

 private:
  Index n_chains_;
  int temperatures_;
  int k_;
  VectorF base_;
  std::unique_ptr<TemperingLadder> ladder_;
  const EnergyModel* model_ = nullptr;
};

}  // namespace logz
