// The Gibbs-sampling or score interface of a model, or a SettingError naming
// the method that needed it.
#pragma once

#include <string>

#include "logz/error.hpp"
#include "logz/models/energy_model.hpp"

namespace logz {

// `setting` is what the error names (the command line's --method, or the
// Python API's "model" for a sampler asked of a model without one).
inline const GibbsModel& require_gibbs(const EnergyModel& model, std::string_view method,
                                       const std::string& setting = "--method") {
  const auto* gibbs = dynamic_cast<const GibbsModel*>(&model);
  if (gibbs == nullptr) {
    throw SettingError(setting, std::string(method) + " needs a model with a Gibbs sampler; " +
                                    std::string(model.kind()) + " has none");
  }
  return *gibbs;
}

inline const ScoreModel& require_score_model(const EnergyModel& model, std::string_view method) {
  const auto* scores = dynamic_cast<const ScoreModel*>(&model);
  if (scores == nullptr) {
    throw SettingError("--method", std::string(method) + " needs a model of real-valued units with "
                                       "a score (gbrbm, gaussian); " +
                                       std::string(model.kind()) + " has none");
  }
  return *scores;
}

}  // namespace logz
