#include "logz/objectives/exact_likelihood.hpp"

#include <gtest/gtest.h>

#include "logz/math/kernels.hpp"
#include "testing/brute_force.hpp"

namespace logz {
namespace {

TEST(ExactLikelihood, ValueIsTheBruteForceNegativeLogLikelihood) {
  const BernoulliRbm rbm = testing::random_rbm(8, 5, 1.2, 3);
  RandomStream stream(1, 1);
  MatrixF data(20, 8);
  sample_bernoulli(MatrixF::Constant(20, 8, 0.4f), data, stream);
  const double nll = exact_negative_log_likelihood(rbm, data, nullptr);
  EXPECT_NEAR(nll, -testing::brute_force_average_log_likelihood(testing::RbmDouble(rbm), data), 2e-5);
}

// The analytic gradient of the exact mean negative log-likelihood against
// central finite differences of the brute-force objective in double.
TEST(ExactLikelihood, GradientMatchesCentralFiniteDifferences) {
  struct Case {
    Index v, h;
    double scale;
  };
  for (const Case c : {Case{6, 4, 1.0}, Case{4, 7, 1.0}, Case{7, 5, 3.0}}) {
    const BernoulliRbm rbm = testing::random_rbm(c.v, c.h, c.scale, 13);
    RandomStream stream(2, 2);
    MatrixF data(15, c.v);
    sample_bernoulli(MatrixF::Constant(15, c.v, 0.5f), data, stream);
    ParameterVector gradient = rbm.parameters().zeros_like();
    exact_negative_log_likelihood(rbm, data, &gradient);

    const testing::RbmDouble base(rbm);
    const auto nll = [&](const testing::RbmDouble& m) {
      return -testing::brute_force_average_log_likelihood(m, data);
    };
    const double eps = 1e-5;
    double worst = 0.0;
    for (Index i = 0; i < c.v; ++i) {
      for (Index j = 0; j < c.h; ++j) {
        testing::RbmDouble plus = base, minus = base;
        plus.W(i, j) += eps;
        minus.W(i, j) -= eps;
        const double fd = (nll(plus) - nll(minus)) / (2 * eps);
        worst = std::max(worst, std::fabs(gradient.matrix("W")(i, j) - fd));
      }
      testing::RbmDouble plus = base, minus = base;
      plus.b(i) += eps;
      minus.b(i) -= eps;
      worst = std::max(worst, std::fabs(gradient.vector("b")(i) - (nll(plus) - nll(minus)) / (2 * eps)));
    }
    for (Index j = 0; j < c.h; ++j) {
      testing::RbmDouble plus = base, minus = base;
      plus.c(j) += eps;
      minus.c(j) -= eps;
      worst = std::max(worst, std::fabs(gradient.vector("c")(j) - (nll(plus) - nll(minus)) / (2 * eps)));
    }
    EXPECT_LT(worst, 2e-5) << c.v << "x" << c.h << " scale " << c.scale;
  }
}

}  // namespace
}  // namespace logz
