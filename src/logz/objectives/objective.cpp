#include "logz/objectives/objective.hpp"

#include "logz/error.hpp"

namespace logz {

void Objective::restore(const ObjectiveState& state, const EnergyModel& /*model*/) {
  if (!state.empty()) {
    throw Error("the checkpoint holds chains or counts, but " + std::string(name()) +
                " keeps no state between batches");
  }
}

}  // namespace logz

namespace logz {

StepReport Objective::weighted_gradient(const EnergyModel& /*model*/, ConstMatrixRef /*batch*/,
                                        std::span<const double> /*weights*/,
                                        ParameterVector& /*gradient*/, RandomStream& /*stream*/) {
  throw SettingError("--reweight",
                     std::string(name()) + " does not take sequence weights; pl, pcd and exact do");
}

}  // namespace logz
