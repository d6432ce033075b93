#include "logz/models/potts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "logz/error.hpp"
#include "logz/io/safetensors.hpp"
#include "logz/models/model_file.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "testing/potts_brute_force.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

using testing::PottsDouble;

std::vector<double> free_energies(const PottsModel& model, ConstMatrixRef x) {
  std::vector<double> f(static_cast<std::size_t>(x.rows()));
  model.free_energy(x, f);
  return f;
}

TEST(Potts, FreeEnergyIsTheDoubleLoopEnergy) {
  const PottsModel model = testing::random_potts(4, 3, 1.0, 1);
  const PottsDouble m(model);
  const MatrixF x = testing::all_potts_states(4, 3);
  const std::vector<double> f = free_energies(model, x);
  for (Index t = 0; t < x.rows(); ++t) {
    EXPECT_NEAR(f[static_cast<std::size_t>(t)],
                -testing::potts_negative_energy(m, testing::codes_of_row(x, t)), 1e-5);
  }
}

TEST(Potts, FreeEnergyGradientsMatchFiniteDifferences) {
  // F is linear in the parameters: central differences are exact up to rounding.
  const PottsModel model = testing::random_potts(4, 3, 1.0, 2);
  const MatrixF x = testing::random_codes(7, 4, 3, 3);
  const std::vector<double> weights = {0.5, 1.5, 0.0, 2.0, 0.25, 1.0, 3.0};
  const auto weighted_free_energy = [&](std::span<const double> w) {
    return [&x, w](const PottsDouble& m) {
      double total = 0.0;
      for (Index r = 0; r < x.rows(); ++r) {
        total -= w[static_cast<std::size_t>(r)] *
                 testing::potts_negative_energy(m, testing::codes_of_row(x, r));
      }
      return total;
    };
  };
  const std::vector<double> scaled(7, 0.7);
  ParameterVector gradient = model.parameters().zeros_like();
  model.add_free_energy_gradient(x, 0.7, gradient);
  testing::expect_gradient_near(
      gradient, testing::potts_finite_differences(model, weighted_free_energy(scaled)), 1e-5);
  gradient.set_zero();
  model.add_weighted_free_energy_gradient(x, weights, gradient);
  testing::expect_gradient_near(
      gradient, testing::potts_finite_differences(model, weighted_free_energy(weights)), 1e-5);
}

TEST(Potts, SiteDifferencesAreDifferencesOfFreeEnergies) {
  const PottsModel model = testing::random_potts(5, 4, 1.2, 4);
  const MatrixF x = testing::random_codes(30, 5, 4, 5);
  MatrixF differences(30, 20);
  model.site_free_energy_differences(x, differences);
  const std::vector<double> f = free_energies(model, x);
  for (Index i = 0; i < 5; ++i) {
    for (Index a = 0; a < 4; ++a) {
      MatrixF changed = x;
      changed.col(i).setConstant(static_cast<float>(a));
      const std::vector<double> g = free_energies(model, changed);
      for (Index r = 0; r < 30; ++r) {
        EXPECT_NEAR(differences(r, i * 4 + a),
                    g[static_cast<std::size_t>(r)] - f[static_cast<std::size_t>(r)], 1e-4)
            << "row " << r << " site " << i << " state " << a;
      }
    }
  }
}

