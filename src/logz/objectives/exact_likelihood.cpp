#include "logz/objectives/exact_likelihood.hpp"

#include <numeric>
#include <vector>

#include "logz/error.hpp"
#include "logz/estimators/exact.hpp"

namespace logz {
double exact_negative_log_likelihood(const EnergyModel& model, ConstMatrixRef data,
                                     ParameterVector* gradient, const ExactOptions& options) {
  if (!is_enumerable(model)) {
    throw SettingError("--method", "exact needs a model logz can enumerate; a " +
                                       std::string(model.kind()) + " is not one");
  }
  const double n = static_cast<double>(data.rows());
  std::vector<double> free_energy(static_cast<std::size_t>(data.rows()));
  model.free_energy(data, free_energy);
  const double mean_free_energy = std::accumulate(free_energy.begin(), free_energy.end(), 0.0) / n;
  if (gradient == nullptr) return mean_free_energy + exact_log_z(model, options).log_z;
  gradient->set_zero();
  model.add_free_energy_gradient(data, 1.0 / n, *gradient);
  return mean_free_energy + add_expected_free_energy_gradient(model, -1.0, *gradient, options);
}

StepReport ExactLikelihood::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                     ParameterVector& gradient, RandomStream& /*stream*/) {
  StepReport report;
  report.objective = exact_negative_log_likelihood(model, batch, &gradient, options_);
  return report;
}

}  // namespace logz
