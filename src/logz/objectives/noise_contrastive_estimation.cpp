#include "logz/objectives/noise_contrastive_estimation.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "logz/error.hpp"
#include "logz/math/log_space.hpp"

namespace logz {
namespace {

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

// G(u) = -F(u) - log_z - log nu - log p_n(u) for each row.
std::vector<double> log_odds(const EnergyModel& model, const NoiseDistribution& noise,
                             double noise_ratio, ConstMatrixRef u) {
  const auto n = static_cast<std::size_t>(u.rows());
  std::vector<double> free_energy(n), noise_log_density(n), g(n);
  model.free_energy(u, free_energy);
  noise.log_density(u, noise_log_density);
  const double offset = model.log_normalizer() + std::log(noise_ratio);
  for (std::size_t i = 0; i < n; ++i)
    g[i] = -free_energy[i] - offset - noise_log_density[i];
  return g;
}

}  // namespace

NoiseContrastiveEstimation::NoiseContrastiveEstimation(
    std::shared_ptr<const NoiseDistribution> noise, double noise_ratio)
    : noise_(std::move(noise)), noise_ratio_(noise_ratio) {
  if (!(noise_ratio > 0.0) || !std::isfinite(noise_ratio)) {
    throw SettingError("--noise-ratio", fmt::format("{} must be a positive number", noise_ratio));
  }
}

StepReport NoiseContrastiveEstimation::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                                ParameterVector& gradient, RandomStream& stream) {
  const auto m = static_cast<Index>(std::llround(noise_ratio_ * static_cast<double>(batch.rows())));
  MatrixF noise_samples(m, batch.cols());
  noise_->sample(noise_samples, stream);
  return noise_contrastive_gradient(model, *noise_, noise_ratio_, batch, noise_samples, gradient);
}

StepReport noise_contrastive_gradient(const EnergyModel& model, const NoiseDistribution& noise,
                                      double noise_ratio, ConstMatrixRef data,
                                      ConstMatrixRef noise_samples, ParameterVector& gradient) {
  if (!model.has_log_normalizer()) {
    throw SettingError("--method",
                       "nce needs a model with a learned log normalizer (the tensor "
                       "log_z; EnergyModel::add_log_normalizer)");
  }
  if (noise.dimension() != model.n_visible() || data.cols() != model.n_visible()) {
    throw SettingError("--noise", fmt::format("the noise has {} dimensions, the model {} and the "
                                              "data {}",
                                              noise.dimension(), model.n_visible(), data.cols()));
  }
  const std::vector<double> g_data = log_odds(model, noise, noise_ratio, data);
  const std::vector<double> g_noise = log_odds(model, noise, noise_ratio, noise_samples);
  const double n = static_cast<double>(data.rows());
  // Weights of dF/dtheta: the classifier's error on each point, over n.
  std::vector<double> w_data(g_data.size()), w_noise(g_noise.size());
  double loss = 0.0, log_z_gradient = 0.0;
  std::size_t right = 0;
  for (std::size_t i = 0; i < g_data.size(); ++i) {
    loss += softplus(-g_data[i]);
    w_data[i] = sigmoid(-g_data[i]) / n;
    log_z_gradient += w_data[i];
    right += g_data[i] > 0.0 ? 1 : 0;
  }
  for (std::size_t i = 0; i < g_noise.size(); ++i) {
    loss += softplus(g_noise[i]);
    w_noise[i] = -sigmoid(g_noise[i]) / n;
    log_z_gradient += w_noise[i];
    right += g_noise[i] < 0.0 ? 1 : 0;
  }
  gradient.set_zero();
  model.add_weighted_free_energy_gradient(data, w_data, gradient);
  model.add_weighted_free_energy_gradient(noise_samples, w_noise, gradient);
  gradient.tensor("log_z")[0] = static_cast<float>(log_z_gradient);
  StepReport report;
  report.objective = loss / n;
  report.diagnostics["nce_accuracy"] =
      static_cast<double>(right) / static_cast<double>(g_data.size() + g_noise.size());
  return report;
}

}  // namespace logz
