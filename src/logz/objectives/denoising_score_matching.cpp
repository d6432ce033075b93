#include "logz/objectives/denoising_score_matching.hpp"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

#include "logz/error.hpp"
#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz {

DenoisingScoreMatching::DenoisingScoreMatching(double noise_sigma) : noise_sigma_(noise_sigma) {
  if (!(noise_sigma > 0.0) || !std::isfinite(noise_sigma)) {
    throw SettingError("--noise-sigma",
                       fmt::format("must be a positive number (the noise's standard deviation), "
                                   "got {}",
                                   noise_sigma));
  }
}

StepReport DenoisingScoreMatching::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                            ParameterVector& gradient, RandomStream& stream) {
  MatrixF noise(batch.rows(), batch.cols());
  stream.normal(std::span<float>(noise.data(), static_cast<std::size_t>(noise.size())), 0.0, 1.0);
  return gradient_for_noise(model, batch, noise, gradient);
}

StepReport DenoisingScoreMatching::gradient_for_noise(const EnergyModel& model,
                                                      ConstMatrixRef batch, ConstMatrixRef noise,
                                                      ParameterVector& gradient) const {
  const ScoreModel& scores = require_score_model(model, name());
  assert(noise.rows() == batch.rows() && noise.cols() == batch.cols());
  const float sigma = static_cast<float>(noise_sigma_);
  const MatrixF corrupted = batch + sigma * noise;
  const MatrixF target = -noise / sigma;  // (x - x~) / sigma^2
  const double scale = 1.0 / static_cast<double>(batch.rows());
  gradient.set_zero();
  StepReport report;
  report.objective =
      scale * scores.add_score_matching_gradient(corrupted, &target, /*divergence=*/false, scale, gradient);
  return report;
}

}  // namespace logz
