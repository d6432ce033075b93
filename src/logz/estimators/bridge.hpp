// Bridge sampling: the ratio Z_1 / Z_0 of two distributions known up to their
// normalizers, from samples of each (Bennett 1976, "acceptance ratio"; Meng &
// Wong 1996, the iterative optimal bridge).
//
// With l(x) = f_1(x) / f_0(x), n_0 samples of p_0, n_1 of p_1, s_i = n_i / n:
//
//   r <- mean_{x ~ p_0}[ l / (s_1 l + s_0 r) ] / mean_{x ~ p_1}[ 1 / (s_1 l + s_0 r) ]
//
// iterated to its fixed point, all in log space. The standard error follows
// from the delta method on the two means, var(log r) = var(A)/A^2 + var(B)/B^2,
// with chains (not samples) as the independent units: samples of one Markov
// chain are correlated, chains are not. Each chain's share of the error of
// log r (its "influence") is kept, so errors can be combined across bridges.
//
// Bridge sampling needs the two distributions to overlap; between a base-rate
// model and a sharp RBM they do not, so log Z is the sum of the log ratios
// along a ladder of tempered distributions (the AIS path), each bridged to the
// next. The levels are sampled by parallel tempering (tempering_ladder.hpp),
// so states cross between modes; the ratios are correlated, and the standard
// error of the sum adds each replica's influences over all levels before
// squaring. The estimate assumes every level is in equilibrium. Given data,
// half the replicas start from it at beta = 1 and anneal down, half climb
// from the base: if the halves disagree (diagnostics "start_disagreement",
// beyond its standard error), the chains have not forgotten their start and
// the estimate is biased beyond its error bar; lengthen --burn-in. The
// reported interval (lower, upper) is a 95% one (Student's t over the
// replicas), widened in that case to reach both halves' estimates.
#pragma once

#include <span>
#include <vector>

#include "logz/estimators/log_z_estimate.hpp"
#include "logz/models/energy_model.hpp"

namespace logz {

struct LogRatioEstimate {
  double log_ratio = 0.0;
  double std_error = 0.0;
  int iterations = 0;
  // Per chain of each sample set: its first-order contribution to the error
  // of log_ratio (they sum to ~0; std_error^2 ~ sum of squares, corrected).
  std::vector<double> influence_0, influence_1;
};

// The variance of a sum of independent units' first-order error shares
// ("influences", as LogRatioEstimate holds them): their sum of squares with
// the small-sample correction G / (G - 1) for G units; 0 for fewer than 2.
double influence_variance(std::span<const double> influence);

// lambda_0[i] = log f_1(x_i) - log f_0(x_i) at samples of p_0, in `chains_0`
// equal consecutive groups (one per chain); lambda_1 likewise at samples of p_1.
LogRatioEstimate optimal_bridge(std::span<const double> lambda_0, Index chains_0,
                                std::span<const double> lambda_1, Index chains_1);

struct BridgeOptions {
  Index chains = 100;
  int burn_in = 100;  // sweeps before the first sample at each level
  int thinning = 5;   // sweeps between samples
  Index samples_per_chain = 10;
  std::uint64_t seed = 0;
  ProgressCallback progress;  // over sweeps
  // Data to start half the replicas from at beta = 1 (the training data of
  // the model); the other half, and all without data, climb from the base.
  const MatrixF* start = nullptr;

  void validate() const;  // SettingError naming --chains, --burn-in, ...
};

// log Z of a model by bridges between consecutive distributions of the path
// p_beta (energy_model.hpp) at `betas` (0 ... 1), starting from the
// base-rate model (exact samples) with visible biases `base`.
LogZEstimate bridge_log_z(const GibbsModel& model, const VectorF& base_visible_bias,
                          const std::vector<double>& betas, const BridgeOptions& options);

// log Z_to - log Z_from for two models on the same visible units
// (consecutive checkpoints of a run, say), from chains of each started at
// uniformly random states.
LogRatioEstimate bridge_log_ratio(const GibbsModel& from, const GibbsModel& to,
                                  const BridgeOptions& options);

}  // namespace logz
