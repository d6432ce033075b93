#include "logz/models/gaussian_bernoulli_rbm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "logz/models/model_file.hpp"
#include "testing/gbrbm_reference.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

using testing::GbrbmDouble;

constexpr Index kV = 3, kH = 4;

MatrixF random_points(Index n, Index v, std::uint64_t seed) {
  MatrixF x(n, v);
  RandomStream stream(seed, 97);
  stream.normal(std::span<float>(x.data(), static_cast<std::size_t>(x.size())), 0.0, 1.5);
  return x;
}

VectorD row(const MatrixF& x, Index r) { return x.row(r).cast<double>().transpose(); }

// Central differences of f(theta) with respect to every parameter of `model`.
VectorD numerical_gradient(const EnergyModel& model, Index v, Index h,
                           const std::function<double(const GbrbmDouble&)>& f) {
  const VectorD theta = GbrbmDouble::parameters_of(model);
  VectorD g(theta.size());
  const double eps = 1e-5;
  for (Index k = 0; k < theta.size(); ++k) {
    VectorD plus = theta, minus = theta;
    plus(k) += eps;
    minus(k) -= eps;
    g(k) = (f(GbrbmDouble(plus, v, h)) - f(GbrbmDouble(minus, v, h))) / (2 * eps);
  }
  return g;
}

VectorD values_of(const ParameterVector& p) {
  return Eigen::Map<const VectorF>(p.values().data(), p.size()).cast<double>();
}

void expect_gradients_match(const ParameterVector& analytic, const VectorD& numeric) {
  const VectorD a = values_of(analytic);
  ASSERT_EQ(a.size(), numeric.size());
  for (Index k = 0; k < a.size(); ++k) {
    EXPECT_NEAR(a(k), numeric(k), 2e-4 * std::max(1.0, std::fabs(numeric(k)))) << "parameter " << k;
  }
}

TEST(GaussianBernoulliRbm, FreeEnergyAndConditionalsFollowTheJoint) {
  const GaussianBernoulliRbm rbm = testing::random_gbrbm(kV, kH, 1.0, 1);
  const GbrbmDouble m(rbm);
  const MatrixF x = random_points(10, kV, 2);
  for (const float beta : {0.0f, 0.4f, 1.0f}) {
    std::vector<double> f(10);
    rbm.free_energy(x, PathPoint(beta), f);
    MatrixF p(10, kH);
    rbm.hidden_probability(x, p, PathPoint(beta));
    for (Index r = 0; r < 10; ++r) {
      // F_beta(v) = -log sum_h exp(-quadratic - beta (interaction)), brute force over h.
      const VectorD v = row(x, r);
      const double quadratic = m.energy(v, VectorD::Zero(kH));
      LogSumExp sum;
      std::vector<double> on(kH, 0.0);
      for (std::uint64_t s = 0; s < (1u << kH); ++s) {
        const VectorD h = testing::hidden_bits(s, kH);
        const double log_w = -quadratic - beta * (m.energy(v, h) - quadratic);
        sum.add(log_w);
        for (Index j = 0; j < kH; ++j) on[j] += h(j) * std::exp(log_w);
      }
      EXPECT_NEAR(f[r], -sum.value(), 1e-5 * std::max(1.0, std::fabs(f[r])));
      for (Index j = 0; j < kH; ++j) EXPECT_NEAR(p(r, j), on[j] / std::exp(sum.value()), 1e-6);
    }
  }
}

TEST(GaussianBernoulliRbm, ScoreAndDivergenceAreDerivativesOfTheFreeEnergy) {
  const GaussianBernoulliRbm rbm = testing::random_gbrbm(kV, kH, 1.2, 3);
  const GbrbmDouble m(rbm);
  const MatrixF x = random_points(8, kV, 4);
  MatrixF score(8, kV);
  rbm.score(x, score);
  std::vector<double> divergence(8);
  rbm.score_divergence(x, divergence);
  const double eps = 1e-5;
  for (Index r = 0; r < 8; ++r) {
    const VectorD v = row(x, r);
    double numeric_divergence = 0;
    for (Index d = 0; d < kV; ++d) {
      VectorD plus = v, minus = v;
      plus(d) += eps;
      minus(d) -= eps;
      const double psi = -(m.free_energy(plus) - m.free_energy(minus)) / (2 * eps);
      EXPECT_NEAR(score(r, d), psi, 1e-4 * std::max(1.0, std::fabs(psi)));
      EXPECT_NEAR(m.score(v)(d), psi, 1e-6 * std::max(1.0, std::fabs(psi)));
      numeric_divergence += (m.score(plus)(d) - m.score(minus)(d)) / (2 * eps);
    }
    EXPECT_NEAR(m.score_divergence(v), numeric_divergence, 1e-6 * std::max(1.0, std::fabs(numeric_divergence)));
    EXPECT_NEAR(divergence[r], numeric_divergence, 1e-4 * std::max(1.0, std::fabs(numeric_divergence)));
  }
}

