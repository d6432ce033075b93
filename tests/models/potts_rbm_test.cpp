#include "logz/models/potts_rbm.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "logz/models/model_file.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "testing/potts_brute_force.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

using testing::PottsRbmDouble;

std::vector<double> free_energies(const PottsRbm& rbm, ConstMatrixRef x) {
  std::vector<double> f(static_cast<std::size_t>(x.rows()));
  rbm.free_energy(x, f);
  return f;
}

TEST(PottsRbm, FreeEnergyIsTheSumOverHiddenStates) {
  const PottsRbm rbm = testing::random_potts_rbm(3, 4, 3, 1.0, 1);
  const PottsRbmDouble m(rbm);
  const MatrixF x = testing::all_potts_states(3, 4);
  const std::vector<double> f = free_energies(rbm, x);
  for (Index t = 0; t < x.rows(); ++t) {
    EXPECT_NEAR(f[static_cast<std::size_t>(t)],
                -testing::potts_rbm_negative_free_energy(m, testing::codes_of_row(x, t)), 1e-5);
  }
}

TEST(PottsRbm, FreeEnergyGradientsMatchFiniteDifferences) {
  const PottsRbm rbm = testing::random_potts_rbm(3, 4, 3, 1.0, 2);
  const MatrixF x = testing::random_codes(6, 3, 4, 3);
  const std::vector<double> weights = {0.5, 1.5, 0.0, 2.0, 0.25, 3.0};
  const auto weighted_free_energy = [&](std::span<const double> w) {
    return [&x, w](const PottsRbmDouble& m) {
      double total = 0.0;
      for (Index r = 0; r < x.rows(); ++r) {
        total -= w[static_cast<std::size_t>(r)] *
                 testing::potts_rbm_negative_free_energy(m, testing::codes_of_row(x, r));
      }
      return total;
    };
  };
  const std::vector<double> scaled(6, 0.7);
  ParameterVector gradient = rbm.parameters().zeros_like();
  rbm.add_free_energy_gradient(x, 0.7, gradient);
  testing::expect_gradient_near(
      gradient, testing::potts_rbm_finite_differences(rbm, weighted_free_energy(scaled)), 2e-5);
  gradient.set_zero();
  rbm.add_weighted_free_energy_gradient(x, weights, gradient);
  testing::expect_gradient_near(
      gradient, testing::potts_rbm_finite_differences(rbm, weighted_free_energy(weights)), 2e-5);
}

TEST(PottsRbm, SiteDifferencesAreDifferencesOfFreeEnergies) {
  const PottsRbm rbm = testing::random_potts_rbm(5, 4, 6, 1.2, 4);
  const MatrixF x = testing::random_codes(30, 5, 4, 5);
  MatrixF differences(30, 20);
  rbm.site_free_energy_differences(x, differences);
  const std::vector<double> f = free_energies(rbm, x);
  for (Index i = 0; i < 5; ++i) {
    for (Index a = 0; a < 4; ++a) {
      MatrixF changed = x;
      changed.col(i).setConstant(static_cast<float>(a));
      const std::vector<double> g = free_energies(rbm, changed);
      for (Index r = 0; r < 30; ++r) {
        EXPECT_NEAR(differences(r, i * 4 + a),
                    g[static_cast<std::size_t>(r)] - f[static_cast<std::size_t>(r)], 1e-4)
            << "row " << r << " site " << i << " state " << a;
      }
    }
  }
}

TEST(PottsRbm, ExactLikelihoodAndGradientMatchBruteForce) {
  const PottsRbm rbm = testing::random_potts_rbm(3, 4, 3, 0.8, 6);
  const MatrixF data = testing::random_codes(25, 3, 4, 7);
  std::vector<double> weights(25);
  for (std::size_t r = 0; r < weights.size(); ++r) {
    weights[r] = 0.2 + 0.1 * static_cast<double>(r % 7);
  }
  for (const bool weighted : {false, true}) {
    const std::span<const double> w =
        weighted ? std::span<const double>(weights) : std::span<const double>();
    const auto nll = [&](const PottsRbmDouble& m) {
      const double log_z = testing::potts_rbm_brute_force_log_z(m);
      double total = 0.0;
      for (Index r = 0; r < data.rows(); ++r) {
        const double wr = w.empty() ? 1.0 : w[static_cast<std::size_t>(r)];
        total += wr * (log_z -
                       testing::potts_rbm_negative_free_energy(m, testing::codes_of_row(data, r)));
      }
      return total / static_cast<double>(data.rows());
    };
    ParameterVector gradient = rbm.parameters().zeros_like();
    const double value = exact_negative_log_likelihood(rbm, data, &gradient, {}, w);
    EXPECT_NEAR(value, nll(PottsRbmDouble(rbm)), 1e-5) << "weighted " << weighted;
    EXPECT_NEAR(exact_negative_log_likelihood(rbm, data, nullptr, {}, w), value, 1e-9);
    testing::expect_gradient_near(gradient, testing::potts_rbm_finite_differences(rbm, nll), 2e-5);
  }
}

