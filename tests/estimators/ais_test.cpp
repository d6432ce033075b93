#include "logz/estimators/ais.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdio>

#include "logz/error.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/estimators/exact_rbm.hpp"
#include "testing/brute_force.hpp"
#include "testing/small_models.hpp"

namespace logz {
namespace {

AisOptions options(Index chains, std::size_t steps, std::uint64_t seed) {
  AisOptions o;
  o.chains = chains;
  o.betas = linear_schedule(steps);
  o.seed = seed;
  return o;
}

TEST(Ais, ImportanceWeightsAreUnbiasedForTheRatioOfPartitionFunctions) {
  // A 3 x 2 toy where every quantity is enumerable: E[w] = Z / Z_0 for any
  // schedule, however short. The mean of 200,000 weights must match.
  const BernoulliRbm rbm = testing::random_rbm(3, 2, 1.5, 17);
  VectorF base(3);
  base << 0.3f, -0.8f, 1.1f;
  const double log_ratio =
      testing::brute_force_log_z(testing::RbmDouble(rbm)) - base_rate_log_z(base, 2);
  for (std::size_t steps : {1, 4}) {
    double sum = 0, squares = 0;
    const int seeds = 4;
    const Index chains = 50000;
    for (int seed = 0; seed < seeds; ++seed) {
      const LogZEstimate e =
          ais_log_z(rbm, base, options(chains, steps, static_cast<std::uint64_t>(seed)));
      for (double lw : e.log_weights) {
        const double w = std::exp(lw);
        sum += w;
        squares += w * w;
      }
    }
    const double n = static_cast<double>(seeds * chains);
    const double mean = sum / n, se = std::sqrt((squares / n - mean * mean) / n);
    EXPECT_NEAR(mean, std::exp(log_ratio), 4 * se) << steps << " steps";
    EXPECT_LT(se, 0.02 * mean);  // the check has teeth
  }
}

TEST(Ais, SummaryOfReplicatesFollowsItsDefinitions) {
  const std::vector<double> logs = {10.0 + std::log(1.0), 10.0 + std::log(3.0)};
  const LogZEstimate e = summarize_replicates(logs, "ais");
  // mean 2, sd sqrt(2), se 1: log Z = 10 + log 2, se(log Z) = 1/2, ESS = 16 / 10;
  // t quantile on 1 degree of freedom 12.71: the t interval reaches zero
  // weight, and the lower end is Markov's, log(mean) - log 40.
  EXPECT_NEAR(e.log_z, 10.0 + std::log(2.0), 1e-12);
  EXPECT_NEAR(e.std_error, 0.5, 1e-12);
  EXPECT_NEAR(e.lower, 10.0 + std::log(2.0) - std::log(40.0), 1e-12);
  // The upper end is the larger of the t interval's, 10 + log(2 + 12.71), and
  // Cox's log-normal one: logs of mean 10 + log(3) / 2 and variance
  // log(3)^2 / 2, so m + v / 2 + t sqrt(v / 2 + v^2 / 2).
  const double v = std::log(3.0) * std::log(3.0) / 2;
  const double cox = 10.0 + std::log(3.0) / 2 + v / 2 + 12.7062 * std::sqrt(v / 2 + v * v / 2);
  EXPECT_NEAR(e.upper, std::fmax(10.0 + std::log(2.0 + 12.7062), cox), 1e-3);
  EXPECT_GT(cox, 10.0 + std::log(2.0 + 12.7062));  // Cox's reaches further here
  // SMC's replicates also widen the interval to their own range.
  const std::vector<double> spread = {-5.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  const LogZEstimate with_range = summarize_replicates(spread, "smc", true);
  const LogZEstimate without = summarize_replicates(spread, "smc", false);
  EXPECT_EQ(with_range.lower, -5.0);
  EXPECT_GT(without.lower, -1.0);
  EXPECT_EQ(with_range.upper, without.upper);
  EXPECT_NEAR(*e.effective_sample_size, 1.6, 1e-12);
  const std::vector<double> same = {1000.0, 1000.0, 1000.0};
  const LogZEstimate tight = summarize_replicates(same, "ais");
  EXPECT_NEAR(tight.log_z, 1000.0, 1e-9);  // no overflow
  EXPECT_EQ(tight.std_error, 0.0);
  EXPECT_NEAR(tight.lower, 1000.0, 1e-9);
  // Student's t against its tables.
  EXPECT_NEAR(student_t_975(1), 12.7062, 1e-4);
  EXPECT_NEAR(student_t_975(20), 2.0860, 2e-4);
  EXPECT_NEAR(student_t_975(99), 1.9842, 2e-4);
  EXPECT_NEAR(student_t_975(1e9), 1.95996, 1e-4);
}

struct HardCase {
  Index n_visible, n_hidden;
  double scale;
  std::size_t steps;
};

// Random RBMs with large weights, where annealing is hard: with enough steps,
// the estimate lands within 3 standard errors of the exact value.
class AisOnRandomModels : public ::testing::TestWithParam<HardCase> {};

TEST_P(AisOnRandomModels, BracketsTheExactLogZ) {
  const HardCase c = GetParam();
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const BernoulliRbm rbm = testing::random_rbm(c.n_visible, c.n_hidden, c.scale, seed);
    const VectorF base = rbm.b();  // the model's own visible biases, zero weights
    const double exact = exact_log_z(rbm).log_z;
    const LogZEstimate e = ais_log_z(rbm, base, options(200, c.steps, seed));
    EXPECT_NEAR(e.log_z, exact, 3 * e.std_error + 1e-3)
        << "seed " << seed << " ess " << *e.effective_sample_size;
    EXPECT_LE(e.lower, exact + 1e-3);
    EXPECT_GE(e.upper, exact - 1e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(Hard, AisOnRandomModels,
                         ::testing::Values(HardCase{20, 10, 1.0, 2000}, HardCase{12, 16, 2.0, 4000},
                                           HardCase{30, 8, 0.5, 1000}),
                         [](const ::testing::TestParamInfo<HardCase>& info) {
                           return "V" + std::to_string(info.param.n_visible) + "xH" +
                                  std::to_string(info.param.n_hidden);
                         });

TEST(Ais, StandardErrorShrinksWithChainsAndSteps) {
  const BernoulliRbm rbm = testing::random_rbm(20, 10, 1.0, 4);
  const VectorF base = rbm.b();
  const double short_few = ais_log_z(rbm, base, options(50, 200, 1)).std_error;
  const double short_many = ais_log_z(rbm, base, options(800, 200, 1)).std_error;
  const double long_few = ais_log_z(rbm, base, options(50, 5000, 1)).std_error;
  EXPECT_LT(short_many, 0.5 * short_few);  // ~1/sqrt(16)
  EXPECT_LT(long_few, 0.5 * short_few);
}

TEST(Ais, SameSeedSameBitsAndThreadCountOnlyChangesSummationOrder) {
  const BernoulliRbm rbm = testing::random_rbm(40, 30, 0.5, 8);  // parallel kernels engage
  const VectorF base = rbm.b();
  const AisOptions o = options(300, 100, 5);
  const LogZEstimate a = ais_log_z(rbm, base, o), b = ais_log_z(rbm, base, o);
  EXPECT_EQ(a.log_weights, b.log_weights);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const LogZEstimate one = ais_log_z(rbm, base, o);
  omp_set_num_threads(threads);
  // Another thread count changes only the order of floating-point sums (in
  // the BLAS): every chain draws the same numbers, so the weights agree to
  // rounding. (A probability within rounding of its uniform could flip one
  // draw and send a chain elsewhere; allow 1% of chains for that.)
  ASSERT_EQ(one.log_weights.size(), a.log_weights.size());
  std::size_t close = 0;
  for (std::size_t i = 0; i < a.log_weights.size(); ++i) {
    if (std::fabs(one.log_weights[i] - a.log_weights[i]) < 1e-5 * (1 + std::fabs(a.log_weights[i])))
      ++close;
  }
  EXPECT_GE(close, a.log_weights.size() * 99 / 100);
  const LogZEstimate other = ais_log_z(rbm, base, options(300, 100, 6));
  EXPECT_NE(other.log_weights, a.log_weights);
}

TEST(BetaSchedule, LinearSm2008AndFiles) {
  const auto linear = linear_schedule(4);
  EXPECT_EQ(linear, (std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0}));
  const auto sm = sm2008_schedule();
  EXPECT_EQ(sm.size(), 14501u);
  EXPECT_EQ(sm[500], 0.5);
  EXPECT_EQ(sm[4500], 0.9);
  EXPECT_EQ(sm.back(), 1.0);
  EXPECT_THROW(validate_schedule({0.0, 0.6, 0.5, 1.0}, "--schedule-file"), SettingError);
  EXPECT_THROW(validate_schedule({0.1, 1.0}, "--schedule-file"), SettingError);
  EXPECT_THROW(linear_schedule(0), SettingError);
}

}  // namespace
}  // namespace logz

namespace logz {
namespace {

TEST(Ais, MnistTrainedRbmWithDataBaseRatesBracketsTheExactLogZ) {
  // 784 x 20, CD-1 on MNIST-10k: peaked, multi-modal, and still enumerable.
  // 10,000 steps: with 3,000, the model trained through the portable product
  // (CPUs without AVX-512) left AIS 3.4 standard errors low on one seed, the
  // annealing's own bias, which the standard error does not measure.
  const testing::TrainedMnistRbm trained = testing::train_mnist_rbm(20, 5);
  const VectorF base = visible_log_odds(trained.data.train);
  const double exact = exact_log_z(trained.rbm).log_z;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    AisOptions o = options(100, 10000, seed);
    const LogZEstimate e = ais_log_z(trained.rbm, base, o);
    std::printf("seed %d: %.4f +/- %.4f, exact %.4f\n", static_cast<int>(seed), e.log_z,
                e.std_error, exact);
    EXPECT_NEAR(e.log_z, exact, 3 * e.std_error) << "seed " << seed;
  }
}

}  // namespace
}  // namespace logz
