// Contrastive divergence CD-k (Hinton, "Training products of experts by
// minimizing contrastive divergence", Neural Computation 2002).
//
//   gradient = 1/n sum_i dF(x_i)/dtheta - 1/n sum_i dF(x~_i)/dtheta
//
// where x~_i is the visible state after k Gibbs sweeps started at the data
// point x_i. It is a biased estimate of the log-likelihood gradient (exact as
// k -> infinity) and has no objective value; the reconstruction error of the
// first sweep is reported instead.
#pragma once

#include "logz/objectives/objective.hpp"

namespace logz {

class ContrastiveDivergence final : public Objective {
 public:
  // k >= 1 Gibbs sweeps.
  explicit ContrastiveDivergence(int k);
  std::string_view name() const override { return "cd"; }
  int k() const { return k_; }
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override;

 private:
  int k_;
  ChainState state_;
  MatrixF first_reconstruction_;
};

}  // namespace logz
