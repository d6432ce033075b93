#include "logz/objectives/exact_likelihood.hpp"

#include <numeric>
#include <vector>

#include "logz/error.hpp"
#include "logz/estimators/exact.hpp"

namespace logz {
double exact_negative_log_likelihood(const EnergyModel& model, ConstMatrixRef data,
                                     ParameterVector* gradient, const ExactOptions& options,
                                     std::span<const double> weights) {
  if (!is_enumerable(model)) {
    throw SettingError("--method", "exact needs a model logz can enumerate; a " +
                                       std::string(model.kind()) + " is not one");
  }
  const double n = static_cast<double>(data.rows());
  std::vector<double> free_energy(static_cast<std::size_t>(data.rows()));
  model.free_energy(data, free_energy);
  // With weights: (1/n) sum_r w_r F(x_r) + (sum_r w_r / n) log Z.
  double mean_free_energy = 0.0, mass = 1.0;
  if (weights.empty()) {
    mean_free_energy = std::accumulate(free_energy.begin(), free_energy.end(), 0.0) / n;
  } else {
    mass = std::accumulate(weights.begin(), weights.end(), 0.0) / n;
    for (std::size_t r = 0; r < free_energy.size(); ++r)
      mean_free_energy += weights[r] * free_energy[r] / n;
  }
  if (gradient == nullptr) return mean_free_energy + mass * exact_log_z(model, options).log_z;
  gradient->set_zero();
  if (weights.empty()) {
    model.add_free_energy_gradient(data, 1.0 / n, *gradient);
  } else {
    std::vector<double> scaled(weights.begin(), weights.end());
    for (double& w : scaled)
      w /= n;
    model.add_weighted_free_energy_gradient(data, scaled, *gradient);
  }
  return mean_free_energy +
         mass * add_expected_free_energy_gradient(model, -mass, *gradient, options);
}

StepReport ExactLikelihood::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                     ParameterVector& gradient, RandomStream& /*stream*/) {
  StepReport report;
  report.objective = exact_negative_log_likelihood(model, batch, &gradient, options_);
  return report;
}

StepReport ExactLikelihood::weighted_gradient(const EnergyModel& model, ConstMatrixRef batch,
                                              std::span<const double> weights,
                                              ParameterVector& gradient, RandomStream& /*stream*/) {
  StepReport report;
  report.objective = exact_negative_log_likelihood(model, batch, &gradient, options_, weights);
  return report;
}

}  // namespace logz
