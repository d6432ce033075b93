#include "logz/estimators/exact.hpp"

#include "logz/error.hpp"

namespace logz {
namespace {

const BernoulliRbm& as_rbm(const EnergyModel& model) {
  const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model);
  if (rbm == nullptr) {
    throw SettingError("--method", "exact enumeration is not available for a " +
                                       std::string(model.kind()));
  }
  return *rbm;
}

}  // namespace

bool is_enumerable(const EnergyModel& model) {
  return dynamic_cast<const BernoulliRbm*>(&model) != nullptr;
}

int enumeration_bits(const EnergyModel& model) { return plan_enumeration(as_rbm(model)).bits; }

LogZEstimate exact_log_z(const EnergyModel& model, const ExactOptions& options) {
  return exact_log_z(as_rbm(model), options);
}

}  // namespace logz