// Sweeps (hidden then visible) from one fixed state reach the target over all
// 27 states of L = 3, q = 3: at beta = 1, and half way along the path from a
// data base, where log p~_beta(x) = (1 - beta) a.x + log sum_h exp(-beta E(x, h)).
TEST(PottsRbm, GibbsSweepsSampleTheModelAndItsPath) {
  const PottsRbm rbm = testing::random_potts_rbm(3, 3, 3, 1.0, 8);
  const VectorF base = rbm.data_base(testing::random_codes(40, 3, 3, 9));
  const auto log_p = [&](float beta, const VectorF* a) {
    PottsRbmDouble scaled(rbm);
    for (auto* v : {&scaled.W, &scaled.b, &scaled.c}) {
      for (double& t : *v) {
        t *= beta;
      }
    }
    return [scaled, beta, a](const std::vector<int>& x) {
      double base_term = 0.0;
      for (Index i = 0; i < 3 && a != nullptr; ++i) {
        base_term += (*a)(i * 3 + x[static_cast<std::size_t>(i)]);
      }
      return testing::potts_rbm_negative_free_energy(scaled, x) + (1.0 - beta) * base_term;
    };
  };
  const Index chains = 8000;
  for (const float beta : {1.0f, 0.5f}) {
    const PathPoint at(beta, beta == 1.0f ? nullptr : &base);
    const std::vector<double> p =
        testing::state_probabilities(3, 3, log_p(beta, at.base_visible_bias));
    RandomStream stream(10, 1);
    MatrixF x = MatrixF::Zero(chains, 3);
    for (int sweep = 0; sweep < 10; ++sweep) {
      rbm.sweep_visible(x, stream, at);
    }
    const testing::ChiSquare fit = testing::chi_square(x, p, 3);
    EXPECT_LT(fit.statistic, fit.bound()) << "beta " << beta;
    const std::vector<double> other =
        testing::state_probabilities(3, 3, log_p(beta == 1.0f ? 0.5f : 1.0f, &base));
    const testing::ChiSquare misfit = testing::chi_square(x, other, 3);
    EXPECT_GT(misfit.statistic, 10 * misfit.bound()) << "beta " << beta;
  }
  // Block Gibbs on chains (visible given the kept hidden, then hidden) at beta = 1.
  RandomStream stream(11, 1);
  ChainState state;
  rbm.start_chains(MatrixF::Zero(chains, 3), state, stream);
  for (int sweep = 0; sweep < 10; ++sweep) {
    rbm.gibbs_sweep(state, stream);
  }
  const testing::ChiSquare fit = testing::chi_square(
      state.visible, testing::state_probabilities(3, 3, log_p(1.0f, nullptr)), 3);
  EXPECT_LT(fit.statistic, fit.bound());
}

TEST(PottsRbm, BaseDrawsAndPartitionAreThoseOfIndependentSites) {
  const PottsRbm rbm = testing::random_potts_rbm(3, 3, 4, 1.0, 12);
  const VectorF base = rbm.data_base(testing::random_codes(15, 3, 3, 13));
  const auto base_log_weight = [&](const std::vector<int>& x) {
    double value = 0.0;
    for (Index i = 0; i < 3; ++i) {
      value += base(i * 3 + x[static_cast<std::size_t>(i)]);
    }
    return value;
  };
  // The base leaves the 2^H hidden states uniform.
  EXPECT_NEAR(rbm.base_log_partition(base),
              testing::log_sum_over_states(3, 3, base_log_weight) + 4 * std::log(2.0), 1e-6);
  RandomStream stream(14, 1);
  MatrixF x(8000, 3);
  rbm.draw_base(&base, x, stream);
  const testing::ChiSquare fit =
      testing::chi_square(x, testing::state_probabilities(3, 3, base_log_weight), 3);
  EXPECT_LT(fit.statistic, fit.bound());
  rbm.draw_base(nullptr, x, stream);
  const testing::ChiSquare uniform = testing::chi_square(x, std::vector<double>(27, 1.0 / 27), 3);
  EXPECT_LT(uniform.statistic, uniform.bound());
}

TEST(PottsRbm, ModelFileRoundTrip) {
  testing::TempDir dir;
  const PottsRbm rbm = testing::random_potts_rbm(4, 5, 3, 1.0, 16);
  save_model(dir.file("r.safetensors"), rbm);
  const LoadedModel loaded = load_model(dir.file("r.safetensors"));
  EXPECT_EQ(loaded.model->kind(), "potts_rbm");
  EXPECT_EQ(loaded.metadata.at("model"), "potts_rbm");
  const auto* typed = dynamic_cast<const PottsRbm*>(loaded.model.get());
  ASSERT_NE(typed, nullptr);
  EXPECT_EQ(typed->n_visible(), 4);
  EXPECT_EQ(typed->n_states(), 5);
  EXPECT_EQ(typed->n_hidden(), 3);
  const auto a = rbm.parameters().values();
  const auto b = loaded.model->parameters().values();
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
}

}  // namespace
}  // namespace logz
