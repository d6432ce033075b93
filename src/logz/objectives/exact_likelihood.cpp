#include "logz/objectives/exact_likelihood.hpp"

#include <numeric>
#include <vector>

#include "logz/estimators/exact.hpp"

namespace logz {
double exact_negative_log_likelihood(const EnergyModel& model, ConstMatrixRef data,
                                     ParameterVector* gradient, const ExactOptions& options) {
  const BernoulliRbm& rbm = enumerable_rbm(model);
  const double n = static_cast<double>(data.rows());
  std::vector<double> free_energy(static_cast<std::size_t>(data.rows()));
  rbm.free_energy(data, free_energy);
  const double mean_free_energy = std::accumulate(free_energy.begin(), free_energy.end(), 0.0) / n;
  if (gradient == nullptr) return mean_free_energy + exact_log_z(rbm, options).log_z;

  const RbmMoments moments = exact_moments(rbm, options);
  gradient->set_zero();
  rbm.add_free_energy_gradient(data, 1.0 / n, *gradient);
  // E_p[dF/dW] = -E[v h^T], E_p[dF/db] = -E[v], E_p[dF/dc] = -E[h]: subtracting
  // the model's expectation adds these back.
  gradient->matrix("W") += moments.visible_hidden.cast<float>();
  gradient->vector("b") += moments.visible.cast<float>();
  gradient->vector("c") += moments.hidden.cast<float>();
  return mean_free_energy + moments.log_z;
}

StepReport ExactLikelihood::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                     ParameterVector& gradient, RandomStream& /*stream*/) {
  StepReport report;
  report.objective = exact_negative_log_likelihood(model, batch, &gradient, options_);
  return report;
}

}  // namespace logz
