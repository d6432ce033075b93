#include "logz/estimators/exact_gbrbm.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "logz/error.hpp"
#include "logz/estimators/exact.hpp"
#include "testing/gbrbm_reference.hpp"

namespace logz {
namespace {

using testing::GbrbmDouble;

// log of the integral of sum_h exp(-E(v, h)) over a grid of `points` per
// dimension on [-half_width, half_width]^V (V = 1 or 2), by the trapezoid rule:
// spectrally accurate for a smooth integrand that has decayed at the ends.
double integrated_log_z(const GaussianBernoulliRbm& rbm, double half_width, Index points) {
  const GbrbmDouble m(rbm);
  const Index v_units = rbm.n_visible(), h_units = rbm.n_hidden();
  const double step = 2 * half_width / static_cast<double>(points - 1);
  const Index total = v_units == 1 ? points : points * points;
  LogSumExp sum;
  VectorD v(v_units);
  for (Index k = 0; k < total; ++k) {
    v(0) = -half_width + step * static_cast<double>(k % points);
    if (v_units == 2) v(1) = -half_width + step * static_cast<double>(k / points);
    for (std::uint64_t s = 0; s < (std::uint64_t{1} << h_units); ++s) {
      sum.add(-m.energy(v, testing::hidden_bits(s, h_units)));
    }
  }
  return sum.value() + static_cast<double>(v_units) * std::log(step);
}

TEST(ExactGbrbm, LogZEqualsTheNumericalIntegralInOneDimension) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const GaussianBernoulliRbm rbm = testing::random_gbrbm(1, 4, 1.5, seed);
    const double exact = exact_log_z(rbm).log_z;
    EXPECT_NEAR(exact, integrated_log_z(rbm, 40.0, 8001), 1e-6 * std::max(1.0, std::fabs(exact)))
        << "seed " << seed;
  }
}

TEST(ExactGbrbm, LogZEqualsTheNumericalIntegralInTwoDimensions) {
  for (std::uint64_t seed : {4, 5}) {
    const GaussianBernoulliRbm rbm = testing::random_gbrbm(2, 3, 1.5, seed);
    const double exact = exact_log_z(rbm).log_z;
    EXPECT_NEAR(exact, integrated_log_z(rbm, 30.0, 481), 1e-6 * std::max(1.0, std::fabs(exact)))
        << "seed " << seed;
  }
}

TEST(ExactGbrbm, DispatchThroughExactAndRefusesTooManyBits) {
  const GaussianBernoulliRbm rbm = testing::random_gbrbm(6, 10, 0.7, 6);
  EXPECT_TRUE(is_enumerable(rbm));
  EXPECT_EQ(enumeration_bits(rbm), 10);
  const EnergyModel& model = rbm;
  EXPECT_EQ(exact_log_z(model).log_z, exact_log_z(rbm).log_z);
  ExactOptions narrow;
  narrow.max_bits = 9;
  EXPECT_THROW(check_enumerable(model, narrow), SettingError);
  EXPECT_THROW(exact_log_z(model, narrow), SettingError);
}

TEST(ExactGbrbm, ExpectedFreeEnergyGradientIsMinusTheGradientOfLogZ) {
  // d log Z / dtheta = -E_p[dF/dtheta]: central differences of the exact log Z.
  GaussianBernoulliRbm rbm = testing::random_gbrbm(3, 5, 0.8, 7);
  for (const bool learn_sigma : {true, false}) {
    rbm.set_learn_sigma(learn_sigma);
    ParameterVector g = rbm.parameters().zeros_like();
    const double log_z = add_expected_free_energy_gradient(static_cast<const EnergyModel&>(rbm), 1.0, g);
    EXPECT_NEAR(log_z, exact_log_z(rbm).log_z, 1e-9);
    const Index log_sigma_offset = rbm.parameters().spec("log_sigma").offset;
    for (Index k = 0; k < rbm.parameters().size(); ++k) {
      const float x = rbm.parameters().values()[k];
      GaussianBernoulliRbm plus = rbm, minus = rbm;
      plus.parameters().values()[k] = x + 1e-3f;
      minus.parameters().values()[k] = x - 1e-3f;
      const double h = static_cast<double>(plus.parameters().values()[k]) - minus.parameters().values()[k];
      const double slope = (exact_log_z(plus).log_z - exact_log_z(minus).log_z) / h;
      const double expected = (!learn_sigma && k >= log_sigma_offset) ? 0.0 : -slope;
      EXPECT_NEAR(g.values()[k], expected, 2e-4 * std::max(1.0, std::fabs(slope))) << "parameter " << k;
    }
  }
}

}  // namespace
}  // namespace logz
