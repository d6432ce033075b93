#include "logz/models/ica.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "logz/error.hpp"
#include "logz/models/model_file.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

IcaModel model_with(const MatrixF& b) {
  IcaModel model(b.rows());
  model.B() = b;
  return model;
}

MatrixF random_matrix(Index rows, Index cols, std::uint64_t seed) {
  RandomStream stream(seed, 1);
  MatrixF m(rows, cols);
  stream.normal(std::span<float>(m.data(), static_cast<std::size_t>(m.size())), 0.0, 1.0);
  return m;
}

double free_energy_of(const IcaModel& model, const VectorD& x) {
  const MatrixF row = x.transpose().cast<float>();
  double f = 0;
  model.free_energy(row, std::span<double>(&f, 1));
  return f;
}

TEST(Ica, FreeEnergyIsTheLaplaceEnergyOfTheSources) {
  MatrixF b(2, 2);
  b << 1.0f, -2.0f, 0.5f, 3.0f;
  const IcaModel model = model_with(b);
  MatrixF x(2, 2);
  x << 1.0f, 1.0f, -2.0f, 0.5f;
  std::vector<double> f(2);
  model.free_energy(x, f);
  EXPECT_NEAR(f[0], std::numbers::sqrt2 * (1.0 + 3.5), 1e-6);
  EXPECT_NEAR(f[1], std::numbers::sqrt2 * (3.0 + 0.5), 1e-6);
}

TEST(Ica, ClosedFormLogZMatchesNumericalIntegrationIn1D) {
  for (const float b : {0.3f, 1.0f, -2.5f}) {
    const IcaModel model = model_with(MatrixF::Constant(1, 1, b));
    // Simpson's rule on [0, L] (the kink at 0 is an end point), doubled by symmetry.
    const double length = 80.0 / std::fabs(b);
    const int intervals = 40000;
    const double h = length / intervals;
    double sum = 0;
    for (int k = 0; k <= intervals; ++k) {
      const double weight = (k == 0 || k == intervals) ? 1 : (k % 2 == 1 ? 4 : 2);
      sum += weight * std::exp(-free_energy_of(model, VectorD::Constant(1, k * h)));
    }
    const double integral = 2.0 * sum * h / 3.0;
    EXPECT_NEAR(model.closed_form_log_z(), std::log(integral), 1e-6) << "b = " << b;
  }
}

TEST(Ica, ClosedFormLogZMatchesNumericalIntegrationIn2D) {
  MatrixF b(2, 2);
  b << 1.2f, 0.3f, -0.4f, 0.9f;
  const IcaModel model = model_with(b);
  // Midpoint rule on a fine grid; the kinks along b_i.x = 0 cost O(h^2).
  const double length = 40.0;
  const int cells = 2000;
  const double h = 2 * length / cells;
  MatrixF points(cells, 2);
  std::vector<double> f(cells);
  double integral = 0;
  for (int i = 0; i < cells; ++i) {
    for (int j = 0; j < cells; ++j) {
      points(j, 0) = static_cast<float>(-length + (i + 0.5) * h);
      points(j, 1) = static_cast<float>(-length + (j + 0.5) * h);
    }
    model.free_energy(points, f);
    for (double value : f)
      integral += std::exp(-value) * h * h;
  }
  EXPECT_NEAR(model.closed_form_log_z(), std::log(integral), 2e-3);
  EXPECT_NEAR(model.closed_form_log_z(), std::log(2.0) - std::log(1.2 * 0.9 + 0.3 * 0.4), 1e-6);
}

TEST(Ica, SingularDemixingMatrixHasNoLogZ) {
  MatrixF b(2, 2);
  b << 1.0f, 2.0f, 2.0f, 4.0f;
  EXPECT_TRUE(model_with(b).has_closed_form_log_z());
  EXPECT_THROW(model_with(b).closed_form_log_z(), Error);
}

TEST(Ica, FreeEnergyGradientMatchesFiniteDifferences) {
  const Index d = 3;
  const IcaModel model = model_with(random_matrix(d, d, 1));
  const MatrixF x = random_matrix(5, d, 2);
  // F is linear in B between kinks: away from them, central differences are exact.
  const MatrixF sources = x * model.B().transpose();
  const double eps = 1e-4;
  ASSERT_GT(sources.cwiseAbs().minCoeff(), 10 * eps * x.cwiseAbs().maxCoeff());
  ParameterVector gradient = model.parameters().zeros_like();
  model.add_free_energy_gradient(x, 0.5, gradient);
  for (Index k = 0; k < d * d; ++k) {
    IcaModel plus = model, minus = model;
    plus.B().data()[k] += static_cast<float>(eps);
    minus.B().data()[k] -= static_cast<float>(eps);
    const double step = plus.B().data()[k] - minus.B().data()[k];
    std::vector<double> fp(5), fm(5);
    plus.free_energy(x, fp);
    minus.free_energy(x, fm);
    double difference = 0;
    for (int i = 0; i < 5; ++i)
      difference += 0.5 * (fp[i] - fm[i]) / step;
    EXPECT_NEAR(gradient.values()[static_cast<std::size_t>(k)], difference, 1e-4)
        << "B entry " << k;
  }
}

TEST(Ica, WeightedGradientIsTheWeightedSumOfPerExampleGradients) {
  const Index d = 4;
  const IcaModel model = model_with(random_matrix(d, d, 3));
  const MatrixF x = random_matrix(7, d, 4);
  const std::vector<double> weights = {0.5, -1.0, 2.0, 0.0, 0.25, -0.75, 1.5};
  ParameterVector fast = model.parameters().zeros_like();
  ParameterVector slow = model.parameters().zeros_like();
  model.add_weighted_free_energy_gradient(x, weights, fast);
  model.EnergyModel::add_weighted_free_energy_gradient(x, weights, slow);
  for (Index k = 0; k < fast.size(); ++k) {
    EXPECT_NEAR(fast.values()[static_cast<std::size_t>(k)],
                slow.values()[static_cast<std::size_t>(k)], 1e-5);
  }
}

TEST(Ica, InitializationWhitensTheData) {
  const Index d = 3;
  MatrixF mixing = random_matrix(d, d, 5);
  const MatrixF data = random_matrix(5000, d, 6) * mixing.transpose();
  IcaModel model(d);
  RandomStream stream = make_stream(1, StreamId::initialization);
  model.initialize(data, stream);
  const MatrixD sources = data.cast<double>() * model.B().cast<double>().transpose();
  const MatrixD moment = sources.transpose() * sources / 5000.0;
  EXPECT_LT((moment - MatrixD::Identity(d, d)).cwiseAbs().maxCoeff(), 1e-2);
}

TEST(Ica, ModelFileRoundTrip) {
  const IcaModel model = model_with(random_matrix(3, 3, 7));
  testing::TempDir dir;
  save_model(dir.file("ica.safetensors"), model);
  const LoadedModel loaded = load_model(dir.file("ica.safetensors"));
  EXPECT_EQ(loaded.model->kind(), "ica");
  EXPECT_FALSE(loaded.model->binary_visible());
  EXPECT_EQ(loaded.model->n_visible(), 3);
  EXPECT_NEAR(loaded.model->closed_form_log_z(), model.closed_form_log_z(), 1e-9);
}

}  // namespace
}  // namespace logz
