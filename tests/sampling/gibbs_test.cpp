#include "logz/sampling/gibbs.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "logz/math/log_space.hpp"
#include "logz/objectives/parallel_tempering.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "testing/brute_force.hpp"
#include "testing/ising_brute_force.hpp"

namespace logz {
namespace {

// E[v] under the model, by summing p(v) = exp(-F(v)) / Z over every state.
VectorD exact_marginals(const EnergyModel& model) {
  const Index n = model.n_visible();
  const auto states = static_cast<Index>(std::uint64_t{1} << n);
  MatrixF all(states, n);
  for (Index s = 0; s < states; ++s)
    all.row(s) = testing::bits_of(static_cast<std::uint64_t>(s), n).cast<float>().transpose();
  std::vector<double> free_energy(static_cast<std::size_t>(states));
  model.free_energy(all, free_energy);
  LogSumExp z;
  for (double f : free_energy) z.add(-f);
  VectorD mean = VectorD::Zero(n);
  for (Index s = 0; s < states; ++s) {
    mean += std::exp(-free_energy[static_cast<std::size_t>(s)] - z.value()) *
            all.row(s).cast<double>().transpose();
  }
  return mean;
}

TEST(DrawSamples, ChainsGiveTheirSamplesConsecutivelyAndOnlyThoseNeededRun) {
  const BernoulliRbm rbm = testing::random_rbm(9, 3, 1.0, 2);
  MatrixF start = MatrixF::Zero(4, 9);
  for (Index c = 0; c < 4; ++c) start(c, c) = 1.0f;
  RandomStream stream(1, 1);
  // 10 samples from 4 chains: 3 per chain, so 4 chains are needed (3 + 3 + 3 + 1).
  std::vector<std::pair<std::size_t, std::size_t>> reports;
  const GibbsSamples drawn = draw_samples(rbm, start, 4, 0, 10, stream,
                                          [&](std::size_t done, std::size_t total) {
                                            reports.emplace_back(done, total);
                                          });
  EXPECT_EQ(drawn.chains, 4);
  EXPECT_EQ(drawn.per_chain, 3);
  ASSERT_EQ(drawn.states.rows(), 10);
  // No sweeps: every sample is its chain's start.
  for (Index row = 0; row < 10; ++row) EXPECT_EQ(drawn.states.row(row), start.row(row / 3)) << row;
  EXPECT_TRUE(reports.empty());
  // 10 samples from 7 chains: 2 per chain, and 5 chains suffice.
  const GibbsSamples fewer =
      draw_samples(rbm, start, 7, 3, 10, stream,
                   [&](std::size_t done, std::size_t total) { reports.emplace_back(done, total); });
  EXPECT_EQ(fewer.chains, 5);
  EXPECT_EQ(fewer.per_chain, 2);
  ASSERT_EQ(reports.size(), 6u);  // 2 samples x 3 sweeps
  EXPECT_EQ(reports.back(), std::make_pair(std::size_t{6}, std::size_t{6}));
}

TEST(DrawSamples, RbmSamplesAndTheirMeansFollowTheModel) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const BernoulliRbm rbm = testing::random_rbm(8, 3, 1.0, seed);
    const VectorD exact = exact_marginals(rbm);
    RandomStream stream(seed, 7);
    const Index n = 4000;
    const GibbsSamples drawn = draw_samples(rbm, MatrixF::Zero(1, 8), n, 30, n, stream);
    ASSERT_EQ(drawn.means.rows(), n);
    EXPECT_TRUE((drawn.states.array() == 0.0f || drawn.states.array() == 1.0f).all());
    EXPECT_TRUE((drawn.means.array() > 0.0f && drawn.means.array() < 1.0f).all());
    const VectorD states_mean = drawn.states.cast<double>().colwise().mean().transpose();
    const VectorD means_mean = drawn.means.cast<double>().colwise().mean().transpose();
    for (Index i = 0; i < 8; ++i) {
      const double se = std::sqrt(exact(i) * (1 - exact(i)) / static_cast<double>(n));
      EXPECT_NEAR(states_mean(i), exact(i), 4.5 * se) << "seed " << seed << ", unit " << i;
      EXPECT_NEAR(means_mean(i), exact(i), 4.5 * se) << "seed " << seed << ", unit " << i;
    }
  }
}

TEST(DrawSamples, IsingSamplesFollowTheModelAndHaveNoMeans) {
  const IsingModel ising = testing::random_ising(7, 0.8, 4);
  const VectorD exact = exact_marginals(ising);
  RandomStream stream(4, 7);
  const Index n = 4000;
  const GibbsSamples drawn = draw_samples(ising, MatrixF::Ones(1, 7), n, 20, n, stream);
  EXPECT_EQ(drawn.means.rows(), 0);
  const VectorD mean = drawn.states.cast<double>().colwise().mean().transpose();
  for (Index i = 0; i < 7; ++i) {
    EXPECT_NEAR(mean(i), exact(i),
                4.5 * std::sqrt(exact(i) * (1 - exact(i)) / static_cast<double>(n)));
  }
}

TEST(BaseRateDraws, UnitsAreOnWithTheSigmoidOfTheirLogOdds) {
  for (std::uint64_t seed : {1, 2, 3}) {
    VectorF log_odds(4);
    log_odds << -3.0f, 0.0f, 1.5f, 20.0f;
    RandomStream stream(seed, 9);
    const Index n = 20000;
    const MatrixF draws = base_rate_draws(log_odds, n, stream);
    for (Index i = 0; i < 4; ++i) {
      const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(log_odds(i))));
      EXPECT_NEAR(draws.col(i).cast<double>().mean(), p, 4.5 * std::sqrt(p * (1 - p) / n) + 1e-9);
    }
  }
}

TEST(PersistentChains, PcdAndPtHandOutTheirChainsAfterTheFirstStep) {
  const BernoulliRbm rbm = testing::random_rbm(6, 2, 1.0, 1);
  const MatrixF batch = MatrixF::Ones(5, 6);
  ParameterVector gradient = rbm.parameters();
  RandomStream stream(1, 3);
  PersistentContrastiveDivergence pcd(0, 1);
  EXPECT_FALSE(pcd.persistent_chains().has_value());
  pcd.gradient(rbm, batch, gradient, stream);
  ASSERT_TRUE(pcd.persistent_chains().has_value());
  EXPECT_EQ(pcd.persistent_chains()->chains(), 5);
  EXPECT_EQ(pcd.persistent_chains()->visible_probability.rows(), 5);
  ParallelTempering pt(3, 4, 1, VectorF::Zero(6));
  EXPECT_FALSE(pt.persistent_chains().has_value());
  pt.gradient(rbm, batch, gradient, stream);
  ASSERT_TRUE(pt.persistent_chains().has_value());
  EXPECT_EQ(pt.persistent_chains()->visible, pt.ladder()->states(3));
}

}  // namespace
}  // namespace logz
