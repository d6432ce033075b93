#include "logz/objectives/noise_contrastive_estimation.hpp"

#include <gtest/gtest.h>

#include <Eigen/LU>
#include <Eigen/QR>
#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include "logz/error.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/math/log_space.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/ica.hpp"
#include "logz/sampling/exact_sampling.hpp"
#include "logz/train/trainer.hpp"
#include "testing/brute_force.hpp"

namespace logz {
namespace {

// F(u) at parameters theta (the model's flat layout), in double.
using FreeEnergyAt = std::function<double(const std::vector<double>& theta, const VectorD& u)>;

// J from its definition, in double.
double reference_loss(const FreeEnergyAt& f, const std::vector<double>& theta, double log_z,
                      const NoiseDistribution& noise, double nu, const MatrixF& x,
                      const MatrixF& y) {
  auto g = [&](const MatrixF& points, Index i) {
    std::vector<double> log_pn(1);
    noise.log_density(points.middleRows(i, 1), log_pn);
    return -f(theta, points.row(i).cast<double>().transpose()) - log_z - std::log(nu) - log_pn[0];
  };
  double total = 0;
  for (Index i = 0; i < x.rows(); ++i)
    total -= std::log(1 / (1 + std::exp(-g(x, i))));
  for (Index i = 0; i < y.rows(); ++i)
    total -= std::log(1 - 1 / (1 + std::exp(-g(y, i))));
  return total / static_cast<double>(x.rows());
}

// The library's J and gradient against the reference and its central differences.
void expect_nce_gradient_matches(const EnergyModel& model, const FreeEnergyAt& f,
                                 const NoiseDistribution& noise, double nu, const MatrixF& x,
                                 const MatrixF& y, double tolerance) {
  ParameterVector gradient = model.parameters().zeros_like();
  const StepReport report = noise_contrastive_gradient(model, noise, nu, x, y, gradient);
  const auto values = model.parameters().values();
  std::vector<double> theta(values.begin(), values.end());
  const auto log_z_at = static_cast<std::size_t>(model.parameters().spec("log_z").offset);
  auto loss = [&](const std::vector<double>& t) {
    return reference_loss(f, t, t[log_z_at], noise, nu, x, y);
  };
  ASSERT_TRUE(report.objective.has_value());
  EXPECT_NEAR(*report.objective, loss(theta), tolerance);
  EXPECT_GT(report.diagnostics.at("nce_accuracy"), 0.0);
  const double eps = 1e-5;
  for (std::size_t k = 0; k < theta.size(); ++k) {
    std::vector<double> plus = theta, minus = theta;
    plus[k] += eps;
    minus[k] -= eps;
    const double numeric = (loss(plus) - loss(minus)) / (2 * eps);
    EXPECT_NEAR(gradient.values()[k], numeric, tolerance * (1 + std::fabs(numeric)))
        << "parameter " << k;
  }
}

// Independent unit-variance Laplace sources mixed by A: rows x = A s.
MatrixF ica_data(const MatrixF& mixing, Index n, std::uint64_t seed) {
  const Index d = mixing.rows();
  RandomStream stream(seed, 1);
  std::vector<double> u(static_cast<std::size_t>(n * d));
  stream.uniform(u);
  MatrixF sources(n, d);
  for (Index k = 0; k < n * d; ++k) {
    const double v = u[static_cast<std::size_t>(k)] - 0.5;
    sources.data()[k] = static_cast<float>(-std::copysign(1.0, v) * std::log1p(-2 * std::fabs(v)) /
                                           std::numbers::sqrt2);
  }
  return sources * mixing.transpose();
}

// A random rotation.
MatrixD rotation(Index d, RandomStream& stream) {
  MatrixD g(d, d);
  stream.normal(std::span<double>(g.data(), static_cast<std::size_t>(g.size())), 0.0, 1.0);
  return Eigen::HouseholderQR<MatrixD>(g).householderQ();
}

// A = U diag(1 .. 2) V^T, U and V random rotations: well conditioned, so a
// few hundred Adam steps converge, and with no preferred axes.
MatrixF mixing_matrix(Index d, std::uint64_t seed) {
  RandomStream stream(seed, 2);
  const VectorD scales = VectorD::LinSpaced(d, 1.0, 2.0);
  const MatrixD u = rotation(d, stream), v = rotation(d, stream);
  return (u * scales.asDiagonal() * v.transpose()).cast<float>();
}

FreeEnergyAt ica_free_energy(Index d) {
  return [d](const std::vector<double>& theta, const VectorD& u) {
    const Eigen::Map<const MatrixD> b(theta.data(), d, d);
    return std::numbers::sqrt2 * (b * u).cwiseAbs().sum();
  };
}

TEST(NoiseContrastiveEstimation, IcaGradientMatchesFiniteDifferences) {
  const Index d = 3;
  const MatrixF x = ica_data(mixing_matrix(d, 1), 40, 1);
  IcaModel model(d);
  RandomStream stream(2, 1);
  model.initialize(x, stream);
  model.add_log_normalizer(0.7);
  const auto noise = fit_gaussian_noise(x);
  MatrixF y(80, d);
  noise->sample(y, stream);
  expect_nce_gradient_matches(model, ica_free_energy(d), *noise, 2.0, x, y, 1e-4);
}

TEST(NoiseContrastiveEstimation, RbmGradientMatchesFiniteDifferences) {
  BernoulliRbm rbm = testing::random_rbm(6, 3, 1.0, 4);
  rbm.add_log_normalizer(3.0);
  RandomStream stream(5, 1);
  const MatrixF x = sample_exactly(rbm, 30, stream);
  const auto noise = fit_bernoulli_noise(x);
  MatrixF y(45, 6);
  noise->sample(y, stream);
  const FreeEnergyAt f = [](const std::vector<double>& theta, const VectorD& v) {
    const Eigen::Map<const MatrixD> w(theta.data(), 6, 3);
    const Eigen::Map<const VectorD> b(theta.data() + 18, 6), c(theta.data() + 24, 3);
    const VectorD activation = c + w.transpose() * v;
    double total = -b.dot(v);
    for (Index j = 0; j < 3; ++j)
      total -= softplus(activation(j));
    return total;
  };
  expect_nce_gradient_matches(rbm, f, *noise, 1.5, x, y, 2e-4);
}

TEST(NoiseContrastiveEstimation, RbmWeightedGradientIsOneProduct) {
  const BernoulliRbm rbm = testing::random_rbm(5, 4, 1.0, 6);
  RandomStream stream(7, 1);
  const MatrixF x = sample_exactly(rbm, 9, stream);
  const std::vector<double> weights = {1, -0.5, 0, 2, 0.25, -1, 0.1, 3, -2};
  ParameterVector fast = rbm.parameters().zeros_like(), slow = rbm.parameters().zeros_like();
  rbm.add_weighted_free_energy_gradient(x, weights, fast);
  rbm.EnergyModel::add_weighted_free_energy_gradient(x, weights, slow);
  for (Index k = 0; k < fast.size(); ++k) {
    EXPECT_NEAR(fast.values()[static_cast<std::size_t>(k)],
                slow.values()[static_cast<std::size_t>(k)], 1e-5);
  }
}

TEST(NoiseContrastiveEstimation, SettingsAreChecked) {
  std::shared_ptr<const NoiseDistribution> noise =
      fit_gaussian_noise(MatrixF::Constant(10, 2, 1.0f));
  EXPECT_THROW(NoiseContrastiveEstimation(noise, 0.0), SettingError);
  EXPECT_THROW(NoiseContrastiveEstimation(noise, -1.0), SettingError);
  NoiseContrastiveEstimation nce(noise, 1.0);
  IcaModel model(2);
  ParameterVector gradient = model.parameters().zeros_like();
  RandomStream stream(1, 1);
  try {
    nce.gradient(model, MatrixF::Constant(10, 2, 1.0f), gradient, stream);
    FAIL() << "no error";
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "--method");
  }
}

// |B A| against the nearest signed permutation, mean squared over entries.
double demixing_error(const IcaModel& model, const MatrixF& mixing) {
  const MatrixD product = model.B().cast<double>() * mixing.cast<double>();
  const Index d = product.rows();
  MatrixD permutation = MatrixD::Zero(d, d);
  for (Index i = 0; i < d; ++i) {
    Index j = 0;
    product.row(i).cwiseAbs().maxCoeff(&j);
    permutation(i, j) = product(i, j) > 0 ? 1 : -1;
  }
  if ((permutation.cwiseAbs().colwise().sum().array() != 1.0).any())
    return 1.0;  // not a permutation
  return (product - permutation).squaredNorm() / static_cast<double>(d * d);
}

double true_log_z(const MatrixF& mixing) {
  return 0.5 * static_cast<double>(mixing.rows()) * std::log(2.0) +
         std::log(std::fabs(mixing.cast<double>().determinant()));
}

struct Recovery {
  double demixing_error;       // mean squared over the entries of B A
  double log_z_squared_error;  // (learned log_z - true log Z)^2
};

Recovery fit_ica(Objective& objective, const MatrixF& data, const MatrixF& mixing, int steps,
                 std::uint64_t seed) {
  IcaModel model(data.cols());
  RandomStream init = make_stream(seed, StreamId::initialization);
  model.initialize(data, init);
  model.add_log_normalizer(0.0);
  TrainOptions options;
  options.epochs = steps;
  options.batch_size = data.rows();  // full batch
  options.seed = seed;
  options.sgd.kind = OptimizerKind::adam;
  options.sgd.momentum = 0.9;
  options.sgd.learning_rate = 0.05;
  options.sgd.schedule = LearningRateSchedule::linear;
  options.sgd.final_learning_rate = 0.0;
  Trainer trainer(model, objective, options);
  trainer.run(data, nullptr, nullptr);
  const double log_z_error = model.log_normalizer() - true_log_z(mixing);
  return {demixing_error(model, mixing), log_z_error * log_z_error};
}

TEST(NoiseContrastiveEstimation, RecoversIcaDemixingMatrixAndLogZ) {
  for (Index d = 2; d <= 4; ++d) {
    const MatrixF mixing = mixing_matrix(d, 10 + static_cast<std::uint64_t>(d));
    const MatrixF data = ica_data(mixing, 4000, static_cast<std::uint64_t>(d));
    NoiseContrastiveEstimation nce(fit_gaussian_noise(data), 4.0);
    const Recovery r = fit_ica(nce, data, mixing, 400, 1);
    std::printf("D = %ld: mean squared error of B A %.2e, squared error of log Z %.2e\n",
                static_cast<long>(d), r.demixing_error, r.log_z_squared_error);
    EXPECT_LT(r.demixing_error, 2e-3) << "D = " << d;
    EXPECT_LT(r.log_z_squared_error, 3e-2) << "D = " << d;
  }
}

// NCE as in the papers: one noise sample of nu T_d points, fixed for the whole fit.
class FixedNoiseNce final : public Objective {
 public:
  FixedNoiseNce(const NoiseDistribution& noise, double nu, MatrixF samples)
      : noise_(noise), nu_(nu), samples_(std::move(samples)) {}
  std::string_view name() const override { return "nce_fixed_noise"; }
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& /*stream*/) override {
    return noise_contrastive_gradient(model, noise_, nu_, batch, samples_, gradient);
  }

