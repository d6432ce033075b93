// Exact partition function of a Gaussian-Bernoulli RBM (models/gaussian_bernoulli_rbm.hpp)
// by enumerating its hidden layer; the Gaussian visible units integrate out
// in closed form. With m = W h, each visible unit contributes
//
//   int exp(-(v_i - b_i)^2 / (2 sigma_i^2) + (v_i / sigma_i) m_i) dv_i
//     = sqrt(2 pi) sigma_i exp((b_i / sigma_i) m_i + m_i^2 / 2)
//
// so that
//
//   log Z = sum_i log(sqrt(2 pi) sigma_i) + log sum_{h in {0,1}^H} exp(l.h + |W h|^2 / 2),
//   l = c + W^T (b / sigma).
//
// Cost 2^H x V, every term in double. The low 8 bits of h index a table of
// partial sums W h; the high bits are split into a fixed number of ranges
// summed by OpenMP threads and combined in order, so the result does not
// depend on the number of threads. The visible layer is continuous:
// ExactOptions::layer does not apply, the hidden layer is always enumerated.
//
// The exact maximum-likelihood gradient needs E_p[dF/dtheta] = E_p[dE/dtheta].
// Given h, v ~ N(b + sigma .* m, sigma^2), which gives (u = v / sigma)
//
//   E[dE/db] = -W E[h] / sigma,   E[dE/dc] = -E[h],
//   E[dE/dW] = -(b / sigma) E[h]^T - W E[h h^T],
//   E[dE/dlog_sigma] = -1 + (b / sigma) .* (W E[h]),
//
// from the hidden moments E[h] and E[h h^T] of the same enumeration.
#pragma once

#include "logz/estimators/exact_rbm.hpp"
#include "logz/models/gaussian_bernoulli_rbm.hpp"

namespace logz {

// Throws SettingError("--max-exact-bits", ...) when 2^H exceeds the limit.
void check_enumerable(const GaussianBernoulliRbm& rbm, const ExactOptions& options);

LogZEstimate exact_log_z(const GaussianBernoulliRbm& rbm, const ExactOptions& options = {});

struct GbrbmMoments {
  double log_z = 0.0;
  VectorD hidden;         // E[h] [H]
  MatrixD hidden_hidden;  // E[h h^T] [H, H]
};
GbrbmMoments exact_moments(const GaussianBernoulliRbm& rbm, const ExactOptions& options = {});

// gradient += scale * E_p[dF/dtheta] (log_sigma only when the model learns
// sigma). Returns log Z.
double add_expected_free_energy_gradient(const GaussianBernoulliRbm& rbm, double scale,
                                         ParameterVector& gradient,
                                         const ExactOptions& options = {});

}  // namespace logz
