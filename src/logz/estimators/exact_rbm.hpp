// Exact partition function of a Bernoulli RBM by enumerating its smaller layer.
//
// Summing out the other layer analytically, with A the enumerated layer
// (weights M [n_A, n_B] from A's units to B's, biases a and d):
//
//   log Z = log sum_{s in {0,1}^n_A} exp( a.s + sum_k softplus(d_k + (s M)_k) )
//
// Enumerating the hidden layer uses M = W^T, a = c, d = b; the visible layer
// uses M = W, a = b, d = c; both give the same Z. Cost: 2^n_A x n_B softplus
// evaluations, float32 per term, double for every sum and the log-sum-exp.
// The low 10 bits of s index a table of partial products, so the inner loop
// is one add and one softplus per term (no GEMM), split over OpenMP threads
// by the high bits and combined in a fixed order: the result does not depend
// on the number of threads.
#pragma once

#include "logz/estimators/log_z_estimate.hpp"
#include "logz/math/matrix.hpp"
#include "logz/models/bernoulli_rbm.hpp"

namespace logz {

enum class EnumeratedLayer { smaller, hidden, visible };

struct ExactOptions {
  // Refuse to enumerate more than 2^max_bits states.
  int max_bits = 30;
  // The layer whose states are summed over; by default the smaller one.
  EnumeratedLayer layer = EnumeratedLayer::smaller;
  // Called with the states summed so far by exact_log_z (not by the moments).
  ProgressCallback progress;
};

// Which layer is enumerated and how many bits that takes.
struct EnumerationPlan {
  bool hidden = true;  // enumerate hidden states (else visible)
  int bits = 0;
};
EnumerationPlan plan_enumeration(const BernoulliRbm& rbm,
                                 EnumeratedLayer layer = EnumeratedLayer::smaller);

// Throws SettingError("--max-exact-bits", ...) when the plan exceeds the limit.
void check_enumerable(const BernoulliRbm& rbm, const ExactOptions& options);

LogZEstimate exact_log_z(const BernoulliRbm& rbm, const ExactOptions& options = {});

// The model's expectations of the sufficient statistics, which are the
// negative phase of the exact log-likelihood gradient:
//   E[v h^T], E[v], E[h] under p(v, h), with log Z.
struct RbmMoments {
  double log_z = 0.0;
  MatrixD visible_hidden;  // [V, H]
  VectorD visible;         // [V]
  VectorD hidden;          // [H]
};
RbmMoments exact_moments(const BernoulliRbm& rbm, const ExactOptions& options = {});

}  // namespace logz
