// Exact partition function and moments of an Ising model by enumerating all
// 2^n states (n up to ~30; the default limit is that of ExactOptions).
//
//   log Z = log sum_x exp(h.x + sum_{i<j} J_ij x_i x_j)
//
// log Z walks the states in Gray-code order: each step flips one bit k, and
// -E changes by s_k f_k with f = h + J x kept current, all in double, so a
// state costs O(n), not O(n^2). Threads take fixed blocks of the order (each
// recomputes its start from scratch) and the blocks are combined in a fixed
// order: the result does not depend on the number of threads.
#pragma once

#include "logz/estimators/exact_rbm.hpp"
#include "logz/estimators/log_z_estimate.hpp"
#include "logz/models/ising.hpp"

namespace logz {

LogZEstimate exact_log_z(const IsingModel& model, const ExactOptions& options = {});

struct IsingMoments {
  double log_z = 0.0;
  MatrixD pairs;  // E[x x^T] (its diagonal is E[x])
  VectorD means;  // E[x]
};
IsingMoments exact_moments(const IsingModel& model, const ExactOptions& options = {});

}  // namespace logz
