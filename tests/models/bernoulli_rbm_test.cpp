#include "logz/models/bernoulli_rbm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "testing/brute_force.hpp"

namespace logz {
namespace {

MatrixF all_states(Index n) {
  MatrixF x(Index{1} << n, n);
  for (Index s = 0; s < x.rows(); ++s) x.row(s) = testing::bits_of(static_cast<std::uint64_t>(s), n).cast<float>().transpose();
  return x;
}

TEST(BernoulliRbm, FreeEnergyEqualsTheSumOverHiddenStates) {
  for (const double scale : {0.5, 3.0}) {
    const BernoulliRbm rbm = testing::random_rbm(7, 9, scale, 11);
    const testing::RbmDouble m(rbm);
    const MatrixF v = all_states(7);
    std::vector<double> f(static_cast<std::size_t>(v.rows()));
    rbm.free_energy(v, f);
    for (Index s = 0; s < v.rows(); ++s) {
      const double expected = testing::brute_force_free_energy(m, v.row(s).cast<double>().transpose());
      EXPECT_NEAR(f[static_cast<std::size_t>(s)], expected, 2e-6 * std::max(1.0, std::fabs(expected)));
    }
  }
}

TEST(BernoulliRbm, TemperedFreeEnergyScalesTheEnergy) {
  // F_beta(v) = -log sum_h exp(-beta E(v, h)): the model with parameters beta * theta.
  const BernoulliRbm rbm = testing::random_rbm(6, 5, 1.0, 2);
  BernoulliRbm scaled = rbm;
  for (float& x : scaled.parameters().values()) x *= 0.3f;
  const MatrixF v = all_states(6);
  std::vector<double> a(64), b(64);
  rbm.free_energy(v, PathPoint(0.3f), a);
  scaled.free_energy(v, b);
  for (std::size_t i = 0; i < 64; ++i) EXPECT_NEAR(a[i], b[i], 1e-5);
}

TEST(BernoulliRbm, PathFreeEnergyAndConditionalsFollowTheAnnealedJoint) {
  // log p~_beta(v, h) = (1 - beta) a.v + beta (b.v + c.h + v^T W h)
  const BernoulliRbm rbm = testing::random_rbm(5, 4, 1.5, 6);
  const testing::RbmDouble m(rbm);
  VectorF base(5);
  base << -1.0f, 0.5f, 2.0f, -0.3f, 0.0f;
  const MatrixF v = all_states(5);
  for (const float beta : {0.0f, 0.37f, 1.0f}) {
    const PathPoint at(beta, &base);
    std::vector<double> f(32);
    rbm.free_energy(v, at, f);
    MatrixF ph(32, 4);
    rbm.hidden_probability(v, ph, at);
    for (Index s = 0; s < 32; ++s) {
      const VectorD vs = v.row(s).cast<double>().transpose();
      LogSumExp sum;
      for (std::uint64_t sh = 0; sh < 16; ++sh) {
        const VectorD h = testing::bits_of(sh, 4);
        sum.add((1 - beta) * base.cast<double>().dot(vs) + beta * testing::negative_energy(m, vs, h));
      }
      EXPECT_NEAR(f[static_cast<std::size_t>(s)], -sum.value(), 1e-5) << "beta " << beta;
      for (Index j = 0; j < 4; ++j) {
        const double a = beta * (m.c(j) + m.W.col(j).dot(vs));
        EXPECT_NEAR(ph(s, j), 1.0 / (1.0 + std::exp(-a)), 1e-6);
      }
    }
    const MatrixF h = all_states(4);
    MatrixF pv(16, 5);
    rbm.visible_probability(h, pv, at);
    for (Index s = 0; s < 16; ++s) {
      for (Index i = 0; i < 5; ++i) {
        const double a = (1 - beta) * base(i) + beta * (m.b(i) + m.W.row(i).dot(h.row(s).cast<double>()));
        EXPECT_NEAR(pv(s, i), 1.0 / (1.0 + std::exp(-a)), 1e-6);
      }
    }
  }
}

TEST(BernoulliRbm, VisibleLogOddsAreSmoothedBaseRates) {
  MatrixF data(4, 2);
  data << 1, 0, 1, 0, 0, 0, 1, 0;
  const VectorF odds = visible_log_odds(data);
  EXPECT_NEAR(odds(0), std::log(4.0 / 2.0), 1e-6);
  EXPECT_NEAR(odds(1), std::log(1.0 / 5.0), 1e-6);
}

TEST(BernoulliRbm, ConditionalsAreTheRatiosOfJointProbabilities) {
  const BernoulliRbm rbm = testing::random_rbm(5, 4, 1.5, 4);
  const testing::RbmDouble m(rbm);
  const MatrixF v = all_states(5);
  MatrixF ph(v.rows(), 4);
  rbm.hidden_probability(v, ph);
  for (Index s = 0; s < v.rows(); ++s) {
    const VectorD vs = v.row(s).cast<double>().transpose();
    for (Index j = 0; j < 4; ++j) {
      // p(h_j = 1 | v) = sum_{h: h_j = 1} exp(-E) / sum_h exp(-E)
      double on = 0, all = 0;
      for (std::uint64_t sh = 0; sh < 16; ++sh) {
        const VectorD h = testing::bits_of(sh, 4);
        const double w = std::exp(testing::negative_energy(m, vs, h));
        all += w;
        if (h(j) == 1.0) on += w;
      }
      EXPECT_NEAR(ph(s, j), on / all, 1e-6);
    }
  }
  const MatrixF h = all_states(4);
  MatrixF pv(h.rows(), 5);
  rbm.visible_probability(h, pv);
  for (Index s = 0; s < h.rows(); ++s) {
    for (Index i = 0; i < 5; ++i) {
      const double a = m.b(i) + m.W.row(i).dot(h.row(s).cast<double>());
      EXPECT_NEAR(pv(s, i), 1.0 / (1.0 + std::exp(-a)), 1e-6);
    }
  }
}

TEST(BernoulliRbm, FreeEnergyGradientMatchesFiniteDifferences) {
  const BernoulliRbm rbm = testing::random_rbm(6, 4, 1.0, 8);
  MatrixF v(3, 6);
  v << 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0;
  ParameterVector gradient = rbm.parameters().zeros_like();
  rbm.add_free_energy_gradient(v, 1.0 / 3.0, gradient);
  // Mean F(v) in double at perturbed parameters.
  const auto mean_free_energy = [&](const testing::RbmDouble& m) {
    double total = 0;
    for (Index i = 0; i < 3; ++i) total += testing::brute_force_free_energy(m, v.row(i).cast<double>().transpose());
    return total / 3.0;
  };
  const double eps = 1e-5;
  const testing::RbmDouble base(rbm);
  for (Index i = 0; i < 6; ++i) {
    for (Index j = 0; j < 4; ++j) {
      testing::RbmDouble plus = base, minus = base;
      plus.W(i, j) += eps;
      minus.W(i, j) -= eps;
      const double fd = (mean_free_energy(plus) - mean_free_energy(minus)) / (2 * eps);
      EXPECT_NEAR(gradient.matrix("W")(i, j), fd, 1e-5);
    }
    testing::RbmDouble plus = base, minus = base;
    plus.b(i) += eps;
    minus.b(i) -= eps;
    EXPECT_NEAR(gradient.vector("b")(i), (mean_free_energy(plus) - mean_free_energy(minus)) / (2 * eps), 1e-5);
  }
  for (Index j = 0; j < 4; ++j) {
    testing::RbmDouble plus = base, minus = base;
    plus.c(j) += eps;
    minus.c(j) -= eps;
    EXPECT_NEAR(gradient.vector("c")(j), (mean_free_energy(plus) - mean_free_energy(minus)) / (2 * eps), 1e-5);
  }
}

TEST(BernoulliRbm, GibbsChainsReachTheModelDistribution) {
  // Long block-Gibbs chains: the visible marginals match the exact ones.
  const BernoulliRbm rbm = testing::random_rbm(5, 3, 1.0, 21);
  const testing::RbmDouble m(rbm);
  const double log_z = testing::brute_force_log_z(m);
  VectorD exact_mean = VectorD::Zero(5);
  for (std::uint64_t sv = 0; sv < 32; ++sv) {
    const VectorD v = testing::bits_of(sv, 5);
    exact_mean += std::exp(-testing::brute_force_free_energy(m, v) - log_z) * v;
  }
  RandomStream stream(3, 3);
  ChainState state;
  const Index chains = 2000;
  rbm.start_chains(MatrixF::Zero(chains, 5), state, stream);
  for (int s = 0; s < 50; ++s) rbm.gibbs_sweep(state, stream);
  const VectorD mean = state.visible.cast<double>().colwise().mean().transpose();
  for (Index i = 0; i < 5; ++i) {
    const double p = exact_mean(i);
    EXPECT_NEAR(mean(i), p, 5 * std::sqrt(p * (1 - p) / chains)) << "unit " << i;
  }
}

TEST(BernoulliRbm, InitializationFollowsTheDataMarginals) {
  MatrixF data = MatrixF::Zero(10, 3);
  data.col(1).setOnes();
  data.block(0, 2, 4, 1).setOnes();
  BernoulliRbm rbm(3, 200);
  RandomStream stream(1, 1);
  rbm.initialize(stream, 0.01, data);
  EXPECT_NEAR(rbm.b()(0), std::log(1.0 / 11.0), 1e-6);
  EXPECT_NEAR(rbm.b()(1), std::log(11.0 / 1.0), 1e-6);
  EXPECT_NEAR(rbm.b()(2), std::log(5.0 / 7.0), 1e-6);
  EXPECT_EQ(rbm.c().squaredNorm(), 0.0f);
  const double sd = std::sqrt(rbm.W().squaredNorm() / 600.0);
  EXPECT_NEAR(sd, 0.01, 0.002);
}

}  // namespace
}  // namespace logz