class GbrbmParameterGradients : public ::testing::Test {
 protected:
  GaussianBernoulliRbm rbm = testing::random_gbrbm(kV, kH, 1.0, 5);
  MatrixF x = random_points(6, kV, 6);
  MatrixF r = random_points(6, kV, 7);
  std::vector<double> weights{0.5, -1.0, 2.0, 0.0, 1.5, -0.3};
};

TEST_F(GbrbmParameterGradients, FreeEnergyGradientMatchesFiniteDifferences) {
  ParameterVector g = rbm.parameters().zeros_like();
  rbm.add_free_energy_gradient(x, 0.7, g);
  expect_gradients_match(g, numerical_gradient(rbm, kV, kH, [&](const GbrbmDouble& m) {
    double sum = 0;
    for (Index n = 0; n < x.rows(); ++n) sum += 0.7 * m.free_energy(row(x, n));
    return sum;
  }));
}

TEST_F(GbrbmParameterGradients, WeightedFreeEnergyGradientMatchesFiniteDifferences) {
  ParameterVector g = rbm.parameters().zeros_like();
  rbm.add_weighted_free_energy_gradient(x, weights, g);
  expect_gradients_match(g, numerical_gradient(rbm, kV, kH, [&](const GbrbmDouble& m) {
    double sum = 0;
    for (Index n = 0; n < x.rows(); ++n) sum += weights[n] * m.free_energy(row(x, n));
    return sum;
  }));
}

TEST_F(GbrbmParameterGradients, ScoreVjpMatchesFiniteDifferences) {
  ParameterVector g = rbm.parameters().zeros_like();
  rbm.add_score_vjp(x, r, 1.3, g);
  expect_gradients_match(g, numerical_gradient(rbm, kV, kH, [&](const GbrbmDouble& m) {
    double sum = 0;
    for (Index n = 0; n < x.rows(); ++n) sum += 1.3 * row(r, n).dot(m.score(row(x, n)));
    return sum;
  }));
}

TEST_F(GbrbmParameterGradients, ScoreDivergenceGradientMatchesFiniteDifferences) {
  ParameterVector g = rbm.parameters().zeros_like();
  rbm.add_score_divergence_gradient(x, -0.8, g);
  expect_gradients_match(g, numerical_gradient(rbm, kV, kH, [&](const GbrbmDouble& m) {
    double sum = 0;
    for (Index n = 0; n < x.rows(); ++n) sum += -0.8 * m.score_divergence(row(x, n));
    return sum;
  }));
}

// The fused pass equals the composition of the primitives (each checked by
// finite differences above): score matching, and denoising score matching's
// target without the divergence, with sigma learned and fixed.
TEST_F(GbrbmParameterGradients, FusedScoreMatchingPassEqualsItsParts) {
  for (const bool learn : {true, false}) {
    GaussianBernoulliRbm model = rbm;
    model.set_learn_sigma(learn);
    for (const bool divergence : {true, false}) {
      const MatrixF* target = divergence ? nullptr : &r;
      ParameterVector fused = model.parameters().zeros_like(), parts = fused.zeros_like();
      const double fused_loss = model.add_score_matching_gradient(x, target, divergence, 0.7, fused);
      const double parts_loss =
          model.ScoreModel::add_score_matching_gradient(x, target, divergence, 0.7, parts);
      EXPECT_NEAR(fused_loss, parts_loss, 1e-4 * std::fabs(parts_loss));
      for (Index i = 0; i < fused.size(); ++i) {
        EXPECT_NEAR(fused.values()[i], parts.values()[i], 1e-4 * (1.0 + std::fabs(parts.values()[i])))
            << fused.specs().size() << " learn " << learn << " divergence " << divergence
            << " index " << i;
      }
    }
  }
}

TEST_F(GbrbmParameterGradients, FixedSigmaLeavesLogSigmaUntouched) {
  GaussianBernoulliRbm fixed = rbm;
  fixed.set_learn_sigma(false);
  EXPECT_TRUE(rbm.learn_sigma());
  const std::vector<std::function<void(const GaussianBernoulliRbm&, ParameterVector&)>> gradients = {
      [&](const GaussianBernoulliRbm& m, ParameterVector& g) { m.add_free_energy_gradient(x, 1.0, g); },
      [&](const GaussianBernoulliRbm& m, ParameterVector& g) { m.add_weighted_free_energy_gradient(x, weights, g); },
      [&](const GaussianBernoulliRbm& m, ParameterVector& g) { m.add_score_vjp(x, r, 1.0, g); },
      [&](const GaussianBernoulliRbm& m, ParameterVector& g) { m.add_score_divergence_gradient(x, 1.0, g); },
  };
  for (const auto& add : gradients) {
    ParameterVector learned = rbm.parameters().zeros_like(), kept = rbm.parameters().zeros_like();
    add(rbm, learned);
    add(fixed, kept);
    EXPECT_GT(learned.vector("log_sigma").norm(), 1e-3f);
    EXPECT_EQ(kept.vector("log_sigma").norm(), 0.0f);
    for (const char* name : {"W", "b", "c"}) {
      const auto a = learned.tensor(name), b = kept.tensor(name);
      EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << name;
    }
  }
}

