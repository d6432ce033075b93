#include "logz/objectives/score_matching.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "logz/error.hpp"
#include "logz/models/ising.hpp"
#include "logz/objectives/denoising_score_matching.hpp"
#include "logz/train/trainer.hpp"
#include "testing/gaussian_reference.hpp"

namespace logz {
namespace {

using testing::GaussianDouble;

VectorD row(const MatrixF& x, Index i) {
  return x.row(i).cast<double>().transpose();
}

// Hyvarinen's loss from its definition, in double.
double sm_loss(const GaussianDouble& g, const MatrixF& x) {
  double total = 0.0;
  for (Index i = 0; i < x.rows(); ++i)
    total += 0.5 * g.score(row(x, i)).squaredNorm() + g.divergence();
  return total / static_cast<double>(x.rows());
}

// Vincent's J_DSM for the given standard normal draws, in double.
double dsm_loss(const GaussianDouble& g, const MatrixF& x, const MatrixF& noise, double sigma) {
  double total = 0.0;
  for (Index i = 0; i < x.rows(); ++i) {
    const VectorD eps = row(noise, i);
    total += 0.5 * (g.score(row(x, i) + sigma * eps) + eps / sigma).squaredNorm();
  }
  return total / static_cast<double>(x.rows());
}

TEST(ScoreMatching, GradientMatchesFiniteDifferencesOfTheLoss) {
  const GaussianModel model = testing::random_gaussian(4, 21);
  const MatrixF x = testing::random_normal_rows(9, 4, 22);
  ParameterVector gradient = model.parameters().zeros_like();
  RandomStream stream(1, 1);
  ScoreMatching sm;
  const StepReport report = sm.gradient(model, x, gradient, stream);
  const GaussianDouble base(model);
  ASSERT_TRUE(report.objective.has_value());
  EXPECT_NEAR(*report.objective, sm_loss(base, x), 1e-5 * (1 + std::abs(sm_loss(base, x))));
  testing::expect_gradient_matches(
      gradient, base, [&](const GaussianDouble& g) { return sm_loss(g, x); }, 1e-4);
}

TEST(DenoisingScoreMatching, GradientMatchesFiniteDifferencesForFixedNoise) {
  const GaussianModel model = testing::random_gaussian(4, 23);
  const MatrixF x = testing::random_normal_rows(9, 4, 24);
  const MatrixF noise = testing::random_normal_rows(9, 4, 25);
  for (const double sigma : {0.1, 0.8}) {
    DenoisingScoreMatching dsm(sigma);
    ParameterVector gradient = model.parameters().zeros_like();
    const StepReport report = dsm.gradient_for_noise(model, x, noise, gradient);
    const GaussianDouble base(model);
    const double loss = dsm_loss(base, x, noise, sigma);
    ASSERT_TRUE(report.objective.has_value());
    EXPECT_NEAR(*report.objective, loss, 1e-5 * (1 + loss)) << sigma;
    testing::expect_gradient_matches(
        gradient, base, [&](const GaussianDouble& g) { return dsm_loss(g, x, noise, sigma); },
        1e-4);
  }
}

TEST(DenoisingScoreMatching, DrawsItsNoiseFromTheStream) {
  const GaussianModel model = testing::random_gaussian(3, 26);
  const MatrixF x = testing::random_normal_rows(5, 3, 27);
  DenoisingScoreMatching dsm(0.5);
  RandomStream stream(3, 4);
  MatrixF noise(5, 3);
  RandomStream copy = stream;
  copy.normal(std::span<float>(noise.data(), static_cast<std::size_t>(noise.size())), 0.0, 1.0);
  ParameterVector drawn = model.parameters().zeros_like(), given = drawn;
  const StepReport a = dsm.gradient(model, x, drawn, stream);
  const StepReport b = dsm.gradient_for_noise(model, x, noise, given);
  EXPECT_EQ(*a.objective, *b.objective);
  EXPECT_TRUE(std::equal(drawn.values().begin(), drawn.values().end(), given.values().begin()));
  EXPECT_EQ(stream.state(), copy.state());
}

TEST(ScoreMatching, ModelsWithoutAScoreAndBadNoiseAreSettingErrors) {
  const IsingModel ising(3);
  ParameterVector gradient = ising.parameters().zeros_like();
  RandomStream stream(1, 1);
  const MatrixF x = MatrixF::Zero(2, 3);
  ScoreMatching sm;
  try {
    sm.gradient(ising, x, gradient, stream);
    ADD_FAILURE() << "no error";
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--method");
    EXPECT_EQ(std::string(e.what()),
              "--method: sm needs a model of real-valued units with a score (gbrbm, gaussian); "
              "ising has none");
  }
  DenoisingScoreMatching dsm(1.0);
  EXPECT_THROW(dsm.gradient(ising, x, gradient, stream), SettingError);
  for (const double sigma : {0.0, -1.0, std::nan(""), HUGE_VAL}) {
    try {
      DenoisingScoreMatching bad(sigma);
      ADD_FAILURE() << "no error for " << sigma;
    } catch (const SettingError& e) {
      EXPECT_EQ(e.setting(), "--noise-sigma");
    }
  }
}

// A known 4-D Gaussian with correlated units, 20,000 exact draws from it
// (the parameter is the data's seed), and the closed-form optima the
// principles should reach on those draws.
class ScoreMatchingRecovery : public ::testing::TestWithParam<std::uint64_t> {
 protected:
  static constexpr Index kExamples = 20000;