TEST(Potts, ExactLikelihoodAndGradientMatchBruteForce) {
  const PottsModel model = testing::random_potts(4, 3, 0.8, 6);
  const MatrixF data = testing::random_codes(25, 4, 3, 7);
  std::vector<double> weights(25);
  for (std::size_t r = 0; r < weights.size(); ++r) {
    weights[r] = 0.2 + 0.1 * static_cast<double>(r % 7);
  }
  for (const bool weighted : {false, true}) {
    const std::span<const double> w =
        weighted ? std::span<const double>(weights) : std::span<const double>();
    // (1/n) sum_r w_r (log Z - (-E(x_r))), in double.
    const auto nll = [&](const PottsDouble& m) {
      const double log_z = testing::potts_brute_force_log_z(m);
      double total = 0.0;
      for (Index r = 0; r < data.rows(); ++r) {
        const double wr = w.empty() ? 1.0 : w[static_cast<std::size_t>(r)];
        total += wr * (log_z - testing::potts_negative_energy(m, testing::codes_of_row(data, r)));
      }
      return total / static_cast<double>(data.rows());
    };
    ParameterVector gradient = model.parameters().zeros_like();
    const double value = exact_negative_log_likelihood(model, data, &gradient, {}, w);
    EXPECT_NEAR(value, nll(PottsDouble(model)), 1e-5) << "weighted " << weighted;
    EXPECT_NEAR(exact_negative_log_likelihood(model, data, nullptr, {}, w), value, 1e-9);
    testing::expect_gradient_near(gradient, testing::potts_finite_differences(model, nll), 2e-5);
  }
}

// Sweeps from one fixed state reach the target distribution over all 27
// states of an L = 3, q = 3 model: at beta = 1, and half way along the path
// from a data base.
TEST(Potts, GibbsSweepsSampleTheModelAndItsPath) {
  const PottsModel model = testing::random_potts(3, 3, 0.8, 8);
  const PottsDouble m(model);
  const VectorF base = model.data_base(testing::random_codes(40, 3, 3, 9));
  const auto log_p = [&](float beta, const VectorF* a) {
    return [&m, beta, a](const std::vector<int>& x) {
      double base_term = 0.0;
      for (Index i = 0; i < 3 && a != nullptr; ++i) {
        base_term += (*a)(i * 3 + x[static_cast<std::size_t>(i)]);
      }
      return beta * testing::potts_negative_energy(m, x) + (1.0 - beta) * base_term;
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
      model.sweep_visible(x, stream, at);
    }
    const testing::ChiSquare fit = testing::chi_square(x, p, 3);
    EXPECT_LT(fit.statistic, fit.bound()) << "beta " << beta;
    // The test has teeth: the other distribution is far out.
    const std::vector<double> other =
        testing::state_probabilities(3, 3, log_p(beta == 1.0f ? 0.5f : 1.0f, &base));
    const testing::ChiSquare misfit = testing::chi_square(x, other, 3);
    EXPECT_GT(misfit.statistic, 10 * misfit.bound()) << "beta " << beta;
  }
  // gibbs_sweep on chains is the same kernel at beta = 1.
  RandomStream stream(11, 1);
  ChainState state;
  model.start_chains(MatrixF::Zero(chains, 3), state, stream);
  for (int sweep = 0; sweep < 10; ++sweep) {
    model.gibbs_sweep(state, stream);
  }
  const testing::ChiSquare fit = testing::chi_square(
      state.visible, testing::state_probabilities(3, 3, log_p(1.0f, nullptr)), 3);
  EXPECT_LT(fit.statistic, fit.bound());
}

TEST(Potts, BaseDrawsAndPartitionAreThoseOfIndependentSites) {
  const PottsModel model = testing::random_potts(3, 3, 1.0, 12);
  const VectorF base = model.data_base(testing::random_codes(15, 3, 3, 13));
  const auto base_log_weight = [&](const std::vector<int>& x) {
    double value = 0.0;
    for (Index i = 0; i < 3; ++i) {
      value += base(i * 3 + x[static_cast<std::size_t>(i)]);
    }
    return value;
  };
  EXPECT_NEAR(model.base_log_partition(base), testing::log_sum_over_states(3, 3, base_log_weight),
              1e-6);
  EXPECT_NEAR(model.base_log_partition(VectorF::Zero(9)), 3 * std::log(3.0), 1e-6);
  RandomStream stream(14, 1);
  MatrixF x(8000, 3);
  model.draw_base(&base, x, stream);
  const testing::ChiSquare fit =
      testing::chi_square(x, testing::state_probabilities(3, 3, base_log_weight), 3);
  EXPECT_LT(fit.statistic, fit.bound());
  model.draw_base(nullptr, x, stream);
  const testing::ChiSquare uniform = testing::chi_square(x, std::vector<double>(27, 1.0 / 27), 3);
  EXPECT_LT(uniform.statistic, uniform.bound());
}

