#include "logz/objectives/noise_distribution.hpp"

#include <gtest/gtest.h>

#include <Eigen/LU>
#include <cmath>
#include <numbers>
#include <vector>

#include "logz/error.hpp"
#include "logz/math/kernels.hpp"

namespace logz {
namespace {

// Correlated Gaussian data with a shifted mean, [n, 3].
MatrixF correlated_data(Index n, std::uint64_t seed) {
  RandomStream stream(seed, 1);
  MatrixF z(n, 3);
  stream.normal(std::span<float>(z.data(), static_cast<std::size_t>(z.size())), 0.0, 1.0);
  MatrixF mix(3, 3);
  mix << 1.0f, 0.0f, 0.0f, 0.8f, 0.5f, 0.0f, -0.3f, 0.2f, 2.0f;
  MatrixF x = z * mix.transpose();
  x.rowwise() += Eigen::RowVector3f(1.0f, -2.0f, 0.5f);
  return x;
}

struct Moments {
  VectorD mean;
  MatrixD covariance;
};

Moments moments_of(const MatrixF& x) {
  const MatrixD d = x.cast<double>();
  const VectorD mean = d.colwise().mean().transpose();
  const MatrixD centred = d.rowwise() - mean.transpose();
  return {mean, centred.transpose() * centred / static_cast<double>(d.rows())};
}

std::vector<double> log_densities(const NoiseDistribution& noise, const MatrixF& x) {
  std::vector<double> out(static_cast<std::size_t>(x.rows()));
  noise.log_density(x, out);
  return out;
}

TEST(NoiseDistribution, GaussianDensityIsTheMultivariateNormalOfTheDataMoments) {
  const MatrixF data = correlated_data(2000, 1);
  const auto noise = make_noise("gaussian", data);
  EXPECT_EQ(noise->name(), "gaussian");
  EXPECT_EQ(noise->dimension(), 3);
  Moments m = moments_of(data);
  m.covariance.diagonal().array() += 1e-3 * m.covariance.trace() / 3.0 + 1e-8;
  const MatrixD precision = m.covariance.inverse();
  const MatrixF points = correlated_data(20, 2);
  const std::vector<double> log_p = log_densities(*noise, points);
  for (Index i = 0; i < points.rows(); ++i) {
    const VectorD r = points.row(i).cast<double>().transpose() - m.mean;
    const double direct = -1.5 * std::log(2 * std::numbers::pi) -
                          0.5 * std::log(m.covariance.determinant()) - 0.5 * r.dot(precision * r);
    // The products run in float (noise_distribution.cpp): about 1e-6 relative.
    EXPECT_NEAR(log_p[static_cast<std::size_t>(i)], direct, 1e-5 * std::fabs(direct) + 1e-6);
  }
}

TEST(NoiseDistribution, GaussianSamplesHaveTheFittedMoments) {
  const MatrixF data = correlated_data(2000, 3);
  const auto noise = fit_gaussian_noise(data);
  MatrixF samples(200000, 3);
  RandomStream stream(4, 1);
  noise->sample(samples, stream);
  const Moments fitted = moments_of(data), drawn = moments_of(samples);
  // Standard errors at 2e5 draws are about 0.005 (mean) and 0.01 (covariance).
  EXPECT_LT((drawn.mean - fitted.mean).cwiseAbs().maxCoeff(), 0.03);
  EXPECT_LT((drawn.covariance - fitted.covariance).cwiseAbs().maxCoeff(), 0.06);
}

TEST(NoiseDistribution, GaussianDensityIntegratesToOneAndStaysProperOnConstantColumns) {
  MatrixF data = correlated_data(500, 5).leftCols(2);
  data.col(1).setConstant(3.0f);  // a constant column: the ridge keeps it proper
  const auto noise = fit_gaussian_noise(data);
  const Moments m = moments_of(data);
  // Midpoint rule over +-8 standard deviations of each coordinate.
  const double sd0 = std::sqrt(m.covariance(0, 0)),
               sd1 = std::sqrt(1e-3 * m.covariance(0, 0) / 2 + 1e-8);
  const int cells = 800;
  const double h0 = 16 * sd0 / cells, h1 = 16 * sd1 / cells;
  MatrixF points(cells, 2);
  double integral = 0;
  for (int i = 0; i < cells; ++i) {
    for (int j = 0; j < cells; ++j) {
      points(j, 0) = static_cast<float>(m.mean(0) - 8 * sd0 + (i + 0.5) * h0);
      points(j, 1) = static_cast<float>(3.0 - 8 * sd1 + (j + 0.5) * h1);
    }
    for (double v : log_densities(*noise, points))
      integral += std::exp(v) * h0 * h1;
  }
  // float32 points on the narrow axis: a coarse check of normalization.
  EXPECT_NEAR(integral, 1.0, 2e-2);
}

TEST(NoiseDistribution, UniformCoversTheWidenedBoundingBox) {
  const MatrixF data = correlated_data(1000, 6);
  const auto noise = make_noise("uniform", data);
  const VectorD low = data.cast<double>().colwise().minCoeff().transpose();
  const VectorD high = data.cast<double>().colwise().maxCoeff().transpose();
  const VectorD width = 1.1 * (high - low);
  // The box's corners are rounded to float (so float samples stay inside):
  // its log volume moves by about 1e-7.
  const double inside = -width.array().log().sum();
  for (double v : log_densities(*noise, data))
    EXPECT_NEAR(v, inside, 1e-6);
  MatrixF samples(100000, 3);
  RandomStream stream(7, 1);
  noise->sample(samples, stream);
  for (double v : log_densities(*noise, samples))
    ASSERT_NEAR(v, inside, 1e-6);
  const Moments drawn = moments_of(samples);
  for (Index i = 0; i < 3; ++i) {
    EXPECT_NEAR(drawn.mean(i), 0.5 * (low(i) + high(i)), 0.01 * width(i));
    EXPECT_NEAR(drawn.covariance(i, i), width(i) * width(i) / 12, 0.02 * width(i) * width(i) / 12);
    EXPECT_NEAR(samples.col(i).minCoeff(), low(i) - 0.05 * (high(i) - low(i)), 1e-3 * width(i));
  }
  MatrixF outside = data.topRows(1);
  outside(0, 2) = static_cast<float>(high(2) + 0.1 * width(2));
  EXPECT_EQ(log_densities(*noise, outside)[0], -std::numeric_limits<double>::infinity());
}

TEST(NoiseDistribution, BernoulliIsTheSmoothedProductOfMarginals) {
  RandomStream stream(8, 1);
  MatrixF data(300, 4);
  VectorF p(4);
  p << 0.1f, 0.5f, 0.8f, 0.0f;
  sample_bernoulli(p.transpose().replicate(300, 1), data, stream);
  const auto noise = make_noise("bernoulli", data);
  const VectorD q =
      ((data.cast<double>().colwise().sum().transpose().array() + 1.0) / 302.0).matrix();
  // Every state: the product formula, and the probabilities sum to one.
  MatrixF states(16, 4);
  for (int s = 0; s < 16; ++s) {
    for (int i = 0; i < 4; ++i)
      states(s, i) = static_cast<float>((s >> i) & 1);
  }
  double total = 0;
  const std::vector<double> log_p = log_densities(*noise, states);
  for (int s = 0; s < 16; ++s) {
    double product = 1;
    for (int i = 0; i < 4; ++i)
      product *= states(s, i) == 1.0f ? q(i) : 1 - q(i);
    EXPECT_NEAR(log_p[static_cast<std::size_t>(s)], std::log(product), 1e-12);
    total += std::exp(log_p[static_cast<std::size_t>(s)]);
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  MatrixF samples(100000, 4);
  noise->sample(samples, stream);
  const VectorD mean = samples.cast<double>().colwise().mean().transpose();
  EXPECT_LT((mean - q).cwiseAbs().maxCoeff(), 0.01);
}

TEST(NoiseDistribution, CategoricalIsTheSmoothedProductOfSiteFrequencies) {
  // Three sites of three states; site 2 never shows state 1.
  constexpr Index kSites = 3, kStates = 3, kRows = 400;
  RandomStream stream(9, 1);
  MatrixF data(kRows, kSites);
  std::vector<double> u(static_cast<std::size_t>(kRows * kSites));
  stream.uniform(u);
  for (Index r = 0; r < kRows; ++r) {
    for (Index i = 0; i < kSites; ++i) {
      const double v = u[static_cast<std::size_t>(r * kSites + i)];
      data(r, i) = static_cast<float>(i == 2 ? (v < 0.3 ? 0 : 2) : (v < 0.2 ? 0 : v < 0.7 ? 1 : 2));
    }
  }
  const auto noise = make_noise("categorical", data, kStates);
  EXPECT_EQ(noise->name(), "categorical");
  EXPECT_EQ(noise->dimension(), kSites);
  // p_i(a) = (n_ia + 1) / (n + q).
  MatrixD p = MatrixD::Zero(kSites, kStates);
  for (Index r = 0; r < kRows; ++r) {
    for (Index i = 0; i < kSites; ++i)
      p(i, static_cast<Index>(data(r, i))) += 1.0;
  }
  p = (p.array() + 1.0) / static_cast<double>(kRows + kStates);
  // Every one of the 27 states: the product formula, and the sum is one.
  MatrixF states(27, kSites);
  for (int s = 0; s < 27; ++s) {
    states.row(s) << static_cast<float>(s % 3), static_cast<float>(s / 3 % 3),
        static_cast<float>(s / 9);
  }
  const std::vector<double> log_p = log_densities(*noise, states);
  double total = 0.0;
  for (int s = 0; s < 27; ++s) {
    double product = 1.0;
    for (Index i = 0; i < kSites; ++i)
      product *= p(i, static_cast<Index>(states(s, i)));
    EXPECT_NEAR(log_p[static_cast<std::size_t>(s)], std::log(product), 1e-6);
    total += std::exp(log_p[static_cast<std::size_t>(s)]);
  }
  EXPECT_NEAR(total, 1.0, 1e-6);
  // Draws: each site's frequencies within 4 standard errors of p.
  MatrixF samples(50000, kSites);
  noise->sample(samples, stream);
  for (Index i = 0; i < kSites; ++i) {
    for (Index a = 0; a < kStates; ++a) {
      const double f = (samples.col(i).array() == static_cast<float>(a)).cast<double>().mean();
      EXPECT_NEAR(f, p(i, a), 4.0 * std::sqrt(p(i, a) * (1.0 - p(i, a)) / 50000.0));
    }
  }
  // Categorical data takes only this noise, and this noise only codes.
  EXPECT_THROW(make_noise("gaussian", data, kStates), SettingError);
  EXPECT_THROW(make_noise("categorical", data), SettingError);
  EXPECT_THROW(fit_categorical_noise(data, 2), SettingError);
}

TEST(NoiseDistribution, BadNamesAndNonBinaryDataAreSettingErrors) {
  const MatrixF data = correlated_data(10, 9);
  try {
    make_noise("cauchy", data);
    FAIL() << "no error";
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--noise");
  }
  EXPECT_THROW(make_noise("bernoulli", data), SettingError);
  EXPECT_THROW(fit_gaussian_noise(MatrixF(0, 3)), SettingError);
}

}  // namespace
}  // namespace logz