  ScoreMatchingRecovery() : truth_(4) {
    truth_.mean() << 0.5f, -1.0f, 0.25f, 1.0f;
    truth_.precision() << 2.0f, 0.6f, 0.0f, -0.3f,  //
        0.6f, 1.5f, 0.4f, 0.0f,                     //
        0.0f, 0.4f, 1.0f, 0.2f,                     //
        -0.3f, 0.0f, 0.2f, 0.8f;
    RandomStream stream = make_stream(GetParam(), StreamId::data_generation);
    data_ = truth_.sample(kExamples, stream);
    const MatrixD x = data_.cast<double>();
    sample_mean_ = x.colwise().mean().transpose();
    const MatrixD d = x.rowwise() - sample_mean_.transpose();
    sample_covariance_ = d.transpose() * d / static_cast<double>(kExamples);
  }

  // Full-batch gradient descent with momentum through the Trainer, from the
  // standard normal.
  GaussianModel train(Objective& objective, int epochs, LearningRateSchedule schedule) const {
    GaussianModel model(4);
    TrainOptions options;
    options.epochs = epochs;
    options.batch_size = kExamples;
    options.seed = 5;
    options.sgd.learning_rate = 0.2;
    options.sgd.momentum = 0.9;
    options.sgd.schedule = schedule;
    Trainer trainer(model, objective, options);
    trainer.run(data_, nullptr, nullptr);
    return model;
  }

  // The estimates against the true mean and precision, within 5 standard
  // errors of the maximum-likelihood estimates from kExamples draws:
  // sqrt(Sigma_jj / n) for a mean and, by the delta method (the precision
  // estimate is the inverse of a Wishart covariance), sqrt((P_jk^2 + P_jj
  // P_kk) / n) for a precision entry. Score matching is consistent and, for a
  // Gaussian, equals maximum likelihood exactly, so the same errors apply.
  static void expect_within_sampling_error(const GaussianModel& model, const VectorD& mean,
                                           const MatrixD& precision) {
    const MatrixD covariance = precision.inverse();
    const double n = static_cast<double>(kExamples);
    for (Index j = 0; j < 4; ++j) {
      EXPECT_NEAR(model.mean()(j), mean(j), 5 * std::sqrt(covariance(j, j) / n)) << "mean " << j;
      for (Index k = 0; k < 4; ++k) {
        const double standard_error =
            std::sqrt((precision(j, k) * precision(j, k) + precision(j, j) * precision(k, k)) / n);
        EXPECT_NEAR(model.precision()(j, k), precision(j, k), 5 * standard_error)
            << "precision " << j << "," << k;
      }
    }
  }

