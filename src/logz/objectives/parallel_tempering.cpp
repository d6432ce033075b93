#include "logz/objectives/parallel_tempering.hpp"

#include <algorithm>

#include "logz/objectives/gibbs_model_cast.hpp"

namespace logz {

ParallelTempering::ParallelTempering(Index chains, int temperatures, int k, VectorF base_visible_bias)
    : n_chains_(chains), temperatures_(temperatures), k_(k), base_(std::move(base_visible_bias)) {
  if (chains < 0) throw SettingError("--chains", "the number of chains must be >= 1");
  if (temperatures < 2) throw SettingError("--temperatures", "a tempering ladder needs at least 2 temperatures");
  if (k < 1) throw SettingError("--k", "the number of sweeps must be at least 1");
}

StepReport ParallelTempering::gradient(const EnergyModel& model, ConstMatrixRef batch,
                                       ParameterVector& gradient, RandomStream& stream) {
  const GibbsModel& gibbs = require_gibbs(model, "pt");
  if (ladder_ == nullptr || model_ != &model) {
    std::vector<double> betas(static_cast<std::size_t>(temperatures_));
    for (int t = 0; t < temperatures_; ++t) betas[static_cast<std::size_t>(t)] = static_cast<double>(t) / (temperatures_ - 1);
    const Index m = n_chains_ > 0 ? n_chains_ : batch.rows();
    ladder_ = std::make_unique<TemperingLadder>(gibbs, &base_, std::move(betas), m, stream);
    // Every chain starts at the first batch (like PCD's), annealed down the ladder.
    ladder_->anneal(1, stream, batch, m);
    model_ = &model;
  }
  gradient.set_zero();
  model.add_free_energy_gradient(batch, 1.0 / static_cast<double>(batch.rows()), gradient);
  for (int sweep = 0; sweep < k_; ++sweep) ladder_->sweep(stream);
  const MatrixF& top = ladder_->states(ladder_->levels() - 1);
  model.add_free_energy_gradient(top, -1.0 / static_cast<double>(top.rows()), gradient);
  StepReport report;
  const std::vector<double> rates = ladder_->swap_acceptance();
  double sum = 0.0;
  for (double r : rates) sum += r;
  report.diagnostics["swap_acceptance"] = sum / static_cast<double>(rates.size());
  report.diagnostics["swap_acceptance_min"] = *std::min_element(rates.begin(), rates.end());
  return report;
}

}  // namespace logz
