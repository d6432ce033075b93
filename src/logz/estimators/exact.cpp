#include "logz/estimators/exact.hpp"

#include "logz/error.hpp"

namespace logz {
const BernoulliRbm& enumerable_rbm(const EnergyModel& model, std::string_view setting) {
  const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model);
  if (rbm == nullptr) {
    throw SettingError(setting, "this needs a Bernoulli RBM; the model is of kind " +
                                    std::string(model.kind()));
  }
  return *rbm;
}

namespace {

const IsingModel* as_ising(const EnergyModel& model) { return dynamic_cast<const IsingModel*>(&model); }
const GaussianBernoulliRbm* as_gbrbm(const EnergyModel& model) {
  return dynamic_cast<const GaussianBernoulliRbm*>(&model);
}

}  // namespace

bool is_enumerable(const EnergyModel& model) {
  if (model.has_closed_form_log_z()) return true;
  return dynamic_cast<const BernoulliRbm*>(&model) != nullptr || as_ising(model) != nullptr ||
         as_gbrbm(model) != nullptr;
}

int enumeration_bits(const EnergyModel& model) {
  if (model.has_closed_form_log_z()) return 0;
  if (as_ising(model) != nullptr) return static_cast<int>(model.n_visible());
  if (const GaussianBernoulliRbm* gbrbm = as_gbrbm(model)) return static_cast<int>(gbrbm->n_hidden());
  return plan_enumeration(enumerable_rbm(model)).bits;
}

void check_enumerable(const EnergyModel& model, const ExactOptions& options) {
  if (model.has_closed_form_log_z()) return;
  if (const IsingModel* ising = as_ising(model)) {
    if (ising->n_visible() > options.max_bits) exact_log_z(*ising, options);  // throws
    return;
  }
  if (const GaussianBernoulliRbm* gbrbm = as_gbrbm(model)) return check_enumerable(*gbrbm, options);
  check_enumerable(enumerable_rbm(model), options);
}

LogZEstimate exact_log_z(const EnergyModel& model, const ExactOptions& options) {
  if (model.has_closed_form_log_z()) {
    LogZEstimate estimate;
    estimate.method = "exact";
    estimate.log_z = estimate.lower = estimate.upper = model.closed_form_log_z();
    estimate.diagnostics["closed_form"] = 1.0;
    return estimate;
  }
  if (const IsingModel* ising = as_ising(model)) return exact_log_z(*ising, options);
  if (const GaussianBernoulliRbm* gbrbm = as_gbrbm(model)) return exact_log_z(*gbrbm, options);
  return exact_log_z(enumerable_rbm(model), options);
}

double add_expected_free_energy_gradient(const EnergyModel& model, double scale,
                                         ParameterVector& gradient, const ExactOptions& options) {
  if (const IsingModel* ising = as_ising(model)) {
    // E[dF/dJ_ij] = -E[x_i x_j] (pairs only), E[dF/dh] = -E[x].
    const IsingMoments moments = exact_moments(*ising, options);
    MatrixD pairs = 0.5 * (moments.pairs + moments.pairs.transpose());
    pairs.diagonal().setZero();
    gradient.matrix("J") -= (scale * pairs).cast<float>();
    gradient.vector("h") -= (scale * moments.means).cast<float>();
    return moments.log_z;
  }
  if (const GaussianBernoulliRbm* gbrbm = as_gbrbm(model)) {
    return add_expected_free_energy_gradient(*gbrbm, scale, gradient, options);
  }
  // E[dF/dW] = -E[v h^T], E[dF/db] = -E[v], E[dF/dc] = -E[h].
  const RbmMoments moments = exact_moments(enumerable_rbm(model), options);
  gradient.matrix("W") -= (scale * moments.visible_hidden).cast<float>();
  gradient.vector("b") -= (scale * moments.visible).cast<float>();
  gradient.vector("c") -= (scale * moments.hidden).cast<float>();
  return moments.log_z;
}

}  // namespace logz
