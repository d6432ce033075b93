#include "logz/estimators/spending.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "logz/error.hpp"
#include "logz/math/random.hpp"

namespace logz {

void SpendingOptions::validate() const {
  if (!(target_log_sd >= 0.0))
    throw SettingError("--adapt-target", "must be >= 0 (0: by the number of values)");
  if (max_rounds < 1) throw SettingError("--adapt", "needs at least one run");
}

double log_weight_spread(const LogZEstimate& estimate) {
  const std::vector<double>& x = estimate.log_weights;
  if (x.size() < 2) return 0.0;
  double mean = 0.0;
  for (double v : x)
    mean += v;
  mean /= static_cast<double>(x.size());
  double squares = 0.0;
  for (double v : x)
    squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(x.size() - 1));
}

double trusted_spread(std::size_t values) {
  if (values <= 4) return 0.3;
  return std::min(0.8, 0.3 + 0.1 * std::log2(static_cast<double>(values) / 4.0));
}

std::vector<double> stretch_schedule(const std::vector<double>& betas, std::size_t steps) {
  const std::size_t old_steps = betas.size() - 1;
  std::vector<double> out(steps + 1);
  for (std::size_t k = 0; k <= steps; ++k) {
    const double t =
        static_cast<double>(k) * static_cast<double>(old_steps) / static_cast<double>(steps);
    const std::size_t i = std::min(static_cast<std::size_t>(t), old_steps - 1);
    const double frac = t - static_cast<double>(i);
    out[k] = betas[i] + frac * (betas[i + 1] - betas[i]);
  }
  out.front() = 0.0;
  out.back() = 1.0;
  return out;
}

std::uint64_t round_seed(std::uint64_t seed, int round) {
  if (round == 0) return seed;
  const auto words = philox_block(seed, static_cast<std::uint64_t>(StreamId::round_seeds),
                                  static_cast<std::uint64_t>(round));
  return (static_cast<std::uint64_t>(words[0]) << 32) | words[1];
}

LogZEstimate spend_until_reliable(
    const std::function<LogZEstimate(const std::vector<double>&, int)>& run,
    const std::vector<double>& betas, const SpendingOptions& options) {
  options.validate();
  const std::size_t first_steps = betas.size() - 1;
  const std::size_t budget = options.max_steps > 0 ? options.max_steps : 16 * first_steps;
  std::vector<double> schedule = betas;
  LogZEstimate estimate;
  double seconds = 0.0;
  int rounds = 0;
  double spread = 0.0, target = options.target_log_sd;
  std::optional<double> pilot_spread;  // of the run that showed `schedule` to be enough
  while (true) {
    estimate = run(schedule, rounds);
    seconds += estimate.seconds;
    ++rounds;
    spread = log_weight_spread(estimate);
    if (options.target_log_sd == 0.0) target = trusted_spread(estimate.log_weights.size());
    if (!options.adapt || pilot_spread) break;
    if (spread <= target) {
      // Enough steps; the estimate is the next run's, on the same schedule,
      // whose weights did not choose it.
      pilot_spread = spread;
      continue;
    }
    const std::size_t steps = schedule.size() - 1;
    if (rounds >= options.max_rounds || steps >= budget) break;
    // The spread falls as the square root of the steps; aim a little below.
    const double factor = std::pow(spread / (0.9 * target), 2.0);
    const std::size_t next =
        std::min(budget, static_cast<std::size_t>(std::ceil(static_cast<double>(steps) * factor)));
    schedule = stretch_schedule(schedule, std::max(next, steps + 1));
  }
  const bool reliable = options.adapt ? pilot_spread.has_value() : spread <= target;
  estimate.seconds = seconds;
  estimate.diagnostics["log_weight_spread"] = spread;
  if (pilot_spread) estimate.diagnostics["pilot_log_weight_spread"] = *pilot_spread;
  estimate.diagnostics["trusted_spread"] = target;
  estimate.diagnostics["rounds"] = rounds;
  estimate.diagnostics["steps"] = static_cast<double>(schedule.size() - 1);
  estimate.diagnostics["reliable"] = reliable ? 1.0 : 0.0;
  if (!reliable) estimate.upper = std::numeric_limits<double>::infinity();
  return estimate;
}

}  // namespace logz
