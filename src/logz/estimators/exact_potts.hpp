// Exact partition functions and moments of the categorical models
// (models/potts.hpp, models/potts_rbm.hpp) by enumeration.
//
// Potts model, all q^L states:
//
//   log Z = log sum_x exp(sum_i h_i(x_i) + sum_{i<j} J_ij(x_i, x_j))
//
// walked in mixed-radix (odometer) order, x_0 the fastest digit. Changing
// site k from a to b changes -E by h_k(b) - h_k(a) + sum_{j != k} (J_kj(b, x_j)
// - J_kj(a, x_j)), in double, so a state costs O(L) rather than O(L^2). The
// lowest sites form blocks of at most 2^14 states; each block starts from a
// state computed from scratch, and the blocks' log-sums are combined in block
// order (under MPI through Communicator::log_sum): the result does not depend
// on the number of threads or ranks. The size counted is L log2 q bits.
//
// Potts RBM, its 2^H hidden states, the sites summed out (given h they are
// independent softmaxes):
//
//   log Z = log sum_h exp(c.h + sum_i log sum_a exp(b_i(a) + sum_k W_i(a, k) h_k))
//
// walked in Gray-code order (one hidden unit flips per step and u = b + W h
// moves by one column of W, in double), O(L q) per state, in blocks of 2^14
// combined as above. The visible layer is categorical: ExactOptions::layer
// does not apply, the hidden layer is always enumerated. The size counted is
// H bits.
//
// Moments (the negative phase of the exact log-likelihood gradient) take a
// second pass over the same blocks, each state weighed by p = exp(-F - log Z):
// the blocks form a fixed number of groups, summed in double one group per
// thread, shared between MPI ranks by group, gathered and added in group
// order, so they too are the same bits for any thread or rank count.
#pragma once

#include "logz/estimators/exact_rbm.hpp"
#include "logz/estimators/log_z_estimate.hpp"
#include "logz/models/potts.hpp"
#include "logz/models/potts_rbm.hpp"

namespace logz {

// ceil(L log2 q): the number of bits of the q^L states (2^bits >= q^L).
int enumeration_bits(const PottsModel& model);
// Throws SettingError("--max-exact-bits", ...) when q^L exceeds 2^max_bits.
void check_enumerable(const PottsModel& model, const ExactOptions& options);
LogZEstimate exact_log_z(const PottsModel& model, const ExactOptions& options = {});

struct PottsMoments {
  double log_z = 0.0;
  // E[onehot(x) onehot(x)^T] [L q, L q]: entry (i q + a, j q + b) is
  // P(x_i = a, x_j = b); its diagonal blocks are diag(means).
  MatrixD pairs;
  VectorD means;  // P(x_i = a) [L q]
};
PottsMoments exact_moments(const PottsModel& model, const ExactOptions& options = {});

// H, the number of hidden units.
int enumeration_bits(const PottsRbm& rbm);
// Throws SettingError("--max-exact-bits", ...) when 2^H exceeds 2^max_bits.
void check_enumerable(const PottsRbm& rbm, const ExactOptions& options);
LogZEstimate exact_log_z(const PottsRbm& rbm, const ExactOptions& options = {});

struct PottsRbmMoments {
  double log_z = 0.0;
  MatrixD visible_hidden;  // E[onehot(x) h^T] [L q, H]
  VectorD visible;         // E[onehot(x)] [L q]
  VectorD hidden;          // E[h] [H]
};
PottsRbmMoments exact_moments(const PottsRbm& rbm, const ExactOptions& options = {});

}  // namespace logz