TEST(Potts, InitializedFieldsGiveTheSmoothedFrequenciesWithZeroMean) {
  // Weighted data: the fields' softmax is (sum of weights with x_i = a, + 1)
  // / (sum of weights + q), and each site's fields add up to zero (the
  // least-norm fields of those probabilities, which plmc's penalty prefers).
  constexpr Index kSites = 4, kStates = 5, kRows = 60;
  const MatrixF data = testing::random_codes(kRows, kSites, kStates, 21);
  std::vector<double> weights(kRows);
  for (Index r = 0; r < kRows; ++r)
    weights[static_cast<std::size_t>(r)] = 0.5 + 0.25 * static_cast<double>(r % 3);
  double total_weight = 0.0;
  for (const double w : weights)
    total_weight += w;
  // site_log_frequencies takes weights of mean 1, as the trainer hands them.
  for (double& w : weights)
    w *= kRows / total_weight;
  PottsModel model(kSites, kStates);
  model.initialize(data, weights);
  for (Index i = 0; i < kSites; ++i) {
    std::vector<double> count(kStates, 1.0);
    for (Index r = 0; r < kRows; ++r)
      count[static_cast<std::size_t>(data(r, i))] += weights[static_cast<std::size_t>(r)];
    double sum = 0.0, normalizer = 0.0;
    for (Index a = 0; a < kStates; ++a) {
      sum += model.field(i, a);
      normalizer += std::exp(static_cast<double>(model.field(i, a)));
    }
    EXPECT_NEAR(sum, 0.0, 1e-5);
    for (Index a = 0; a < kStates; ++a) {
      EXPECT_NEAR(std::exp(static_cast<double>(model.field(i, a))) / normalizer,
                  count[static_cast<std::size_t>(a)] / (kRows + kStates), 1e-6);
    }
  }
  for (const float j : model.J())
    EXPECT_EQ(j, 0.0f);
}

TEST(Potts, ZeroSumGaugeKeepsEnergyDifferences) {
  const Index sites = 4, q = 3;
  const PottsModel model = testing::random_potts(sites, q, 1.0, 15);
  const PottsModel gauged = model.zero_sum_gauge();
  const MatrixF x = testing::all_potts_states(sites, q);
  const std::vector<double> f = free_energies(model, x), g = free_energies(gauged, x);
  for (std::size_t t = 1; t < f.size(); ++t) {
    EXPECT_NEAR(g[t] - g[0], f[t] - f[0], 1e-5) << "state " << t;
  }
  for (Index i = 0; i < sites; ++i) {
    double field_sum = 0.0;
    for (Index a = 0; a < q; ++a) {
      field_sum += gauged.field(i, a);
    }
    EXPECT_NEAR(field_sum, 0.0, 1e-5);
    for (Index j = 0; j < sites; ++j) {
      for (Index a = 0; a < q; ++a) {
        double row = 0.0, column = 0.0;
        for (Index b = 0; b < q; ++b) {
          row += gauged.coupling(i, j, a, b);
          column += gauged.coupling(i, j, b, a);
          EXPECT_EQ(gauged.coupling(i, j, a, b), gauged.coupling(j, i, b, a));
          if (i == j) {
            EXPECT_EQ(gauged.coupling(i, j, a, b), 0.0f);
          }
        }
        EXPECT_NEAR(row, 0.0, 1e-5);
        EXPECT_NEAR(column, 0.0, 1e-5);
      }
    }
  }
  EXPECT_NO_THROW(gauged.check_couplings("gauged"));
}

