// Exact maximum likelihood, for models small enough to enumerate.
//
//   loss     = 1/n sum_i F(x_i) + log Z                 (mean negative log-likelihood)
//   gradient = 1/n sum_i dF(x_i)/dtheta - E_p[dF(x)/dtheta]
//
// The negative phase E_p[.] is computed exactly by enumeration (for the
// Bernoulli RBM: over the smaller layer, see estimators/exact_rbm.hpp), so
// this is the true gradient, the reference for every other principle.
#pragma once

#include "logz/estimators/exact_rbm.hpp"
#include "logz/objectives/objective.hpp"

namespace logz {

class ExactLikelihood final : public Objective {
 public:
  explicit ExactLikelihood(ExactOptions options = {}) : options_(options) {}
  std::string_view name() const override { return "exact"; }
  bool takes_example_weights() const override { return true; }
  StepReport weighted_gradient(const EnergyModel& model, ConstMatrixRef batch,
                               std::span<const double> weights, ParameterVector& gradient,
                               RandomStream& stream) override;
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override;

 private:
  ExactOptions options_;
};

// The exact mean negative log-likelihood of `data` and its gradient, without
// an objective object (gradient checks and evaluation use it).
// With `weights` (one per row) the weighted mean (1/n) sum_r w_r (-log p(x_r)).
double exact_negative_log_likelihood(const EnergyModel& model, ConstMatrixRef data,
                                     ParameterVector* gradient, const ExactOptions& options = {},
                                     std::span<const double> weights = {});

}  // namespace logz
