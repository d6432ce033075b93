// CD-k and PCD have no objective value: they are tested as Monte Carlo
// estimates of the exact gradient on models small enough to enumerate, with
// tolerances of several standard errors measured from the repetitions.
#include <gtest/gtest.h>

#include <cmath>

#include "logz/error.hpp"
#include "logz/math/kernels.hpp"
#include "logz/objectives/contrastive_divergence.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "testing/brute_force.hpp"

namespace logz {
namespace {

struct Moments {
  VectorD mean, std_error;
};

// Mean and standard error over `repeats` gradient estimates.
template <typename Estimate>
Moments repeat(int repeats, Index size, Estimate&& estimate) {
  VectorD sum = VectorD::Zero(size), squares = VectorD::Zero(size);
  for (int r = 0; r < repeats; ++r) {
    const VectorD g = estimate();
    sum += g;
    squares += g.cwiseProduct(g);
  }
  const VectorD mean = sum / repeats;
  const VectorD variance = (squares / repeats - mean.cwiseProduct(mean)).cwiseMax(0.0) * repeats / (repeats - 1);
  return {mean, (variance / repeats).cwiseSqrt()};
}

VectorD as_vector(const ParameterVector& p) {
  return Eigen::Map<const VectorF>(p.values().data(), p.size()).cast<double>();
}

class SamplingGradients : public ::testing::Test {
 protected:
  SamplingGradients() : rbm_(testing::random_rbm(6, 4, 0.7, 31)), data_(40, 6) {
    RandomStream stream(4, 4);
    sample_bernoulli(MatrixF::Constant(40, 6, 0.3f), data_, stream);
    exact_ = rbm_.parameters().zeros_like();
    exact_negative_log_likelihood(rbm_, data_, &exact_);
  }
  void expect_unbiased(const Moments& m) const {
    const VectorD exact = as_vector(exact_);
    for (Index i = 0; i < exact.size(); ++i) {
      EXPECT_NEAR(m.mean(i), exact(i), 5 * m.std_error(i) + 1e-4) << "parameter " << i;
    }
  }
  BernoulliRbm rbm_;
  MatrixF data_;
  ParameterVector exact_;
};

TEST_F(SamplingGradients, PersistentChainsEstimateTheExactGradient) {
  // Model fixed (no updates): the persistent chains are samples of the model,
  // so PCD's gradient is unbiased for the exact gradient.
  // Five sweeps between estimates keep successive estimates nearly independent.
  for (std::uint64_t seed : {5, 6, 7}) {
    PersistentContrastiveDivergence pcd(500, 5);
    RandomStream stream(seed, 5);
    ParameterVector g = rbm_.parameters().zeros_like();
    for (int burn_in = 0; burn_in < 10; ++burn_in) pcd.gradient(rbm_, data_, g, stream);
    const Moments m = repeat(200, g.size(), [&] {
      pcd.gradient(rbm_, data_, g, stream);
      return as_vector(g);
    });
    expect_unbiased(m);
  }
}

TEST_F(SamplingGradients, ContrastiveDivergenceWithLongChainsEstimatesTheExactGradient) {
  // CD-k's bias vanishes as k grows; at k = 40 on this well-mixing model it is
  // far below the Monte Carlo error of 300 repetitions.
  ContrastiveDivergence cd(40);
  RandomStream stream(6, 6);
  ParameterVector g = rbm_.parameters().zeros_like();
  MatrixF many = data_.replicate(10, 1);
  const Moments m = repeat(300, g.size(), [&] {
    cd.gradient(rbm_, many, g, stream);
    return as_vector(g);
  });
  expect_unbiased(m);
}

TEST_F(SamplingGradients, ContrastiveDivergenceOneStepIsMeasurablyBiasedOnAHardModel) {
  // The other side of the coin: CD-1 on a model with strong weights is not
  // the likelihood gradient (Carreira-Perpinan & Hinton 2005), so the check
  // above is not vacuous.
  const BernoulliRbm hard = testing::random_rbm(6, 4, 3.0, 32);
  ParameterVector exact = hard.parameters().zeros_like();
  exact_negative_log_likelihood(hard, data_, &exact);
  ContrastiveDivergence cd(1);
  RandomStream stream(7, 7);
  ParameterVector g = hard.parameters().zeros_like();
  const Moments m = repeat(300, g.size(), [&] {
    cd.gradient(hard, data_, g, stream);
    return as_vector(g);
  });
  const VectorD z = (m.mean - as_vector(exact)).cwiseQuotient(m.std_error.cwiseMax(1e-6));
  EXPECT_GT(z.cwiseAbs().maxCoeff(), 10.0);
}

TEST(ContrastiveDivergence, ReportsReconstructionErrorAndNoObjective) {
  const BernoulliRbm rbm = testing::random_rbm(5, 3, 1.0, 1);
  MatrixF data = MatrixF::Ones(4, 5);
  ContrastiveDivergence cd(1);
  RandomStream stream(1, 1);
  ParameterVector g = rbm.parameters().zeros_like();
  const StepReport report = cd.gradient(rbm, data, g, stream);
  EXPECT_FALSE(report.objective.has_value());
  ASSERT_TRUE(report.reconstruction_error.has_value());
  EXPECT_GT(*report.reconstruction_error, 0.0);
  EXPECT_LT(*report.reconstruction_error, 5.0);
  EXPECT_THROW(ContrastiveDivergence(0), SettingError);
}

}  // namespace
}  // namespace logz
