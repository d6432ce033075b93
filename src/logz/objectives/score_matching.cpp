#include "logz/objectives/score_matching.hpp"

#include <vector>

#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz {

StepReport ScoreMatching::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                   ParameterVector& gradient, RandomStream& /*stream*/) {
  const ScoreModel& scores = require_score_model(model, name());
  const double scale = 1.0 / static_cast<double>(batch.rows());
  gradient.set_zero();
  StepReport report;
  report.objective =
      scale * scores.add_score_matching_gradient(batch, nullptr, /*divergence=*/true, scale, gradient);
  return report;
}

}  // namespace logz
