// The Gaussian-Bernoulli RBM written out in double from its formulas (see
// models/gaussian_bernoulli_rbm.hpp), independent of the model's code: the
// energy, free energy, score and its divergence, as functions of a flat
// parameter vector in the model's layout (W, b, c, log_sigma), so tests can
// differentiate them numerically with respect to every parameter.
#pragma once

#include <cmath>
#include <cstdint>

#include "logz/math/log_space.hpp"
#include "logz/models/gaussian_bernoulli_rbm.hpp"

namespace logz::testing {

// W ~ N(0, scale^2), b ~ N(0, 1), c ~ N(0, 1/4), log_sigma ~ U[-0.5, 0.5].
inline GaussianBernoulliRbm random_gbrbm(Index n_visible, Index n_hidden, double scale,
                                         std::uint64_t seed) {
  GaussianBernoulliRbm rbm(n_visible, n_hidden);
  RandomStream stream(seed, 98);
  stream.normal(rbm.parameters().tensor("W"), 0.0, scale);
  stream.normal(rbm.parameters().tensor("b"), 0.0, 1.0);
  stream.normal(rbm.parameters().tensor("c"), 0.0, 0.5);
  stream.uniform(rbm.parameters().tensor("log_sigma"));
  rbm.log_sigma().array() -= 0.5f;
  return rbm;
}

struct GbrbmDouble {
  GbrbmDouble(const VectorD& theta, Index v, Index h)
      : W(Eigen::Map<const MatrixD>(theta.data(), v, h)),
        b(theta.segment(v * h, v)),
        c(theta.segment(v * h + v, h)),
        sigma(theta.segment(v * h + v + h, v).array().exp().matrix()) {}
  explicit GbrbmDouble(const GaussianBernoulliRbm& rbm)
      : GbrbmDouble(parameters_of(rbm), rbm.n_visible(), rbm.n_hidden()) {}

  static VectorD parameters_of(const EnergyModel& model) {
    const auto values = model.parameters().values();
    return Eigen::Map<const VectorF>(values.data(), static_cast<Index>(values.size())).cast<double>();
  }

  double energy(const VectorD& v, const VectorD& h) const {
    const VectorD u = v.cwiseQuotient(sigma);
    return 0.5 * (v - b).cwiseQuotient(sigma).squaredNorm() - c.dot(h) - u.dot(W * h);
  }
  VectorD activation(const VectorD& v) const {
    return c + W.transpose() * v.cwiseQuotient(sigma);
  }
  VectorD hidden_probability(const VectorD& v) const {
    return (1.0 / (1.0 + (-activation(v)).array().exp())).matrix();
  }
  double free_energy(const VectorD& v) const {
    double f = 0.5 * (v - b).cwiseQuotient(sigma).squaredNorm();
    for (double a : activation(v)) f -= softplus(a);
    return f;
  }
  VectorD score(const VectorD& v) const {
    const VectorD variance = sigma.array().square().matrix();
    return -(v - b).cwiseQuotient(variance) + (W * hidden_probability(v)).cwiseQuotient(sigma);
  }
  double score_divergence(const VectorD& v) const {
    const VectorD p = hidden_probability(v);
    double d = -sigma.array().square().inverse().sum();
    for (Index j = 0; j < W.cols(); ++j) {
      d += p(j) * (1 - p(j)) * W.col(j).cwiseQuotient(sigma).squaredNorm();
    }
    return d;
  }

  MatrixD W;
  VectorD b, c, sigma;
};

// The bits of s as a vector of 0/1 of length n (bit i is unit i).
inline VectorD hidden_bits(std::uint64_t s, Index n) {
  VectorD h(n);
  for (Index j = 0; j < n; ++j) h(j) = static_cast<double>((s >> j) & 1);
  return h;
}

}  // namespace logz::testing
