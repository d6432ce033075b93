#include "logz/models/gaussian.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "logz/error.hpp"
#include "logz/models/model_file.hpp"
#include "testing/gaussian_reference.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

using testing::GaussianDouble;

TEST(Gaussian, FreeEnergyAndLogZGiveTheNormalDensity) {
  const GaussianModel model = testing::random_gaussian(3, 1);
  const GaussianDouble g(model);
  const MatrixF x = testing::random_normal_rows(20, 3, 2);
  std::vector<double> f(20);
  model.free_energy(x, f);
  const double log_z = model.closed_form_log_z();
  const MatrixD s = g.symmetric();
  for (Index i = 0; i < 20; ++i) {
    const VectorD xi = x.row(i).cast<double>().transpose();
    EXPECT_NEAR(f[static_cast<std::size_t>(i)], g.free_energy(xi), 1e-9 * (1 + g.free_energy(xi)));
    // log N(x; mu, S^-1) = -D/2 log(2 pi) + 1/2 log det S - 1/2 d^T S d
    const double log_density =
        -1.5 * std::log(2 * std::numbers::pi) + 0.5 * std::log(s.determinant()) - g.free_energy(xi);
    EXPECT_NEAR(-f[static_cast<std::size_t>(i)] - log_z, log_density, 1e-9);
  }
}

TEST(Gaussian, DensityIntegratesToOneIn2D) {
  GaussianModel model(2);
  model.mean() << 0.5f, -1.0f;
  model.precision() << 2.0f, 1.3f, 0.5f, 1.5f;  // symmetric part [[2, 0.9], [0.9, 1.5]]
  const double log_z = model.closed_form_log_z();
  // Midpoint rule on [-8, 8]^2 around the mean: the variances are below 1, so
  // the mass outside is below e^-30; the rule is spectrally accurate for a
  // smooth, rapidly decaying integrand.
  const Index n = 400;
  const double width = 16.0 / static_cast<double>(n);
  MatrixF grid(n * n, 2);
  for (Index a = 0; a < n; ++a) {
    for (Index b = 0; b < n; ++b) {
      grid(a * n + b, 0) = static_cast<float>(0.5 - 8.0 + (static_cast<double>(a) + 0.5) * width);
      grid(a * n + b, 1) = static_cast<float>(-1.0 - 8.0 + (static_cast<double>(b) + 0.5) * width);
    }
  }
  std::vector<double> f(static_cast<std::size_t>(n * n));
  model.free_energy(grid, f);
  double mass = 0.0;
  for (double value : f)
    mass += std::exp(-value - log_z) * width * width;
  EXPECT_NEAR(mass, 1.0, 1e-5);
}

TEST(Gaussian, ScoreIsMinusTheDerivativeOfTheFreeEnergy) {
  const GaussianModel model = testing::random_gaussian(4, 3);
  const GaussianDouble g(model);
  const MatrixF x = testing::random_normal_rows(6, 4, 4);
  MatrixF psi(6, 4);
  model.score(x, psi);
  std::vector<double> divergence(6);
  model.score_divergence(x, divergence);
  const double step = 1e-4;
  for (Index i = 0; i < 6; ++i) {
    const VectorD xi = x.row(i).cast<double>().transpose();
    double numeric_divergence = 0.0;
    for (Index j = 0; j < 4; ++j) {
      VectorD plus = xi, minus = xi;
      plus(j) += step;
      minus(j) -= step;
      const double numeric = -(g.free_energy(plus) - g.free_energy(minus)) / (2 * step);
      EXPECT_NEAR(psi(i, j), numeric, 1e-5 * (1 + std::abs(numeric))) << i << "," << j;
      numeric_divergence += (g.score(plus)(j) - g.score(minus)(j)) / (2 * step);
    }
    EXPECT_NEAR(divergence[static_cast<std::size_t>(i)], numeric_divergence, 1e-6);
  }
}

TEST(Gaussian, FreeEnergyGradientsMatchFiniteDifferences) {
  const GaussianModel model = testing::random_gaussian(3, 5);
  const GaussianDouble base(model);
  const MatrixF x = testing::random_normal_rows(7, 3, 6);
  const std::vector<double> weights = {0.3, -1.2, 2.0, 0.0, 0.7, -0.4, 1.1};
  const auto weighted_sum = [&](const std::vector<double>& w) {
    return [&x, w](const GaussianDouble& g) {
      double total = 0.0;
      for (Index i = 0; i < x.rows(); ++i) {
        total +=
            w[static_cast<std::size_t>(i)] * g.free_energy(x.row(i).cast<double>().transpose());
      }
      return total;
    };
  };
  ParameterVector scaled = model.parameters().zeros_like();
  model.add_free_energy_gradient(x, 0.5, scaled);
  testing::expect_gradient_matches(scaled, base, weighted_sum(std::vector<double>(7, 0.5)), 1e-5);
  ParameterVector weighted = model.parameters().zeros_like();
  model.add_weighted_free_energy_gradient(x, weights, weighted);
  testing::expect_gradient_matches(weighted, base, weighted_sum(weights), 1e-5);
  // dF/dP = 1/2 d d^T is symmetric, so updates keep a symmetric P symmetric.
  const auto p = weighted.matrix("precision");
  EXPECT_EQ(p, p.transpose());
}