 private:
  const NoiseDistribution& noise_;
  double nu_;
  MatrixF samples_;
};

// Mean over seeds of the errors of NCE with T_d = n data points and nu n noise points.
Recovery mean_recovery(Index n, double nu, const MatrixF& mixing) {
  const int seeds = 4;
  Recovery mean{0, 0};
  for (int seed = 1; seed <= seeds; ++seed) {
    const MatrixF data = ica_data(mixing, n, 100 + static_cast<std::uint64_t>(seed));
    const auto noise = fit_gaussian_noise(data);
    MatrixF samples(static_cast<Index>(std::llround(nu * static_cast<double>(n))), data.cols());
    RandomStream stream(200 + static_cast<std::uint64_t>(seed), 1);
    noise->sample(samples, stream);
    FixedNoiseNce nce(*noise, nu, std::move(samples));
    const Recovery r = fit_ica(nce, data, mixing, 400, static_cast<std::uint64_t>(seed));
    mean.demixing_error += r.demixing_error / seeds;
    mean.log_z_squared_error += r.log_z_squared_error / seeds;
  }
  std::printf("N = %5ld, nu = %4.1f: mean squared error of B A %.2e, of log Z %.2e\n",
              static_cast<long>(n), nu, mean.demixing_error, mean.log_z_squared_error);
  return mean;
}

