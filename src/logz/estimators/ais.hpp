// Annealed importance sampling (Neal 2001) for the Bernoulli RBM, as in
// Salakhutdinov & Murray, "On the quantitative analysis of deep belief
// networks", ICML 2008.
//
// Path: p_k(v) ~ f_k(v) = exp((1 - b_k) a.v + b_k b.v) prod_j (1 + exp(b_k (c_j + (v W)_j)))
// from the base-rate model (b_0 = 0: independent visible units with biases a,
// Z_0 = 2^H prod_i (1 + e^{a_i})) to the RBM (b_K = 1), hidden units summed
// out analytically. Each of M independent chains starts with an exact draw
// v_0 ~ p_0, then for k = 1..K
//
//   log w += log f_k(v_{k-1}) - log f_{k-1}(v_{k-1})
//   v_k    ~ T_k(v_{k-1})       (one block-Gibbs sweep leaving p_k invariant)
//
// E[w] = Z_K / Z_0 exactly; log Z = log Z_0 + log mean w. By Jensen's
// inequality E[log mean w] <= log(Z/Z_0): AIS errs low, more so with few
// chains or a short schedule, and its standard error (delta method on the
// weights) can miss a heavy right tail of weights that no chain has hit.
//
// Log-weights are accumulated in double; products go through gemm(); the
// random draws of chain m depend only on (seed, m, step), not on threads.
#pragma once

#include <vector>

#include "logz/estimators/log_z_estimate.hpp"
#include "logz/estimators/particle_system.hpp"
#include "logz/estimators/spending.hpp"
#include "logz/models/bernoulli_rbm.hpp"

namespace logz {

struct AisOptions {
  Index chains = 100;
  std::vector<double> betas;  // the schedule, 0 ... 1 (beta_schedule.hpp)
  std::uint64_t seed = 0;
  ProgressCallback progress;  // over steps
  // Sequential Monte Carlo (particle_system.hpp): the chains form this many
  // independent replicates, each resampled whenever its effective sample
  // size falls below `resample_below` of its size. 0 replicates: plain AIS
  // (every chain its own replicate, never resampled).
  Index replicates = 0;
  double resample_below = 0.5;

  // The particle layout these options ask for (SettingError naming --chains
  // or --replicates when the chains do not split evenly).
  ParticleOptions particles() const;
};

// log Z_0 of the base-rate model with visible biases `base` and H hidden units.
double base_rate_log_z(const VectorF& base_visible_bias, Index n_hidden);

LogZEstimate ais_log_z(const BernoulliRbm& rbm, const VectorF& base_visible_bias,
                       const AisOptions& options);

// The same annealing for any GibbsModel, through its path interface: chains
// start with model.draw_base, step k adds log f_k(v) - log f_{k-1}(v) from
// model.log_unnormalized at the two path points, then (before the last step)
// moves v by model.sweep_visible at beta_k; log Z_0 = model.base_log_partition.
// A null base means a = 0 (models with their own base, such as the
// Gaussian-Bernoulli RBM, ignore it). Slower than the fused Bernoulli-RBM
// path above (two products per step instead of one and no packed weights),
// which stays the one the command line uses for that model.
LogZEstimate ais_log_z(const GibbsModel& model, const VectorF* base_visible_bias,
                       const AisOptions& options);

// AIS or SMC as options say (the fused path for a Bernoulli RBM, the generic
// one for other Gibbs models), spending more until its interval can be
// trusted (spending.hpp); options.betas is the first schedule.
LogZEstimate annealed_log_z(const GibbsModel& model, const VectorF& base_visible_bias,
                            const AisOptions& options, const SpendingOptions& spending);

}  // namespace logz
