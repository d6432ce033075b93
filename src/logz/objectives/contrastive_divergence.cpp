#include "logz/objectives/contrastive_divergence.hpp"

#include <cassert>

#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz {

ContrastiveDivergence::ContrastiveDivergence(int k) : k_(k) {
  if (k < 1) throw SettingError("--k", "the number of Gibbs sweeps must be at least 1");
}

StepReport ContrastiveDivergence::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                           ParameterVector& gradient, RandomStream& stream) {
  const GibbsModel& gibbs = require_gibbs(model, "cd");
  const double n = static_cast<double>(batch.rows());
  gradient.set_zero();
  gibbs.start_chains(batch, state_, stream);
  gibbs.add_chain_gradient(state_, 1.0 / n, gradient);  // positive phase, at the data
  StepReport report;
  for (int sweep = 0; sweep < k_; ++sweep) {
    // The last sweep's hidden units enter the gradient as probabilities only.
    gibbs.gibbs_sweep(state_, stream, /*sample_hidden=*/sweep + 1 < k_);
    if (sweep == 0 && state_.visible_probability.size() == batch.size()) {
      report.reconstruction_error = (batch - state_.visible_probability).squaredNorm() / n;
    }
  }
  gibbs.add_chain_gradient(state_, -1.0 / n, gradient);  // negative phase, after k sweeps
  return report;
}

}  // namespace logz
