// The bookkeeping that annealed importance sampling and sequential Monte
// Carlo share: chains ("particles") moved along a path of distributions from a
// normalized base p_0 (log Z_0 known, exact draws) to the target, each with a
// log importance weight that the path's steps add to.
//
// The particles form R independent replicates of n each. After a step, a
// replicate whose effective sample size (sum w)^2 / sum w^2 fell below
// resample_below * n is resampled (systematic resampling, Kitagawa 1996): its
// log mean weight is added to the replicate's log normalizer and its weights
// reset to 1. Each replicate's
//
//   Z_r = Z_0 * prod over its resampling epochs of (mean weight of the epoch)
//
// is unbiased for Z (Del Moral, Doucet & Jasra, "Sequential Monte Carlo
// samplers", JRSS B 2006), and replicates are independent. The estimate is
// log of the mean of the R values Z_r, with the delta-method standard error of
// that mean over the replicates and a 95% interval (summarize_replicates).
//
// Plain AIS (Neal 2001) is the case n = 1, never resampled: R = M replicates
// of one chain, each weight an unbiased estimate of Z / Z_0. Resampling keeps
// a population's weights balanced along a long path, so that each replicate's
// Z_r is less heavy-tailed than one AIS weight, and fewer steps reach a given
// error; but an interval from 10 replicates rests on 10 values, and measured
// over 40 seeds on four hard enumerable models it covered the exact log Z in
// 80% to 95% of runs, against 90% to 97% for plain AIS's interval from 100
// weights (both spending until their spread was trusted, spending.hpp). Plain
// AIS is the default; SMC is there for those who want its smaller error per
// step.
//
// Determinism: particles are rows in replicate order; resampling draws one
// uniform per resampled replicate from the stream given, in replicate order.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "logz/estimators/log_z_estimate.hpp"
#include "logz/math/matrix.hpp"
#include "logz/math/random.hpp"

namespace logz {

// The two-sided 95% quantile of Student's t with `degrees` degrees of freedom
// (1.96 for infinitely many).
double student_t_975(double degrees);

struct ParticleOptions {
  Index replicates = 100;       // R
  Index per_replicate = 1;      // n
  double resample_below = 0.0;  // ESS fraction; 0: never resample (plain AIS)

  Index particles() const { return replicates * per_replicate; }
  // SettingError naming --chains, --replicates, --resample.
  void validate() const;
};

struct ParticleSystemState {
  MatrixF states;
  std::vector<double> log_weights;      // per particle
  std::vector<double> log_normalizers;  // per replicate: log Z_0 + sum of the folded epochs
  std::int64_t resamplings = 0;
};

class ParticleSystem {
 public:
  ParticleSystem(const ParticleOptions& options, Index n_visible, double log_z_base);
  ParticleSystem(const ParticleOptions& options, ParticleSystemState state);

  MatrixF& states() { return state_.states; }
  const MatrixF& states() const { return state_.states; }
  std::span<double> log_weights() { return state_.log_weights; }
  std::span<const double> log_weights() const { return state_.log_weights; }
  Index replicates() const { return options_.replicates; }
  Index per_replicate() const { return options_.per_replicate; }

  // Resamples the replicates whose effective sample size fell below the
  // threshold (none when resample_below is 0). Returns how many it resampled.
  Index resample_if_needed(RandomStream& stream);

  // The replicates' log Z_r.
  std::vector<double> replicate_log_z() const;
  // log Z with its error (see above); `method` names it. log_weights holds
  // what was averaged: plain AIS's log-weights log w (without log Z_0), or
  // SMC's replicates' log Z_r; effective_sample_size is theirs.
  LogZEstimate estimate(std::string method) const;

  const ParticleSystemState& state() const { return state_; }

 private:
  ParticleOptions options_;
  ParticleSystemState state_;
};

// log Z from R independent unbiased estimates of Z, given as logs: log of
// their mean, the delta-method standard error, and their effective sample size
// (sum w)^2 / sum w^2. The 95% interval is the union of the Student-t interval
// of their mean on R - 1 degrees of freedom (log(mean -/+ t se)) and Cox's
// interval for a log-normal
// mean, which reaches the part of a right tail that the values have not drawn;
// with `include_range`, also the range of the values (SMC's replicates: the
// mean of a skewed law lies within the range of 10 draws far more often than
// within a t-interval from them). Where that leaves no lower end (mean - t se
// not positive, or one value), the lower end is Markov's bound
// log(mean) - log 40, which holds at 97.5% for any unbiased positive estimate
// of Z. With one value there is no spread: std_error 0 and no upper end.
LogZEstimate summarize_replicates(std::span<const double> log_values, std::string method,
                                  bool include_range = false);

}  // namespace logz