TEST(Gaussian, ScoreVjpAndDivergenceGradientMatchFiniteDifferences) {
  const GaussianModel model = testing::random_gaussian(4, 7);
  const GaussianDouble base(model);
  const MatrixF x = testing::random_normal_rows(5, 4, 8);
  const MatrixF r = testing::random_normal_rows(5, 4, 9);
  ParameterVector vjp = model.parameters().zeros_like();
  model.add_score_vjp(x, r, 0.7, vjp);
  testing::expect_gradient_matches(
      vjp, base,
      [&](const GaussianDouble& g) {
        double total = 0.0;
        for (Index i = 0; i < 5; ++i) {
          total += r.row(i).cast<double>().dot(g.score(x.row(i).cast<double>().transpose()));
        }
        return 0.7 * total;
      },
      1e-5);
  ParameterVector divergence = model.parameters().zeros_like();
  model.add_score_divergence_gradient(x, 0.7, divergence);
  testing::expect_gradient_matches(
      divergence, base, [](const GaussianDouble& g) { return 0.7 * 5 * g.divergence(); }, 1e-6);
}

TEST(Gaussian, InitializeFitsIndependentUnitsAndSamplesHaveTheModelsMoments) {
  GaussianModel truth(3);
  truth.mean() << 1.0f, -2.0f, 0.5f;
  truth.precision() << 2.0f, 0.6f, 0.0f, 0.6f, 1.5f, -0.4f, 0.0f, -0.4f, 1.0f;
  RandomStream stream(1, 1);
  const Index n = 40000;
  const MatrixF x = truth.sample(n, stream);
  const MatrixD d = x.cast<double>().rowwise() - x.cast<double>().colwise().mean();
  const MatrixD covariance = d.transpose() * d / static_cast<double>(n);
  const MatrixD sigma = truth.precision().cast<double>().inverse();
  // Standard errors: sqrt(Sigma_jj / n) for a mean, sqrt((Sigma_jk^2 + Sigma_jj Sigma_kk) / n)
  // for a covariance; 5 of them.
  for (Index j = 0; j < 3; ++j) {
    EXPECT_NEAR(x.col(j).cast<double>().mean(), truth.mean()(j), 5 * std::sqrt(sigma(j, j) / n));
    for (Index k = 0; k < 3; ++k) {
      EXPECT_NEAR(covariance(j, k), sigma(j, k),
                  5 * std::sqrt((sigma(j, k) * sigma(j, k) + sigma(j, j) * sigma(k, k)) / n));
    }
  }
  GaussianModel fitted(3);
  fitted.initialize(x);
  for (Index j = 0; j < 3; ++j) {
    EXPECT_NEAR(fitted.mean()(j), x.col(j).cast<double>().mean(), 1e-5);
    EXPECT_NEAR(fitted.precision()(j, j), 1.0 / covariance(j, j), 1e-4);
  }
  EXPECT_EQ(fitted.precision()(0, 1), 0.0f);
  fitted.initialize(MatrixF(0, 3));
  EXPECT_TRUE(fitted.mean().isZero());
  EXPECT_TRUE(fitted.precision().isIdentity());
}

TEST(Gaussian, NotPositiveDefiniteIsNotNormalizable) {
  GaussianModel model(2);
  model.precision() << 1.0f, 2.0f, 2.0f, 1.0f;  // eigenvalues 3 and -1
  EXPECT_THROW(model.closed_form_log_z(), Error);
  RandomStream stream(1, 1);
  EXPECT_THROW(model.sample(3, stream), Error);
  try {
    model.closed_form_log_z();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not positive definite"), std::string::npos) << e.what();
  }
}

TEST(Gaussian, ModelFileRoundTrip) {
  const testing::TempDir dir;
  const GaussianModel model = testing::random_gaussian(3, 10);
  save_model(dir.file("g.safetensors"), model);
  const auto loaded = load_model_as<GaussianModel>(dir.file("g.safetensors"), "gaussian");
  EXPECT_EQ(loaded->kind(), "gaussian");
  EXPECT_EQ(loaded->mean(), model.mean());
  EXPECT_EQ(loaded->precision(), model.precision());
  EXPECT_DOUBLE_EQ(loaded->closed_form_log_z(), model.closed_form_log_z());
}

}  // namespace
}  // namespace logz
