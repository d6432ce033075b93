// The Gaussian model written out in double from its definition, for checks of
// GaussianModel and of the objectives that use its score: free energy, score,
// divergence, and finite differences with respect to every parameter.
#pragma once

#include <Eigen/LU>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>

#include "logz/math/random.hpp"
#include "logz/models/gaussian.hpp"

namespace logz::testing {

struct GaussianDouble {
  explicit GaussianDouble(const GaussianModel& model)
      : mean(model.mean().cast<double>()), precision(model.precision().cast<double>()) {}

  MatrixD symmetric() const { return 0.5 * (precision + precision.transpose()); }
  double free_energy(const VectorD& x) const {
    const VectorD d = x - mean;
    return 0.5 * d.dot(symmetric() * d);
  }
  VectorD score(const VectorD& x) const { return -(symmetric() * (x - mean)); }
  double divergence() const { return -symmetric().trace(); }

  // The same with entry k (row-major) of tensor `name` moved by `step`.
  GaussianDouble perturbed(const std::string& name, Index k, double step) const {
    GaussianDouble moved = *this;
    if (name == "mean") {
      moved.mean(k) += step;
    } else {
      moved.precision(k / mean.size(), k % mean.size()) += step;
    }
    return moved;
  }

  VectorD mean;
  MatrixD precision;
};

// A Gaussian with a random mean and a random precision tensor that is not
// symmetric (its symmetric part, A A^T / D + I/2, is positive definite), so
// that the checks see the symmetrization.
inline GaussianModel random_gaussian(Index dimension, std::uint64_t seed) {
  RandomStream stream(seed, 11);
  MatrixF a(dimension, dimension), skew(dimension, dimension);
  stream.normal(std::span<float>(a.data(), static_cast<std::size_t>(a.size())), 0.0, 1.0);
  stream.normal(std::span<float>(skew.data(), static_cast<std::size_t>(skew.size())), 0.0, 0.3);
  GaussianModel model(dimension);
  stream.normal(std::span<float>(model.mean().data(), static_cast<std::size_t>(dimension)), 0.0,
                1.0);
  model.precision() = a * a.transpose() / static_cast<float>(dimension) +
                      0.5f * MatrixF::Identity(dimension, dimension) + (skew - skew.transpose());
  return model;
}

inline MatrixF random_normal_rows(Index rows, Index cols, std::uint64_t seed) {
  RandomStream stream(seed, 12);
  MatrixF x(rows, cols);
  stream.normal(std::span<float>(x.data(), static_cast<std::size_t>(x.size())), 0.0, 1.0);
  return x;
}

// Every entry of `analytic` against the central difference of `loss` (in
// double) at `base` moved along that one parameter.
inline void expect_gradient_matches(const ParameterVector& analytic, const GaussianDouble& base,
                                    const std::function<double(const GaussianDouble&)>& loss,
                                    double tolerance) {
  const double step = 1e-5;
  for (const TensorSpec& spec : analytic.specs()) {
    for (Index k = 0; k < spec.size(); ++k) {
      const double numeric =
          (loss(base.perturbed(spec.name, k, step)) - loss(base.perturbed(spec.name, k, -step))) /
          (2 * step);
      const double value = analytic.tensor(spec.name)[static_cast<std::size_t>(k)];
      EXPECT_NEAR(value, numeric, tolerance * std::max(1.0, std::abs(numeric)))
          << spec.name << "[" << k << "]";
    }
  }
}

}  // namespace logz::testing
