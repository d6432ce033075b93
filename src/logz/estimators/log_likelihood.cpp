#include "logz/estimators/log_likelihood.hpp"

#include <cmath>
#include <vector>

namespace logz {

LogLikelihood average_log_likelihood(const EnergyModel& model, ConstMatrixRef data,
                                     const LogZEstimate& log_z) {
  const Index n = data.rows();
  std::vector<double> free_energy(static_cast<std::size_t>(n));
  model.free_energy(data, free_energy);
  double sum = 0.0;
  for (double f : free_energy) sum += -f;
  const double mean = sum / static_cast<double>(n);
  double squares = 0.0;
  for (double f : free_energy) squares += (-f - mean) * (-f - mean);
  LogLikelihood result;
  result.average = mean - log_z.log_z;
  result.log_z_std_error = log_z.std_error;
  result.std_error_of_mean =
      n > 1 ? std::sqrt(squares / static_cast<double>(n - 1) / static_cast<double>(n)) : 0.0;
  result.examples = n;
  result.log_z = log_z;
  return result;
}

}  // namespace logz
