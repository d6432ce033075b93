// Exact log Z of any model logz can enumerate, by dispatch to the model's own
// enumeration (Bernoulli RBM: estimators/exact_rbm.hpp). Models that cannot
// be enumerated get a SettingError naming --method / --logz-method.
#pragma once

#include "logz/estimators/exact_rbm.hpp"
#include "logz/models/energy_model.hpp"

namespace logz {

// Whether exact enumeration applies to this model at all (ignoring its size).
bool is_enumerable(const EnergyModel& model);
// The model as the type whose enumeration applies, or a SettingError naming `setting`.
const BernoulliRbm& enumerable_rbm(const EnergyModel& model, std::string_view setting = "--method");
// The number of bits the enumeration sums over (2^bits states).
int enumeration_bits(const EnergyModel& model);

LogZEstimate exact_log_z(const EnergyModel& model, const ExactOptions& options = {});

}  // namespace logz
