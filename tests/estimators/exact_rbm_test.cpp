#include "logz/estimators/exact_rbm.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "logz/error.hpp"
#include "testing/brute_force.hpp"

namespace logz {
namespace {

struct Shape {
  Index n_visible, n_hidden;
  double scale;
};

class ExactLogZ : public ::testing::TestWithParam<Shape> {};

TEST_P(ExactLogZ, MatchesBruteForceOverAllJointStates) {
  const Shape shape = GetParam();
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const BernoulliRbm rbm = testing::random_rbm(shape.n_visible, shape.n_hidden, shape.scale, seed);
    const double expected = testing::brute_force_log_z(testing::RbmDouble(rbm));
    const LogZEstimate estimate = exact_log_z(rbm);
    EXPECT_NEAR(estimate.log_z, expected, 2e-5 * std::max(1.0, std::fabs(expected)))
        << shape.n_visible << "x" << shape.n_hidden << " seed " << seed;
    EXPECT_EQ(estimate.method, "exact");
    EXPECT_EQ(estimate.std_error, 0.0);
    EXPECT_EQ(estimate.lower, estimate.log_z);
    EXPECT_FALSE(estimate.effective_sample_size.has_value());
  }
}

// Both orientations (V < H enumerates visibles, V > H hiddens), sizes below
// and above the table's 8 bits, and large weights (peaked distributions).
INSTANTIATE_TEST_SUITE_P(Shapes, ExactLogZ,
                         ::testing::Values(Shape{6, 4, 1.0}, Shape{4, 7, 1.0}, Shape{5, 5, 0.5},
                                           Shape{12, 9, 1.0}, Shape{9, 12, 1.0},
                                           Shape{10, 6, 4.0}, Shape{6, 10, 4.0},
                                           Shape{11, 10, 0.1}, Shape{1, 1, 2.0}),
                         [](const ::testing::TestParamInfo<Shape>& info) {
                           return "V" + std::to_string(info.param.n_visible) + "xH" +
                                  std::to_string(info.param.n_hidden) + "_scale" +
                                  std::to_string(static_cast<int>(10 * info.param.scale));
                         });

TEST(ExactLogZ, EnumeratingEitherLayerGivesTheSameAnswer) {
  for (const double scale : {0.3, 1.5, 5.0}) {
    const BernoulliRbm rbm = testing::random_rbm(14, 11, scale, 7);
    ExactOptions by_hidden, by_visible;
    by_hidden.layer = EnumeratedLayer::hidden;
    by_visible.layer = EnumeratedLayer::visible;
    const double via_hidden = exact_log_z(rbm, by_hidden).log_z;
    const double via_visible = exact_log_z(rbm, by_visible).log_z;
    EXPECT_NEAR(via_hidden, via_visible, 1e-6 * std::fabs(via_hidden)) << "scale " << scale;
  }
}

TEST(ExactMoments, EnumeratingEitherLayerGivesTheSameMoments) {
  const BernoulliRbm rbm = testing::random_rbm(9, 7, 1.0, 5);
  ExactOptions by_hidden, by_visible;
  by_hidden.layer = EnumeratedLayer::hidden;
  by_visible.layer = EnumeratedLayer::visible;
  const RbmMoments a = exact_moments(rbm, by_hidden), b = exact_moments(rbm, by_visible);
  EXPECT_NEAR(a.log_z, b.log_z, 1e-5);
  EXPECT_LT((a.visible_hidden - b.visible_hidden).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_LT((a.visible - b.visible).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_LT((a.hidden - b.hidden).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(ExactLogZ, ReportsProgressUpToEveryStateWithoutChangingTheAnswer) {
  const BernoulliRbm rbm = testing::random_rbm(30, 18, 0.5, 3);  // 2^18 hidden states
  ExactOptions options;
  std::vector<std::size_t> done;
  std::size_t total = 0;
  options.progress = [&](std::size_t d, std::size_t t) {
    done.push_back(d);
    total = t;
  };
  const double log_z = exact_log_z(rbm, options).log_z;
  EXPECT_EQ(log_z, exact_log_z(rbm).log_z);
  EXPECT_EQ(total, std::size_t{1} << 18);
  ASSERT_GE(done.size(), 2u);
  EXPECT_TRUE(std::is_sorted(done.begin(), done.end()));
  EXPECT_EQ(done.back(), total);
}

TEST(ExactLogZ, RefusesAboveTheBitLimit) {
  const BernoulliRbm rbm = testing::random_rbm(40, 30, 0.1, 1);
  ExactOptions options;
  options.max_bits = 24;
  try {
    exact_log_z(rbm, options);
    FAIL() << "expected SettingError";
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--max-exact-bits");
    EXPECT_NE(std::string(e.what()).find("2^30"), std::string::npos) << e.what();
  }
}

TEST(ExactMoments, MatchBruteForceExpectations) {
  for (const Shape shape : {Shape{6, 4, 1.0}, Shape{4, 6, 1.0}, Shape{9, 5, 2.0}}) {
    const BernoulliRbm rbm = testing::random_rbm(shape.n_visible, shape.n_hidden, shape.scale, 3);
    const testing::RbmDouble m(rbm);
    const double log_z = testing::brute_force_log_z(m);
    MatrixD vh = MatrixD::Zero(m.n_visible(), m.n_hidden());
    VectorD v_mean = VectorD::Zero(m.n_visible()), h_mean = VectorD::Zero(m.n_hidden());
    for (std::uint64_t sv = 0; sv < (std::uint64_t{1} << m.n_visible()); ++sv) {
      const VectorD v = testing::bits_of(sv, m.n_visible());
      for (std::uint64_t sh = 0; sh < (std::uint64_t{1} << m.n_hidden()); ++sh) {
        const VectorD h = testing::bits_of(sh, m.n_hidden());
        const double p = std::exp(testing::negative_energy(m, v, h) - log_z);
        vh += p * v * h.transpose();
        v_mean += p * v;
        h_mean += p * h;
      }
    }
    const RbmMoments moments = exact_moments(rbm);
    EXPECT_NEAR(moments.log_z, log_z, 1e-4);
    EXPECT_LT((moments.visible_hidden - vh).cwiseAbs().maxCoeff(), 1e-5);
    EXPECT_LT((moments.visible - v_mean).cwiseAbs().maxCoeff(), 1e-5);
    EXPECT_LT((moments.hidden - h_mean).cwiseAbs().maxCoeff(), 1e-5);
  }
}

}  // namespace
}  // namespace logz
