// Reference computations for tiny Ising models, from the definitions, in double.
#pragma once

#include "logz/math/log_space.hpp"
#include "logz/models/ising.hpp"
#include "testing/brute_force.hpp"

namespace logz::testing {

// -E(x) = h.x + sum_{i<j} J_ij x_i x_j
inline double ising_negative_energy(const MatrixD& j, const VectorD& h, const VectorD& x) {
  double e = h.dot(x);
  for (Index a = 0; a < x.size(); ++a) {
    for (Index b = a + 1; b < x.size(); ++b) e += j(a, b) * x(a) * x(b);
  }
  return e;
}

inline double ising_brute_force_log_z(const MatrixD& j, const VectorD& h) {
  LogSumExp sum;
  for (std::uint64_t s = 0; s < (std::uint64_t{1} << h.size()); ++s) {
    sum.add(ising_negative_energy(j, h, bits_of(s, h.size())));
  }
  return sum.value();
}

inline double ising_brute_force_average_log_likelihood(const MatrixD& j, const VectorD& h,
                                                       const MatrixF& data) {
  const double log_z = ising_brute_force_log_z(j, h);
  double total = 0;
  for (Index r = 0; r < data.rows(); ++r) {
    total += ising_negative_energy(j, h, data.row(r).cast<double>().transpose()) - log_z;
  }
  return total / static_cast<double>(data.rows());
}

// A random Ising model: couplings and fields N(0, scale^2), J symmetric.
inline IsingModel random_ising(Index n, double scale, std::uint64_t seed) {
  IsingModel model(n);
  RandomStream stream(seed, 77);
  MatrixF j(n, n);
  stream.normal(std::span<float>(j.data(), static_cast<std::size_t>(j.size())), 0.0, scale);
  model.J() = (j + j.transpose()) * 0.5f;
  model.J().diagonal().setZero();
  stream.normal(std::span<float>(model.h().data(), static_cast<std::size_t>(n)), 0.0, scale);
  return model;
}

}  // namespace logz::testing
