#include "logz/math/log_space.hpp"

namespace logz {

double log_sum_exp(std::span<const double> values) {
  double max = -std::numeric_limits<double>::infinity();
  for (double x : values) {
    if (std::isnan(x)) return x;
    max = std::fmax(max, x);
  }
  if (!std::isfinite(max)) return max;  // +inf dominates; empty or all -inf gives -inf
  double sum = 0.0;
  for (double x : values) sum += std::exp(x - max);
  return max + std::log(sum);
}

double log_mean_exp(std::span<const double> values) {
  return log_sum_exp(values) - std::log(static_cast<double>(values.size()));
}

}  // namespace logz
