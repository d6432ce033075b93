// The generic AIS (ais_log_z for any GibbsModel) against exact enumeration, on
// Gaussian-Bernoulli RBMs and on Bernoulli RBMs.
#include <gtest/gtest.h>

#include <cmath>

#include "logz/estimators/ais.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/estimators/exact.hpp"
#include "testing/brute_force.hpp"
#include "testing/gbrbm_reference.hpp"

namespace logz {
namespace {

AisOptions options(Index chains, std::size_t steps, std::uint64_t seed) {
  AisOptions o;
  o.chains = chains;
  o.betas = linear_schedule(steps);
  o.seed = seed;
  return o;
}

TEST(GbrbmAis, ImportanceWeightsAreUnbiasedForTheRatioOfPartitionFunctions) {
  // E[w] = Z / Z_0 for any schedule, however short.
  const GaussianBernoulliRbm rbm = testing::random_gbrbm(2, 2, 1.0, 17);
  const double log_ratio = exact_log_z(rbm).log_z - rbm.base_log_partition(VectorF::Zero(2));
  for (std::size_t steps : {1, 4}) {
    double sum = 0, squares = 0;
    const int seeds = 4;
    const Index chains = 50000;
    for (int seed = 0; seed < seeds; ++seed) {
      const LogZEstimate e = ais_log_z(rbm, nullptr, options(chains, steps, static_cast<std::uint64_t>(seed)));
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

struct GbrbmCase {
  Index n_visible, n_hidden;
  double scale;
  std::size_t steps;
};

class GbrbmAisOnRandomModels : public ::testing::TestWithParam<GbrbmCase> {};

TEST_P(GbrbmAisOnRandomModels, BracketsTheExactLogZ) {
  const GbrbmCase c = GetParam();
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const GaussianBernoulliRbm rbm = testing::random_gbrbm(c.n_visible, c.n_hidden, c.scale, seed);
    const double exact = exact_log_z(rbm).log_z;
    const LogZEstimate e = ais_log_z(rbm, nullptr, options(200, c.steps, seed));
    EXPECT_NEAR(e.log_z, exact, 3.5 * e.std_error + 1e-3)
        << "seed " << seed << " se " << e.std_error << " ess " << *e.effective_sample_size;
    EXPECT_LE(e.lower, exact + 1e-3);
    EXPECT_GE(e.upper, exact - 1e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(Gbrbm, GbrbmAisOnRandomModels,
                         ::testing::Values(GbrbmCase{6, 8, 0.6, 1000}, GbrbmCase{20, 12, 0.3, 2000},
                                           GbrbmCase{12, 10, 0.5, 2000}),
                         [](const ::testing::TestParamInfo<GbrbmCase>& info) {
                           return "V" + std::to_string(info.param.n_visible) + "xH" +
                                  std::to_string(info.param.n_hidden);
                         });

TEST(GbrbmAis, ErrorShrinksWithALongerSchedule) {
  const GaussianBernoulliRbm rbm = testing::random_gbrbm(12, 10, 0.5, 4);
  const double exact = exact_log_z(rbm).log_z;
  double short_error = 0, long_error = 0, short_se = 0, long_se = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const LogZEstimate a = ais_log_z(rbm, nullptr, options(100, 20, seed));
    const LogZEstimate b = ais_log_z(rbm, nullptr, options(100, 2000, seed));
    short_error += std::fabs(a.log_z - exact);
    long_error += std::fabs(b.log_z - exact);
    short_se += a.std_error;
    long_se += b.std_error;
  }
  EXPECT_LT(long_se, 0.5 * short_se);
  EXPECT_LT(long_error, 0.5 * short_error);
}

TEST(GenericAis, AgreesWithExactOnBernoulliRbms) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const BernoulliRbm rbm = testing::random_rbm(20, 10, 1.0, seed);
    const double exact = exact_log_z(rbm).log_z;
    const VectorF base = rbm.b();
    for (const VectorF* a : {&base, static_cast<const VectorF*>(nullptr)}) {
      const LogZEstimate e = ais_log_z(static_cast<const GibbsModel&>(rbm), a, options(200, 2000, seed));
      EXPECT_NEAR(e.log_z, exact, 3.5 * e.std_error + 1e-3)
          << "seed " << seed << (a ? " base rate" : " uniform base") << " se " << e.std_error;
      EXPECT_LE(e.lower, exact + 1e-3);
      EXPECT_GE(e.upper, exact - 1e-3);
    }
  }
}

}  // namespace
}  // namespace logz