TEST(NoiseContrastiveEstimation, IcaErrorShrinksWithMoreNoiseAndMoreData) {
  // Gutmann & Hyvarinen (2010), figure 1: the error falls with nu at fixed
  // T_d, and with T_d at fixed nu.
  const MatrixF mixing = mixing_matrix(3, 20);
  const Recovery few_noise = mean_recovery(2000, 1.0, mixing);
  const Recovery much_noise = mean_recovery(2000, 10.0, mixing);
  const Recovery little_data = mean_recovery(1000, 1.0, mixing);
  const Recovery much_data = mean_recovery(10000, 1.0, mixing);
  EXPECT_GT(few_noise.demixing_error, much_noise.demixing_error);
  EXPECT_GT(few_noise.log_z_squared_error, much_noise.log_z_squared_error);
  EXPECT_GT(little_data.demixing_error, 3 * much_data.demixing_error);
  EXPECT_GT(little_data.log_z_squared_error, much_data.log_z_squared_error);
}

TEST(NoiseContrastiveEstimation, RbmLearnsItsOwnLogZ) {
  // A tiny RBM fitted by NCE to samples of a known one: the learned log_z
  // should be the exact log Z of the parameters learned.
  const BernoulliRbm truth = testing::random_rbm(6, 3, 1.0, 11);
  RandomStream stream(12, 1);
  const MatrixF data = sample_exactly(truth, 4000, stream);
  BernoulliRbm model(6, 3);
  RandomStream init = make_stream(1, StreamId::initialization);
  model.initialize(init, 0.1, data);
  model.add_log_normalizer(0.0);
  NoiseContrastiveEstimation nce(fit_bernoulli_noise(data), 4.0);
  TrainOptions options;
  options.epochs = 300;
  options.batch_size = 500;
  options.seed = 1;
  options.sgd.kind = OptimizerKind::adam;
  options.sgd.momentum = 0.9;
  options.sgd.learning_rate = 0.05;
  options.sgd.schedule = LearningRateSchedule::linear;
  Trainer trainer(model, nce, options);
  trainer.run(data, nullptr, nullptr);
  const double exact = exact_log_z(model).log_z;
  std::printf(
      "RBM: learned log_z %.4f, exact log Z of the learned parameters %.4f, of the truth %.4f\n",
      model.log_normalizer(), exact, exact_log_z(truth).log_z);
  EXPECT_NEAR(model.log_normalizer(), exact, 0.05);
  // And the fit itself: the exact log-likelihood of the data is the truth's.
  const double learned = average_log_likelihood(model, data, exact_log_z(model)).average;
  const double true_value = average_log_likelihood(truth, data, exact_log_z(truth)).average;
  std::printf("RBM: average log-likelihood learned %.4f, truth %.4f\n", learned, true_value);
  EXPECT_NEAR(learned, true_value, 0.08);
}

}  // namespace
}  // namespace logz