TEST(GaussianBernoulliRbm, VisibleDrawsHaveTheConditionalMeanAndVariance) {
  const GaussianBernoulliRbm rbm = testing::random_gbrbm(kV, kH, 1.0, 8);
  const GbrbmDouble m(rbm);
  const Index draws = 20000;
  for (const float beta : {1.0f, 0.5f}) {
    for (std::uint64_t s : {0u, 5u, 15u}) {
      const VectorD h = testing::hidden_bits(s, kH);
      const MatrixF hidden = h.cast<float>().transpose().replicate(draws, 1);
      MatrixF mean(draws, kV), sample(draws, kV);
      RandomStream stream(11 + s, 3);
      rbm.sample_visible(hidden, mean, sample, stream, PathPoint(beta));
      const VectorD expected = m.b + beta * m.sigma.cwiseProduct(m.W * h);
      const VectorD sample_mean = sample.cast<double>().colwise().mean().transpose();
      for (Index i = 0; i < kV; ++i) {
        EXPECT_NEAR(mean(0, i), expected(i), 1e-5);
        const double variance =
            (sample.col(i).cast<double>().array() - sample_mean(i)).square().sum() / (draws - 1);
        const double sd = m.sigma(i);
        EXPECT_NEAR(sample_mean(i), expected(i), 4 * sd / std::sqrt(draws));
        // sd of the sample variance: sigma^2 sqrt(2 / (n - 1)).
        EXPECT_NEAR(variance, sd * sd, 4 * sd * sd * std::sqrt(2.0 / (draws - 1)));
      }
    }
  }
}

TEST(GaussianBernoulliRbm, GibbsSweepKeepsTheConditionalMeanAndBaseDrawsAreTheGaussian) {
  const GaussianBernoulliRbm rbm = testing::random_gbrbm(kV, kH, 1.0, 9);
  RandomStream stream(1, 3);
  ChainState state;
  rbm.start_chains(random_points(5, kV, 10), state, stream);
  const MatrixF hidden = state.hidden;
  rbm.gibbs_sweep(state, stream);
  MatrixF expected(5, kV);
  rbm.visible_mean(hidden, expected);
  EXPECT_LT((state.visible_probability - expected).cwiseAbs().maxCoeff(), 1e-6f);

  const Index draws = 20000;
  MatrixF base(draws, kV);
  rbm.draw_base(nullptr, base, stream);
  const GbrbmDouble m(rbm);
  for (Index i = 0; i < kV; ++i) {
    EXPECT_NEAR(base.col(i).cast<double>().mean(), m.b(i), 4 * m.sigma(i) / std::sqrt(draws));
  }
  // log Z_0 = H log 2 + sum_i log(sqrt(2 pi) sigma_i).
  const double expected_log_z = kH * std::log(2.0) +
                                (m.sigma.array() * std::sqrt(2 * M_PI)).log().sum();
  EXPECT_NEAR(rbm.base_log_partition(VectorF::Zero(kV)), expected_log_z, 1e-6);
}

TEST(GaussianBernoulliRbm, InitializeFromDataAndModelFileRoundTrip) {
  GaussianBernoulliRbm rbm(kV, kH);
  MatrixF data = random_points(1000, kV, 12);
  data.col(1).array() = 4.0f * data.col(1).array() + 2.0f;
  data.col(2).setConstant(3.0f);
  RandomStream stream(2, 1);
  rbm.initialize(stream, 0.01, data);
  EXPECT_NEAR(rbm.b()(1), data.col(1).mean(), 1e-4);
  EXPECT_NEAR(std::exp(rbm.log_sigma()(1)), std::sqrt((data.col(1).array() - data.col(1).mean()).square().mean()), 1e-3);
  EXPECT_NEAR(rbm.log_sigma()(2), std::log(1e-3), 1e-5);  // constant column: the floor
  EXPECT_EQ(rbm.c().norm(), 0.0f);

  const GaussianBernoulliRbm model = testing::random_gbrbm(kV, kH, 1.0, 13);
  testing::TempDir dir;
  save_model(dir.file("g.safetensors"), model);
  const LoadedModel loaded = load_model(dir.file("g.safetensors"));
  EXPECT_EQ(loaded.model->kind(), "gaussian_bernoulli_rbm");
  EXPECT_FALSE(loaded.model->binary_visible());
  ASSERT_TRUE(loaded.model->parameters().same_layout(model.parameters()));
  const std::span<const float> a = loaded.model->parameters().values(), b = model.parameters().values();
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()));
  const MatrixF x = random_points(4, kV, 14);
  std::vector<double> fa(4), fb(4);
  loaded.model->free_energy(x, fa);
  model.free_energy(x, fb);
  EXPECT_EQ(fa, fb);
}

}  // namespace
}  // namespace logz
