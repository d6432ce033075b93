#include "logz/estimators/bridge.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "logz/error.hpp"
#include "logz/estimators/ais.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/estimators/exact_rbm.hpp"
#include "logz/sampling/exact_sampling.hpp"
#include "testing/brute_force.hpp"
#include "testing/small_models.hpp"

namespace logz {
namespace {

TEST(OptimalBridge, RecoversTheRatioOfTwoGaussiansNormalizers) {
  // f_0 = exp(-x^2 / 2), f_1 = 3 exp(-(x - 0.5)^2 / 2): Z_1 / Z_0 = 3.
  RandomStream stream(1, 1);
  const std::size_t n = 20000;
  std::vector<double> x0(n), x1(n);
  stream.normal(x0, 0.0, 1.0);
  stream.normal(x1, 0.5, 1.0);
  const auto lambda = [](double x) { return std::log(3.0) - (x - 0.5) * (x - 0.5) / 2 + x * x / 2; };
  std::vector<double> l0(n), l1(n);
  for (std::size_t i = 0; i < n; ++i) {
    l0[i] = lambda(x0[i]);
    l1[i] = lambda(x1[i]);
  }
  const LogRatioEstimate r = optimal_bridge(l0, 200, l1, 200);
  EXPECT_NEAR(r.log_ratio, std::log(3.0), 3 * r.std_error);
  EXPECT_LT(r.std_error, 0.02);
  EXPECT_GT(r.std_error, 0.002);
  EXPECT_LT(r.iterations, 100);
}

TEST(OptimalBridge, ErrorBarIsCalibratedOverRepetitions) {
  // Over 200 independent repetitions the z-scores have unit spread.
  const BernoulliRbm a = testing::random_rbm(8, 4, 0.8, 1), b = testing::random_rbm(8, 4, 0.8, 2);
  const double truth = exact_log_z(b).log_z - exact_log_z(a).log_z;
  double squares = 0;
  const int repeats = 200;
  for (int r = 0; r < repeats; ++r) {
    RandomStream stream(static_cast<std::uint64_t>(r), 9);
    const MatrixF sa = sample_exactly(a, 400, stream), sb = sample_exactly(b, 400, stream);
    std::vector<double> fa(400), fb(400), ga(400), gb(400);
    a.free_energy(sa, fa);
    b.free_energy(sa, fb);
    a.free_energy(sb, ga);
    b.free_energy(sb, gb);
    std::vector<double> l0(400), l1(400);
    for (int i = 0; i < 400; ++i) {
      l0[static_cast<std::size_t>(i)] = fa[static_cast<std::size_t>(i)] - fb[static_cast<std::size_t>(i)];
      l1[static_cast<std::size_t>(i)] = ga[static_cast<std::size_t>(i)] - gb[static_cast<std::size_t>(i)];
    }
    const LogRatioEstimate e = optimal_bridge(l0, 40, l1, 40);
    const double z = (e.log_ratio - truth) / e.std_error;
    squares += z * z;
  }
  const double spread = std::sqrt(squares / repeats);
  EXPECT_GT(spread, 0.75);
  EXPECT_LT(spread, 1.3);
}

BridgeOptions bridge_options(std::uint64_t seed) {
  BridgeOptions o;
  o.chains = 100;
  o.burn_in = 100;
  o.thinning = 2;
  o.samples_per_chain = 10;
  o.seed = seed;
  return o;
}

TEST(Bridge, LadderBracketsTheExactLogZOfHardRandomModels) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const BernoulliRbm rbm = testing::random_rbm(20, 10, 1.0, seed);
    const double exact = exact_log_z(rbm).log_z;
    const LogZEstimate e = bridge_log_z(rbm, rbm.b(), linear_schedule(50), bridge_options(seed));
    EXPECT_NEAR(e.log_z, exact, 3 * e.std_error + 1e-3) << "seed " << seed;
    EXPECT_GT(e.std_error, 0.0);
  }
}

TEST(Bridge, LadderBracketsTheExactLogZOfAnMnistRbm) {
  const testing::TrainedMnistRbm trained = testing::train_mnist_rbm(20, 5);
  const VectorF base = visible_log_odds(trained.data.train);
  const double exact = exact_log_z(trained.rbm).log_z;
  for (std::uint64_t seed = 1; seed <= 2; ++seed) {
    BridgeOptions o = bridge_options(seed);
    o.start = seed == 1 ? &trained.data.train : nullptr;  // from the data, and from the base
    const LogZEstimate e = bridge_log_z(trained.rbm, base, linear_schedule(40), o);
    EXPECT_NEAR(e.log_z, exact, 3 * e.std_error) << "seed " << seed;
  }
}

TEST(Bridge, StandardErrorShrinksWithMoreChains) {
  const BernoulliRbm rbm = testing::random_rbm(20, 10, 1.0, 4);
  BridgeOptions few = bridge_options(1), many = bridge_options(1);
  few.chains = 25;
  many.chains = 400;
  const auto betas = linear_schedule(20);
  EXPECT_LT(bridge_log_z(rbm, rbm.b(), betas, many).std_error,
            0.5 * bridge_log_z(rbm, rbm.b(), betas, few).std_error);
}

TEST(Bridge, RatioOfTwoCheckpointsMatchesTheExactDifference) {
  // Two RBMs one training epoch apart, as a user tracking log Z would compare.
  const testing::TrainedMnistRbm first = testing::train_mnist_rbm(15, 3);
  const testing::TrainedMnistRbm second = testing::train_mnist_rbm(15, 4);
  const double truth = exact_log_z(second.rbm).log_z - exact_log_z(first.rbm).log_z;
  BridgeOptions o = bridge_options(3);
  o.burn_in = 500;
  const LogRatioEstimate r = bridge_log_ratio(first.rbm, second.rbm, o);
  EXPECT_NEAR(r.log_ratio, truth, 3 * r.std_error);
  EXPECT_LT(r.std_error, 0.5);
}

TEST(Bridge, RejectsBadSettingsNamingTheFlag) {
  BridgeOptions o;
  o.thinning = 0;
  try {
    o.validate();
    FAIL();
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--thinning");
  }
}

}  // namespace
}  // namespace logz
