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
//
// The run whose spread reaches the target is a pilot, not the estimate: the
// estimate is one more run on the same schedule, with its own seed. Stopping
// at the first run whose sample spread is small picks, among runs on a schedule
// near the limit, those that missed the large weights: their spread is small
// *because* they missed them, so their estimate and their interval are low
// together. Measured on a 784 x 10 RBM trained on MNIST (tests/estimators/
// coverage_test.cpp), the intervals of the runs that stopped themselves missed
// the exact log Z 3 to 5 times in 20 (8 for one realization of the trained
// model), every miss low and from the runs of smallest spread.
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
  int max_rounds = 3;         // runs judged at most (the confirming run comes on top)

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

// The seed of round `round` (0, 1, ...) of an estimate seeded `seed`: `seed`
// itself for the first, then numbers of its own stream, so rounds are
// independent and the same seed gives the same rounds.
std::uint64_t round_seed(std::uint64_t seed, int round);

// Runs `run(betas, 0)`, then `run(schedule, k)` for rounds k = 1, 2, ... with
// longer schedules while the spread is above the target and the budget allows
// (see above); a run that reaches the target is followed by one more on the
// same schedule, which is the estimate. `run` seeds round k with
// round_seed(seed, k). Diagnostics: log_weight_spread (the estimate's),
// pilot_log_weight_spread (the run that passed), trusted_spread, rounds (runs
// made), steps, reliable (1 or 0); seconds add up all runs.
LogZEstimate spend_until_reliable(
    const std::function<LogZEstimate(const std::vector<double>&, int)>& run,
    const std::vector<double>& betas, const SpendingOptions& options);

}  // namespace logz
