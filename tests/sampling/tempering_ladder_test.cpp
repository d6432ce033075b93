#include "logz/sampling/tempering_ladder.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/brute_force.hpp"

namespace logz {
namespace {

// Exact visible marginals E[v] under p_beta (with base a) by enumeration.
VectorD exact_marginals(const BernoulliRbm& rbm, const VectorF& base, double beta) {
  const testing::RbmDouble m(rbm);
  const Index n = m.n_visible();
  LogSumExp z;
  std::vector<double> log_p;
  for (std::uint64_t s = 0; s < (std::uint64_t{1} << n); ++s) {
    const VectorD v = testing::bits_of(s, n);
    double lp = (1 - beta) * base.cast<double>().dot(v) + beta * m.b.dot(v);
    for (Index j = 0; j < m.n_hidden(); ++j) lp += softplus(beta * (m.c(j) + m.W.col(j).dot(v)));
    log_p.push_back(lp);
    z.add(lp);
  }
  VectorD mean = VectorD::Zero(n);
  for (std::uint64_t s = 0; s < log_p.size(); ++s) mean += std::exp(log_p[s] - z.value()) * testing::bits_of(s, n);
  return mean;
}

TEST(TemperingLadder, EveryLevelSamplesItsOwnDistribution) {
  // A bimodal model (strong weights): Gibbs alone mixes badly at beta = 1,
  // the swaps bring the right mode proportions down the ladder.
  const BernoulliRbm rbm = testing::random_rbm(8, 3, 3.0, 5);
  const VectorF base = rbm.b() * 0.0f;
  const std::vector<double> betas = {0.0, 0.25, 0.5, 0.75, 1.0};
  RandomStream stream(3, 3);
  const Index replicas = 400;
  TemperingLadder ladder(rbm, &base, betas, replicas, stream);
  for (int i = 0; i < 200; ++i) ladder.sweep(stream);
  std::vector<VectorD> sums(betas.size(), VectorD::Zero(8));
  const int samples = 100;
  for (int k = 0; k < samples; ++k) {
    for (int i = 0; i < 3; ++i) ladder.sweep(stream);
    for (std::size_t l = 0; l < betas.size(); ++l) sums[l] += ladder.states(l).cast<double>().colwise().sum().transpose();
  }
  for (std::size_t l = 0; l < betas.size(); ++l) {
    const VectorD mean = sums[l] / (samples * replicas);
    const VectorD exact = exact_marginals(rbm, base, betas[l]);
    // Samples are correlated within a replica; 400 replicas bound the error.
    EXPECT_LT((mean - exact).cwiseAbs().maxCoeff(), 0.04) << "level " << l;
  }
  for (double rate : ladder.swap_acceptance()) {
    EXPECT_GT(rate, 0.05);
    EXPECT_LE(rate, 1.0);
  }
}

}  // namespace
}  // namespace logz