// A site loss with a coefficient for every state: sum_a (a + 1) d_a^2 / 100.
double weighted_squares_site(const float* d, Index q, double scale, float* c) {
  double total = 0.0;
  for (Index a = 0; a < q; ++a) {
    const double weight = static_cast<double>(a + 1) / 100.0;
    total += weight * d[a] * d[a];
    if (c != nullptr) c[a] = static_cast<float>(scale * 2.0 * weight * d[a]);
  }
  return total;
}

// PottsModel fuses differences, site losses and the gradient into one pass
// per site (kernels of widths 8 to 32, rows in chunks of 256): it must give
// the bits of the three steps run apart (CategoricalModel's default).
TEST(Potts, FusedSiteLossesAreTheUnfusedBits) {
  for (const Index q : {3, 9, 21}) {
    const Index sites = 7, n = 600;
    const PottsModel model = testing::random_potts(sites, q, 0.7, 11);
    const MatrixF data = testing::random_codes(n, sites, q, 12);
    std::vector<double> scales(static_cast<std::size_t>(n));
    for (std::size_t r = 0; r < scales.size(); ++r)
      scales[r] = 0.5 + 0.25 * static_cast<double>(r % 4);
    std::vector<double> fused(scales.size()), unfused(scales.size());
    ParameterVector fused_gradient = model.parameters().zeros_like();
    ParameterVector unfused_gradient = model.parameters().zeros_like();
    SiteScratch scratch;
    model.add_site_losses(data, scales, weighted_squares_site, fused, fused_gradient, scratch);
    model.CategoricalModel::add_site_losses(data, scales, weighted_squares_site, unfused,
                                            unfused_gradient, scratch);
    EXPECT_EQ(fused, unfused) << "q " << q;
    const auto g = fused_gradient.values(), h = unfused_gradient.values();
    ASSERT_EQ(g.size(), h.size());
    EXPECT_TRUE(std::equal(g.begin(), g.end(), h.begin())) << "q " << q;
    double norm = 0.0;
    for (const float v : g)
      norm += std::abs(v);
    EXPECT_GT(norm, 0.0);
  }
}

TEST(Potts, ModelFileRoundTripAndValidation) {
  testing::TempDir dir;
  const PottsModel model = testing::random_potts(4, 3, 1.0, 16);
  save_model(dir.file("p.safetensors"), model, {{"alphabet", "ABC"}});
  const LoadedModel loaded = load_model(dir.file("p.safetensors"));
  EXPECT_EQ(loaded.model->kind(), "potts");
  EXPECT_EQ(loaded.metadata.at("model"), "potts");
  EXPECT_EQ(loaded.metadata.at("alphabet"), "ABC");
  const auto* potts = dynamic_cast<const PottsModel*>(loaded.model.get());
  ASSERT_NE(potts, nullptr);
  EXPECT_EQ(potts->n_visible(), 4);
  EXPECT_EQ(potts->n_states(), 3);
  const auto a = model.parameters().values();
  const auto b = loaded.model->parameters().values();
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));

  std::vector<float> j(4 * 4 * 9, 0.0f), h(12, 0.0f);
  j[(0 * 4 + 1) * 9 + 0 * 3 + 2] = 1.0f;  // J[0][1][0][2] = 1 but J[1][0][2][0] = 0
  const std::string bad = dir.file("asymmetric.safetensors");
  write_safetensors(bad, {{"J", {4, 4, 3, 3}, j}, {"h", {4, 3}, h}}, {{"model", "potts"}});
  try {
    load_model(bad);
    FAIL() << "an asymmetric J was accepted";
  } catch (const FileError& e) {
    EXPECT_EQ(e.path(), bad);
    EXPECT_NE(std::string(e.what()).find("not symmetric"), std::string::npos) << e.what();
  }
  std::fill(j.begin(), j.end(), 0.0f);
  j[(2 * 4 + 2) * 9 + 4] = 0.5f;  // a diagonal block
  write_safetensors(bad, {{"J", {4, 4, 3, 3}, j}, {"h", {4, 3}, h}}, {{"model", "potts"}});
  EXPECT_THROW(load_model(bad), FileError);
}

}  // namespace
}  // namespace logz
