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
