#include "logz/objectives/bit_flip_objectives.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "logz/math/kernels.hpp"
#include "testing/brute_force.hpp"
#include "testing/ising_brute_force.hpp"

namespace logz {
namespace {

// The losses from their definitions, given the free energy in double.
using FreeEnergy = std::function<double(const VectorD&)>;

double pl_loss(const FreeEnergy& f, const MatrixF& data) {
  double total = 0;
  for (Index r = 0; r < data.rows(); ++r) {
    const VectorD x = data.row(r).cast<double>().transpose();
    for (Index i = 0; i < x.size(); ++i) {
      VectorD y = x;
      y(i) = 1 - y(i);
      // p(x_i | x_-i) = p~(x) / (p~(x) + p~(y))
      total -= std::log(1.0 / (1.0 + std::exp(f(x) - f(y))));
    }
  }
  return total / static_cast<double>(data.rows());
}

double rm_loss(const FreeEnergy& f, const MatrixF& data) {
  double total = 0;
  for (Index r = 0; r < data.rows(); ++r) {
    const VectorD x = data.row(r).cast<double>().transpose();
    for (Index i = 0; i < x.size(); ++i) {
      VectorD y = x;
      y(i) = 1 - y(i);
      const double g = 1.0 / (1.0 + std::exp(f(y) - f(x)));  // g(p~(x)/p~(y)), p~ = e^-F
      total += g * g;
    }
  }
  return total / static_cast<double>(data.rows());
}

FreeEnergy rbm_free_energy(const testing::RbmDouble& m) {
  return [m](const VectorD& v) { return testing::brute_force_free_energy(m, v); };
}

FreeEnergy ising_free_energy(const MatrixD& j, const VectorD& h) {
  return [j, h](const VectorD& x) { return -testing::ising_negative_energy(j, h, x); };
}

MatrixF random_binary(Index rows, Index cols, std::uint64_t seed) {
  RandomStream stream(seed, 1);
  MatrixF x(rows, cols);
  sample_bernoulli(MatrixF::Constant(rows, cols, 0.4f), x, stream);
  return x;
}

TEST(BitFlips, RbmFlipDifferencesAndPseudoLikelihoodMatchBruteForce) {
  const BernoulliRbm rbm = testing::random_rbm(7, 5, 2.0, 3);
  const testing::RbmDouble m(rbm);
  const MatrixF x = random_binary(10, 7, 1);
  MatrixF d(10, 7);
  rbm.flip_free_energy_differences(x, d);
  for (Index r = 0; r < 10; ++r) {
    const VectorD v = x.row(r).cast<double>().transpose();
    for (Index i = 0; i < 7; ++i) {
      VectorD y = v;
      y(i) = 1 - y(i);
      EXPECT_NEAR(d(r, i), testing::brute_force_free_energy(m, y) - testing::brute_force_free_energy(m, v), 2e-5);
    }
  }
  const std::vector<double> pl = pseudo_log_likelihood(rbm, x);
  double mean = 0;
  for (double p : pl) mean += p / 10.0;
  EXPECT_NEAR(-mean, pl_loss(rbm_free_energy(m), x), 1e-4);
}

// Central finite differences of the double-precision loss against the
// analytic gradient, for every parameter of a tiny model.
template <typename Perturbed>
void expect_gradient_matches(const ParameterVector& analytic, const ParameterVector& parameters,
                             Perturbed&& loss_at, double tolerance) {
  const double eps = 1e-5;
  for (const TensorSpec& spec : parameters.specs()) {
    const bool coupling = spec.name == "J";
    const Index n = spec.size();
    for (Index k = 0; k < n; ++k) {
      Index partner = k;
      if (coupling) {
        const Index rows = spec.shape[0], a = k / rows, b = k % rows;
        if (a == b) {
          EXPECT_EQ(analytic.tensor("J")[static_cast<std::size_t>(k)], 0.0f);
          continue;
        }
        partner = b * rows + a;  // one coupling: J_ab and J_ba move together
      }
      const double plus = loss_at(spec.name, k, partner, +eps);
      const double minus = loss_at(spec.name, k, partner, -eps);
      EXPECT_NEAR(analytic.tensor(spec.name)[static_cast<std::size_t>(k)], (plus - minus) / (2 * eps), tolerance)
          << spec.name << "[" << k << "]";
    }
  }
}

class FlipObjectiveGradients : public ::testing::TestWithParam<bool> {};  // true: ratio matching

TEST_P(FlipObjectiveGradients, RbmMatchesFiniteDifferences) {
  const bool ratio = GetParam();
  const BernoulliRbm rbm = testing::random_rbm(6, 4, 1.0, 5);
  const MatrixF x = random_binary(8, 6, 2);
  ParameterVector gradient = rbm.parameters().zeros_like();
  RandomStream stream(1, 1);
  Pseudolikelihood pl;
  RatioMatching rm;
  const StepReport report = ratio ? rm.gradient(rbm, x, gradient, stream) : pl.gradient(rbm, x, gradient, stream);
  const testing::RbmDouble base(rbm);
  const auto loss = [&](const testing::RbmDouble& m) {
    return ratio ? rm_loss(rbm_free_energy(m), x) : pl_loss(rbm_free_energy(m), x);
  };
  ASSERT_TRUE(report.objective.has_value());
  EXPECT_NEAR(*report.objective, loss(base), 1e-4);
  expect_gradient_matches(gradient, rbm.parameters(), [&](const std::string& name, Index k, Index, double eps) {
    testing::RbmDouble m = base;
    if (name == "W") m.W(k / 4, k % 4) += eps;
    if (name == "b") m.b(k) += eps;
    if (name == "c") m.c(k) += eps;
    return loss(m);
  }, 2e-5);
}

TEST_P(FlipObjectiveGradients, IsingMatchesFiniteDifferences) {
  const bool ratio = GetParam();
  const IsingModel model = testing::random_ising(6, 1.0, 7);
  const MatrixF x = random_binary(8, 6, 3);
  ParameterVector gradient = model.parameters().zeros_like();
  RandomStream stream(1, 1);
  Pseudolikelihood pl;
  RatioMatching rm;
  const StepReport report = ratio ? rm.gradient(model, x, gradient, stream) : pl.gradient(model, x, gradient, stream);
  const MatrixD j = model.J().cast<double>();
  const VectorD h = model.h().cast<double>();
  const auto loss = [&](const MatrixD& jj, const VectorD& hh) {
    return ratio ? rm_loss(ising_free_energy(jj, hh), x) : pl_loss(ising_free_energy(jj, hh), x);
  };
  EXPECT_NEAR(*report.objective, loss(j, h), 1e-5);
  expect_gradient_matches(gradient, model.parameters(), [&](const std::string& name, Index k, Index partner, double eps) {
    MatrixD jj = j;
    VectorD hh = h;
    if (name == "J") {
      jj.data()[k] += eps;
      jj.data()[partner] += eps;
    } else {
      hh(k) += eps;
    }
    return loss(jj, hh);
  }, 2e-5);
}

INSTANTIATE_TEST_SUITE_P(PlAndRm, FlipObjectiveGradients, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "RatioMatching" : "Pseudolikelihood";
                         });

}  // namespace
}  // namespace logz
