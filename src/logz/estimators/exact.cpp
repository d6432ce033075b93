#include "logz/estimators/exact.hpp"

#include "logz/error.hpp"

namespace logz {
const BernoulliRbm& enumerable_rbm(const EnergyModel& model, std::string_view setting) {
  const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model);
  if (rbm == nullptr) {
    throw SettingError(setting, "exact enumeration is not available for a " +
                                    std::string(model.kind()));
  }
  return *rbm;
}

bool is_enumerable(const EnergyModel& model) {
  return dynamic_cast<const BernoulliRbm*>(&model) != nullptr;
}

int enumeration_bits(const EnergyModel& model) { return plan_enumeration(enumerable_rbm(model)).bits; }

LogZEstimate exact_log_z(const EnergyModel& model, const ExactOptions& options) {
  return exact_log_z(enumerable_rbm(model), options);
}

}  // namespace logz