  static double max_difference(const MatrixD& a, const MatrixD& b) {
    return (a - b).cwiseAbs().maxCoeff();
  }

  GaussianModel truth_;
  MatrixF data_;
  VectorD sample_mean_;
  MatrixD sample_covariance_;
};

TEST_P(ScoreMatchingRecovery, ScoreMatchingRecoversMeanAndPrecision) {
  ScoreMatching sm;
  const GaussianModel model = train(sm, 300, LearningRateSchedule::constant);
  const MatrixD truth_precision = truth_.precision().cast<double>();
  expect_within_sampling_error(model, truth_.mean().cast<double>(), truth_precision);
  // Its optimum on the sample is in closed form: the sample mean and the
  // inverse of the sample covariance; full-batch descent converges to it up
  // to float rounding.
  const MatrixD precision = model.precision().cast<double>();
  EXPECT_LT((model.mean().cast<double>() - sample_mean_).cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_LT(max_difference(precision, sample_covariance_.inverse()), 1e-3);
  // The errors, for the XML report (--gtest_output=xml).
  RecordProperty("mean_error",
                 std::to_string((model.mean() - truth_.mean()).cwiseAbs().maxCoeff()));
  RecordProperty("precision_error", std::to_string(max_difference(precision, truth_precision)));
}

TEST_P(ScoreMatchingRecovery, DenoisingScoreMatchingRecoversTheNoiseInflatedGaussian) {
  const double sigma = 0.7;
  DenoisingScoreMatching dsm(sigma);
  // Fresh noise every step: the learning rate decays to zero so that the
  // noise averages out over the steps.
  const GaussianModel model = train(dsm, 400, LearningRateSchedule::linear);
  const MatrixD identity = MatrixD::Identity(4, 4);
  const MatrixD truth_covariance = truth_.precision().cast<double>().inverse();
  const MatrixD inflated_precision = (truth_covariance + sigma * sigma * identity).inverse();
  // DSM is score matching on the data smoothed by the noise, whose covariance
  // is Sigma + sigma^2 I: it recovers that Gaussian, not the data's, within
  // the sampling error of kExamples draws from it (the noise drawn over the
  // many steps adds far less; see the sample optimum below).
  expect_within_sampling_error(model, truth_.mean().cast<double>(), inflated_precision);
  // On the sample, the optimum averaged over the noise is the sample mean and
  // (C + sigma^2 I)^-1, C the sample covariance. The distance to it is what
  // the noise of the last steps leaves (measured: 3e-3 for the three seeds).
  const MatrixD precision = model.precision().cast<double>();
  const MatrixD sample_optimum = (sample_covariance_ + sigma * sigma * identity).inverse();
  EXPECT_LT(max_difference(precision, sample_optimum), 0.01);
  EXPECT_LT((model.mean().cast<double>() - sample_mean_).cwiseAbs().maxCoeff(), 0.01);
  // ... and the shift is there: every precision diagonal falls (S_sigma <= S
  // in the Loewner order) by far more than the sampling error.
  const MatrixD truth_precision = truth_.precision().cast<double>();
  for (Index j = 0; j < 4; ++j) {
    const double standard_error =
        std::sqrt(2.0 / static_cast<double>(kExamples)) * truth_precision(j, j);
    EXPECT_LT(precision(j, j), truth_precision(j, j) - 10 * standard_error) << j;
  }
  RecordProperty("mean_error",
                 std::to_string((model.mean() - truth_.mean()).cwiseAbs().maxCoeff()));
  RecordProperty("inflated_precision_error",
                 std::to_string(max_difference(precision, inflated_precision)));
  RecordProperty("sample_optimum_error", std::to_string(max_difference(precision, sample_optimum)));
}

INSTANTIATE_TEST_SUITE_P(ScoreMatchingDataSeeds, ScoreMatchingRecovery, ::testing::Values(1, 2, 3));

}  // namespace
}  // namespace logz
