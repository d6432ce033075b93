#include "logz/objectives/persistent_contrastive_divergence.hpp"

#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz {

PersistentContrastiveDivergence::PersistentContrastiveDivergence(Index chains, int k)
    : n_chains_(chains), k_(k) {
  if (chains < 0) throw SettingError("--chains", "the number of persistent chains must be >= 1");
  if (k < 1) throw SettingError("--k", "the number of Gibbs sweeps must be at least 1");
}

StepReport PersistentContrastiveDivergence::gradient(const EnergyModel& model,
                                                     ConstMatrixRef batch,
                                                     ParameterVector& gradient,
                                                     RandomStream& stream) {
  const GibbsModel& gibbs = require_gibbs(model, "pcd");
  if (chains_.chains() == 0) {
    const Index m = n_chains_ > 0 ? n_chains_ : batch.rows();
    MatrixF start(m, batch.cols());
    for (Index i = 0; i < m; ++i) start.row(i) = batch.row(i % batch.rows());
    gibbs.start_chains(start, chains_, stream);
  }
  gradient.set_zero();
  model.add_free_energy_gradient(batch, 1.0 / static_cast<double>(batch.rows()), gradient);
  for (int sweep = 0; sweep < k_; ++sweep) gibbs.gibbs_sweep(chains_, stream);
  gibbs.add_chain_gradient(chains_, -1.0 / static_cast<double>(chains_.chains()), gradient);
  return {};
}

}  // namespace logz
