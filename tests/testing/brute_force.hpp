// Reference computations for tiny Bernoulli RBMs, written from the
// definitions in double precision by summing over every joint state (v, h).
// Tests compare the library's fast paths against these.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "logz/math/log_space.hpp"
#include "logz/models/bernoulli_rbm.hpp"

namespace logz::testing {

// Parameters in double, so finite differences are not limited by float32.
struct RbmDouble {
  MatrixD W;
  VectorD b, c;
  explicit RbmDouble(const BernoulliRbm& rbm)
      : W(rbm.W().cast<double>()), b(rbm.b().cast<double>()), c(rbm.c().cast<double>()) {}
  Index n_visible() const { return W.rows(); }
  Index n_hidden() const { return W.cols(); }
};

inline VectorD bits_of(std::uint64_t s, Index n) {
  VectorD x(n);
  for (Index i = 0; i < n; ++i) x(i) = static_cast<double>((s >> i) & 1);
  return x;
}

// -E(v, h) = b.v + c.h + v^T W h
inline double negative_energy(const RbmDouble& m, const VectorD& v, const VectorD& h) {
  return m.b.dot(v) + m.c.dot(h) + v.dot(m.W * h);
}

// log Z = log sum_{v,h} exp(-E(v,h))
inline double brute_force_log_z(const RbmDouble& m) {
  LogSumExp sum;
  for (std::uint64_t sv = 0; sv < (std::uint64_t{1} << m.n_visible()); ++sv) {
    const VectorD v = bits_of(sv, m.n_visible());
    for (std::uint64_t sh = 0; sh < (std::uint64_t{1} << m.n_hidden()); ++sh) {
      sum.add(negative_energy(m, v, bits_of(sh, m.n_hidden())));
    }
  }
  return sum.value();
}

// F(v) = -log sum_h exp(-E(v, h))
inline double brute_force_free_energy(const RbmDouble& m, const VectorD& v) {
  LogSumExp sum;
  for (std::uint64_t sh = 0; sh < (std::uint64_t{1} << m.n_hidden()); ++sh) {
    sum.add(negative_energy(m, v, bits_of(sh, m.n_hidden())));
  }
  return -sum.value();
}

// Mean log p(v) over the rows of data.
inline double brute_force_average_log_likelihood(const RbmDouble& m, const MatrixF& data) {
  const double log_z = brute_force_log_z(m);
  double total = 0.0;
  for (Index i = 0; i < data.rows(); ++i) {
    total += -brute_force_free_energy(m, data.row(i).cast<double>().transpose()) - log_z;
  }
  return total / static_cast<double>(data.rows());
}

// A random RBM with weights of the given scale (large scales make hard,
// peaked distributions).
inline BernoulliRbm random_rbm(Index n_visible, Index n_hidden, double scale, std::uint64_t seed) {
  BernoulliRbm rbm(n_visible, n_hidden);
  RandomStream stream(seed, 99);
  stream.normal(rbm.parameters().values(), 0.0, scale);
  return rbm;
}

}  // namespace logz::testing
