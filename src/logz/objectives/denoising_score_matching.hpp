// Denoising score matching (Vincent, "A connection between score matching and
// denoising autoencoders", Neural Computation 2011): corrupt each example with
// Gaussian noise, x~ = x + sigma eps with eps ~ N(0, I), and fit the model's
// score at x~ to the score of the corruption, d log q(x~ | x)/dx~ =
// (x - x~) / sigma^2 = -eps / sigma:
//
//   loss = (1/n) sum_x 1/2 |psi(x~) + eps / sigma|^2
//   gradient = (1/n) sum_x sum_d (psi_d(x~) + eps_d / sigma) dpsi_d(x~)/dtheta
//
// This is Vincent's J_DSM, with its factor 1/2 (a loss to minimize;
// StepReport::objective is its value on the batch, for the noise drawn). It
// needs no divergence, and in expectation over the noise it equals score
// matching on the data smoothed by the noise, so it fits the model to
// p_sigma = p * N(0, sigma^2 I), not to p: for a Gaussian model of Gaussian
// data the covariance it finds is Sigma + sigma^2 I.
//
// The noise is drawn from the stream passed to gradient(), one normal per
// unit of every example; gradient_for_noise() takes it given, so that the
// loss is a fixed function of the parameters (gradient checks).
#pragma once

#include "logz/objectives/objective.hpp"

namespace logz {

class DenoisingScoreMatching final : public Objective {
 public:
  // Throws SettingError("--noise-sigma") unless sigma > 0 and finite.
  explicit DenoisingScoreMatching(double noise_sigma);

  std::string_view name() const override { return "dsm"; }
  double noise_sigma() const { return noise_sigma_; }

  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override;
  // The same with the standard normal draws eps [n, n_visible] given.
  StepReport gradient_for_noise(const EnergyModel& model, ConstMatrixRef batch,
                                ConstMatrixRef noise, ParameterVector& gradient) const;

 private:
  double noise_sigma_;
};

}  // namespace logz
