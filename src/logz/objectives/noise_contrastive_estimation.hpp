// Noise-contrastive estimation (Gutmann & Hyvarinen, "Noise-contrastive
// estimation: A new estimation principle for unnormalized statistical
// models", AISTATS 2010; "Noise-contrastive estimation of unnormalized
// statistical models, with applications to natural image statistics", JMLR
// 2012): fit the model by logistic regression of data against nu times as
// many samples of a known noise density p_n, learning the log normalizer
// log_z as one more parameter instead of computing Z.
//
//   log p_m(u) = -F(u) - log_z
//   G(u)       = log p_m(u) - log(nu p_n(u))            (the classifier's log-odds)
//   J          = -(1/n) [ sum_x log sigmoid(G(x)) + sum_y log(1 - sigmoid(G(y))) ]
//              =  (1/n) [ sum_x softplus(-G(x)) + sum_y softplus(G(y)) ]
//
// over a batch of n data points x and round(nu n) noise samples y. Its
// gradient (of a loss to be minimized, as everywhere in logz):
//
//   dJ/dtheta = (1/n) [ sum_x (1 - sigmoid(G(x))) dF(x)/dtheta - sum_y sigmoid(G(y)) dF(y)/dtheta ]
//   dJ/dlog_z = (1/n) [ sum_x (1 - sigmoid(G(x))) - sum_y sigmoid(G(y)) ]
//
// All in double. Any model works; it needs the tensor "log_z"
// (EnergyModel::add_log_normalizer, called before the optimizer is built).
// At the optimum, with the model able to match the data, p_m is the data
// density and log_z its true log normalizer. StepReport: objective J, and the
// diagnostic "nce_accuracy", the fraction of data and noise classified right.
#pragma once

#include <memory>

#include "logz/objectives/noise_distribution.hpp"
#include "logz/objectives/objective.hpp"

namespace logz {

class NoiseContrastiveEstimation final : public Objective {
 public:
  // noise_ratio nu > 0 (SettingError("--noise-ratio") otherwise).
  NoiseContrastiveEstimation(std::shared_ptr<const NoiseDistribution> noise, double noise_ratio);

  std::string_view name() const override { return "nce"; }
  double noise_ratio() const { return noise_ratio_; }
  const NoiseDistribution& noise() const { return *noise_; }

  // Draws round(nu n) noise samples from `stream`, then as below.
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override;

 private:
  std::shared_ptr<const NoiseDistribution> noise_;
  double noise_ratio_;
};

// J and its gradient (overwriting `gradient`) for given noise samples [m, D]:
// the whole computation, with the noise fixed (finite-difference checks,
// estimation with one fixed noise sample as in the papers).
StepReport noise_contrastive_gradient(const EnergyModel& model, const NoiseDistribution& noise,
                                      double noise_ratio, ConstMatrixRef data,
                                      ConstMatrixRef noise_samples, ParameterVector& gradient);

}  // namespace logz
