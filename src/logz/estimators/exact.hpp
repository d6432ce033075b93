// Exact log Z and moments of any model logz can enumerate, by dispatch to the
// model's own enumeration (Bernoulli RBM: exact_rbm.hpp, Ising: exact_ising.hpp,
// Gaussian-Bernoulli RBM: exact_gbrbm.hpp, Potts model and Potts RBM:
// exact_potts.hpp) or to its closed form (EnergyModel::closed_form_log_z: Gaussian, ICA).
// Models that cannot be enumerated get a SettingError naming the setting.
#pragma once

#include "logz/estimators/exact_gbrbm.hpp"
#include "logz/estimators/exact_ising.hpp"
#include "logz/estimators/exact_potts.hpp"
#include "logz/estimators/exact_rbm.hpp"
#include "logz/models/energy_model.hpp"

namespace logz {

// Whether exact enumeration applies to this model at all (ignoring its size).
bool is_enumerable(const EnergyModel& model);
// The model as the type whose enumeration applies, or a SettingError naming `setting`.
const BernoulliRbm& enumerable_rbm(const EnergyModel& model, std::string_view setting = "--method");
// The number of bits the enumeration sums over (2^bits states; for a Potts
// model ceil(L log2 q), 2^bits >= q^L).
int enumeration_bits(const EnergyModel& model);

LogZEstimate exact_log_z(const EnergyModel& model, const ExactOptions& options = {});

// The model's expectation of dF/dtheta, the negative phase of the exact
// log-likelihood gradient: gradient += scale * E_p[dF/dtheta]. Returns log Z.
double add_expected_free_energy_gradient(const EnergyModel& model, double scale,
                                         ParameterVector& gradient,
                                         const ExactOptions& options = {});

// Throws SettingError(--max-exact-bits) when enumeration would exceed the limit.
void check_enumerable(const EnergyModel& model, const ExactOptions& options);

}  // namespace logz
