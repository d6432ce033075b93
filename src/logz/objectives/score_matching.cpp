#include "logz/objectives/score_matching.hpp"

#include <vector>

#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz {

StepReport ScoreMatching::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                   ParameterVector& gradient, RandomStream& /*stream*/) {
  const ScoreModel& scores = require_score_model(model, name());
  const Index n = batch.rows();
  MatrixF psi(n, batch.cols());
  scores.score(batch, psi);
  std::vector<double> divergence(static_cast<std::size_t>(n));
  scores.score_divergence(batch, divergence);
  double total = 0.0;
  for (Index i = 0; i < n; ++i) {
    total +=
        0.5 * psi.row(i).cast<double>().squaredNorm() + divergence[static_cast<std::size_t>(i)];
  }
  const double scale = 1.0 / static_cast<double>(n);
  gradient.set_zero();
  scores.add_score_vjp(batch, psi, scale, gradient);
  scores.add_score_divergence_gradient(batch, scale, gradient);
  StepReport report;
  report.objective = total * scale;
  return report;
}

}  // namespace logz
