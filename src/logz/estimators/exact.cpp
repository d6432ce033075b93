#include "logz/estimators/exact.hpp"

#include "logz/error.hpp"

namespace logz {
const BernoulliRbm& enumerable_rbm(const EnergyModel& model, std::string_view setting) {
  const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model);
  if (rbm == nullptr) {
    throw SettingError(
        setting, "this needs a Bernoulli RBM; the model is of kind " + std::string(model.kind()));
  }
  return *rbm;
}

namespace {

const IsingModel* as_ising(const EnergyModel& model) {
  return dynamic_cast<const IsingModel*>(&model);
}
const GaussianBernoulliRbm* as_gbrbm(const EnergyModel& model) {
  return dynamic_cast<const GaussianBernoulliRbm*>(&model);
}
const PottsModel* as_potts(const EnergyModel& model) {
  return dynamic_cast<const PottsModel*>(&model);
}
const PottsRbm* as_potts_rbm(const EnergyModel& model) {
  return dynamic_cast<const PottsRbm*>(&model);
}

// gradient += scale * E_p[dF/dtheta] of a Potts model: dF/dh_i(a) = -[x_i = a]
// and, for the pair i < j, dF/dJ_ij(a, b) = -[x_i = a][x_j = b], held in
// block (i, j) and, transposed, in block (j, i); diagonal blocks get nothing.
double add_expected_potts_gradient(const PottsModel& model, double scale, ParameterVector& gradient,
                                   const ExactOptions& options) {
  const PottsMoments moments = exact_moments(model, options);
  const Index sites = model.n_visible(), q = model.n_states();
  const std::span<float> j = gradient.tensor("J");
  for (Index i = 0; i < sites; ++i) {
    for (Index k = 0; k < sites; ++k) {
      if (k == i) continue;
      float* block = j.data() + (i * sites + k) * q * q;
      for (Index a = 0; a < q; ++a) {
        for (Index b = 0; b < q; ++b) {
          block[a * q + b] -= static_cast<float>(scale * moments.pairs(i * q + a, k * q + b));
        }
      }
    }
  }
  // h is [L, q]: mapped whole, as one vector.
  VectorMap(gradient.tensor("h").data(), moments.means.size()) -=
      (scale * moments.means).cast<float>();
  return moments.log_z;
}

// The same for a Potts RBM: E[dF/dW] = -E[onehot(x) h^T], E[dF/db] = -E[onehot(x)],
// E[dF/dc] = -E[h].
double add_expected_potts_rbm_gradient(const PottsRbm& rbm, double scale, ParameterVector& gradient,
                                       const ExactOptions& options) {
  const PottsRbmMoments moments = exact_moments(rbm, options);
  MatrixMap(gradient.tensor("W").data(), moments.visible_hidden.rows(),
            moments.visible_hidden.cols()) -= (scale * moments.visible_hidden).cast<float>();
  VectorMap(gradient.tensor("b").data(), moments.visible.size()) -=
      (scale * moments.visible).cast<float>();
  gradient.vector("c") -= (scale * moments.hidden).cast<float>();
  return moments.log_z;
}

}  // namespace

bool is_enumerable(const EnergyModel& model) {
  if (model.has_closed_form_log_z()) return true;
  return dynamic_cast<const BernoulliRbm*>(&model) != nullptr || as_ising(model) != nullptr ||
         as_gbrbm(model) != nullptr || as_potts(model) != nullptr || as_potts_rbm(model) != nullptr;
}

int enumeration_bits(const EnergyModel& model) {
  if (model.has_closed_form_log_z()) return 0;
  if (as_ising(model) != nullptr) return static_cast<int>(model.n_visible());
  if (const GaussianBernoulliRbm* gbrbm = as_gbrbm(model)) {
    return static_cast<int>(gbrbm->n_hidden());
  }
  if (const PottsModel* potts = as_potts(model)) return enumeration_bits(*potts);
  if (const PottsRbm* potts_rbm = as_potts_rbm(model)) return enumeration_bits(*potts_rbm);
  return plan_enumeration(enumerable_rbm(model)).bits;
}

void check_enumerable(const EnergyModel& model, const ExactOptions& options) {
  if (model.has_closed_form_log_z()) return;
  if (const IsingModel* ising = as_ising(model)) {
    if (ising->n_visible() > options.max_bits) exact_log_z(*ising, options);  // throws
    return;
  }
  if (const GaussianBernoulliRbm* gbrbm = as_gbrbm(model)) return check_enumerable(*gbrbm, options);
  if (const PottsModel* potts = as_potts(model)) return check_enumerable(*potts, options);
  if (const PottsRbm* potts_rbm = as_potts_rbm(model)) return check_enumerable(*potts_rbm, options);
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
  if (const PottsModel* potts = as_potts(model)) return exact_log_z(*potts, options);
  if (const PottsRbm* potts_rbm = as_potts_rbm(model)) return exact_log_z(*potts_rbm, options);
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
    // h is [L, q]: mapped whole, as one vector.
    VectorMap(gradient.tensor("h").data(), moments.means.size()) -=
        (scale * moments.means).cast<float>();
    return moments.log_z;
  }
  if (const GaussianBernoulliRbm* gbrbm = as_gbrbm(model)) {
    return add_expected_free_energy_gradient(*gbrbm, scale, gradient, options);
  }
  if (const PottsModel* potts = as_potts(model)) {
    return add_expected_potts_gradient(*potts, scale, gradient, options);
  }
  if (const PottsRbm* potts_rbm = as_potts_rbm(model)) {
    return add_expected_potts_rbm_gradient(*potts_rbm, scale, gradient, options);
  }
  // E[dF/dW] = -E[v h^T], E[dF/db] = -E[v], E[dF/dc] = -E[h].
  const RbmMoments moments = exact_moments(enumerable_rbm(model), options);
  gradient.matrix("W") -= (scale * moments.visible_hidden).cast<float>();
  gradient.vector("b") -= (scale * moments.visible).cast<float>();
  gradient.vector("c") -= (scale * moments.hidden).cast<float>();
  return moments.log_z;
}

}  // namespace logz
