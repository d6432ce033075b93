#include "logz/math/log_space.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace logz {
namespace {

TEST(Softplus, StableAtExtremesAndExactInTheMiddle) {
  EXPECT_DOUBLE_EQ(softplus(1000.0), 1000.0);
  EXPECT_NEAR(softplus(-1000.0), 0.0, 1e-300);
  EXPECT_GT(softplus(-700.0), 0.0);  // no underflow to zero where exp(-700) is representable
  for (double x : {-30.0, -3.0, -0.5, 0.0, 0.5, 3.0, 30.0}) {
    EXPECT_NEAR(softplus(x), std::log1p(std::exp(x)), 1e-15 * std::max(1.0, std::fabs(x)));
    EXPECT_NEAR(softplus(static_cast<float>(x)), std::log1p(std::exp(x)),
                2e-7 * std::max(1.0, std::fabs(x)));
  }
}

TEST(ExpNonpositive, WithinTwoUlpOfExpOnTheWholeRange) {
  // Every 2^-12 from -87 to 0, and points between: relative error against
  // exp in double at most 2 units in the last place of a float (2^-22).
  double worst = 0.0;
  for (int k = 0; k <= 87 * 4096; ++k) {
    for (const float offset : {0.0f, 0.37e-4f}) {
      const float x = std::fmin(0.0f, -static_cast<float>(k) / 4096.0f + offset);
      const double exact = std::exp(static_cast<double>(x));
      worst = std::fmax(worst, std::fabs(exp_nonpositive(x) - exact) / exact);
    }
  }
  EXPECT_LT(worst, std::ldexp(1.0, -22));
  EXPECT_EQ(exp_nonpositive(0.0f), 1.0f);
  EXPECT_EQ(exp_nonpositive(-87.5f), 0.0f);
  EXPECT_EQ(exp_nonpositive(-std::numeric_limits<float>::infinity()), 0.0f);
}

// The vector form computes the scalar form's operations: the same floats.
TEST(ExpNonpositive, EightAtATimeGivesTheScalarValues) {
  std::vector<float> xs = {
      0.0f, -0.0f, -1e-8f, -87.0f, -87.5f, -1e6f, -std::numeric_limits<float>::infinity()};
  for (int k = 0; k < 20000; ++k)
    xs.push_back(-static_cast<float>(k) * 0.00451f);
  while (xs.size() % 8 != 0)
    xs.push_back(-0.5f);
  for (std::size_t k = 0; k < xs.size(); k += 8) {
    Float8 x, y;
    std::memcpy(&x, xs.data() + k, sizeof(x));
    exp_nonpositive(x, y);
    float out[8];
    std::memcpy(out, &y, sizeof(out));
    for (std::size_t lane = 0; lane < 8; ++lane)
      ASSERT_EQ(out[lane], exp_nonpositive(xs[k + lane])) << "x = " << xs[k + lane];
  }
}

TEST(LogSumExp, MatchesDirectSumAndSurvivesHugeValues) {
  const std::vector<double> small = {0.1, -2.0, 3.5};
  double direct = 0.0;
  for (double x : small) direct += std::exp(x);
  EXPECT_NEAR(log_sum_exp(small), std::log(direct), 1e-14);
  const std::vector<double> huge = {1000.0, 1000.0};
  EXPECT_NEAR(log_sum_exp(huge), 1000.0 + std::log(2.0), 1e-12);
  const std::vector<double> tiny = {-1000.0, -1000.0, -1000.0};
  EXPECT_NEAR(log_mean_exp(tiny), -1000.0, 1e-12);
  EXPECT_EQ(log_sum_exp(std::vector<double>{}), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(log_sum_exp(std::vector<double>{1.0, std::nan("")})));
}

TEST(LogSumExp, StreamingEqualsBatchInAnyOrderAndSplit) {
  std::vector<double> values;
  for (int i = 0; i < 200; ++i) values.push_back(std::sin(i * 0.7) * 50.0);
  LogSumExp all, left, right;
  for (double x : values) all.add(x);
  for (int i = 0; i < 200; ++i) (i < 73 ? left : right).add(values[static_cast<std::size_t>(i)]);
  right.merge(left);
  EXPECT_NEAR(all.value(), log_sum_exp(values), 1e-12);
  EXPECT_NEAR(right.value(), log_sum_exp(values), 1e-12);
  LogSumExp empty;
  EXPECT_EQ(empty.value(), -std::numeric_limits<double>::infinity());
  empty.merge(all);
  EXPECT_NEAR(empty.value(), all.value(), 1e-12);
}

}  // namespace
}  // namespace logz
