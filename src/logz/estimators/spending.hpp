// Estimates whose error bar means what it says: annealing that spends more
// until its interval can be trusted (or says that it cannot).
//
// An annealing estimate averages independent unbiased estimates of Z / Z_0:
// AIS's weights, or SMC's replicates (particle_system.hpp). Its interval comes
// from their spread, and is only as good as that spread's estimate, which
// fails when the values are heavy-tailed: a run that has not drawn the rare
// large weights reports a small error and an estimate too low. Measured on the
// main job's 784 x 25 model with 100 chains and the sm2008 schedule, the
// log-weights spread over 1.47 nats (sd) and the 95% interval covered the
// exact log Z in 15 runs of 20; with the schedule 4 times longer (spread 0.74)
// in 18 of 20, and SMC's in 20 of 20.
//
// What tells a trustworthy run from the rest is the spread of the *logs* of
// the averaged values, which the bulk decides and a few missed weights do not:
// under a log-normal law of spread s, the Student-t 95% interval of the mean
// of M values covers the true mean 94% of the time for M = 100 at s = 0.7
// (92% at s = 1, 85% at s = 1.5), and for M = 10 at s = 0.3 (92% at s = 0.5,
// 84% at s = 1): fewer values need a smaller spread. The target is therefore
// min(0.8, 0.3 + 0.1 log2(M / 4)) (0.3 for M <= 4): 0.43 for SMC's 10
// replicates, 0.8 for AIS's 100 chains. Since the spread of the log-weights
// falls about as the square root of the number of steps (until the
// proportions of modes that a path gets wrong leave a floor: resampling, SMC,
// lowers it), a run whose spread s is above the target t is repeated with its
// schedule stretched (same shape) by (s / 0.9 t)^2, up to a budget. If the budget runs out first,
// the estimate is kept but marked unreliable: its upper end is +infinity (annealing then only
// bounds log Z from below, stochastically) and it says so in its diagnostics.
#pragma once

#include <functional>
#include <vector>

#include "logz/estimators/log_z_estimate.hpp"

namespace logz {

struct SpendingOptions {
  bool adapt = true;  // false: one run, judged but not repeated
  double target_log_sd =
      0.0;  // spread of the logs of the averaged values, at most; 0: by their count
  std::size_t max_steps = 0;  // budget; 0: 16 times the first schedule's steps
  int max_rounds = 3;         // runs at most

  void validate() const;  // SettingError naming --adapt-target, --max-betas
};

// The standard deviation of an estimate's log_weights (the logs of the values
// it averaged); 0 for fewer than two.
double log_weight_spread(const LogZEstimate& estimate);
// The spread up to which an interval from `values` averaged values is trusted.
double trusted_spread(std::size_t values);

// `betas` with the same shape in `steps` steps: beta at fraction t of the new
// schedule is the old one's at fraction t, linearly interpolated.
std::vector<double> stretch_schedule(const std::vector<double>& betas, std::size_t steps);

// Runs `run` on `betas`, then again with longer schedules while the spread is
// above the target and the budget allows (see above). The estimate returned
// is the last run's, with diagnostics log_weight_spread, rounds, steps,
// reliable (1 or 0); seconds add up all runs.
LogZEstimate spend_until_reliable(
    const std::function<LogZEstimate(const std::vector<double>&)>& run,
    const std::vector<double>& betas, const SpendingOptions& options);

}  // namespace logz
