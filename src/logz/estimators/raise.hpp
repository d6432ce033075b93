// RAISE: reverse annealed importance sampling (Burda, Grosse & Salakhutdinov,
// "Accurate and conservative estimates of MRF log-likelihood using reverse
// annealing", AISTATS 2015), for the Bernoulli RBM and any model with a
// Gibbs sampler on the geometric path (Potts, Potts RBM, Ising).
//
// The annealing model p_ann(x_0, ..., x_K) = p_0(x_0) prod_k T_k(x_k | x_{k-1})
// (the forward AIS chain, its last state the output) is a model of its own,
// close to the RBM when the schedule is long. RAISE starts at a test example
// x_K = v and runs the chain backwards, x_{k-1} ~ T_k(. | x_k) (block Gibbs is
// reversible, so its reverse is itself), and weighs the path by
//
//   p^(v) = p_0(x_0) prod_{k=1..K} f_k(x_k) / f_k(x_{k-1})
//
// an unbiased estimate of p_ann(v). Its logarithm is, in expectation, below
// log p_ann(v) (Jensen), and p_ann, part way to the base model, usually
// explains test data worse than the RBM: RAISE errs low, the other way from
// what it is compared with, which makes it the conservative half of a bracket.
// No Z is needed: the base model is normalized.
#pragma once

#include <vector>

#include "logz/estimators/ais.hpp"
#include "logz/models/bernoulli_rbm.hpp"

namespace logz {

struct RaiseResult {
  std::vector<double> log_likelihoods;  // log p^(v) per example
  double average = 0.0;
  double std_error_of_mean = 0.0;       // over examples (estimator noise included)
  double seconds = 0.0;
};

// One reverse chain per row of `data`; options.chains is ignored, options.betas
// is the schedule and options.progress reports steps of each block of rows.
RaiseResult raise_log_likelihood(const BernoulliRbm& rbm, const VectorF& base_visible_bias,
                                 ConstMatrixRef data, const AisOptions& options);
// The same for any model with a Gibbs sampler on the geometric path (the
// Bernoulli RBM takes the function above): each reverse step is one
// sweep_visible at beta_k, and log p_0(x_0) = log f_0(x_0) - base_log_partition.
RaiseResult raise_log_likelihood(const GibbsModel& model, const VectorF& base_visible_bias,
                                 ConstMatrixRef data, const AisOptions& options);

}  // namespace logz
