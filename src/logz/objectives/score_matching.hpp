// Score matching (Hyvarinen, "Estimation of non-normalized statistical models
// by score matching", JMLR 2005): fit the model's score psi(x) = d log p~(x)/dx
// to the data's, which needs no Z. Integrating by parts turns the expected
// squared distance between the two scores into, up to a constant that does
// not depend on the model,
//
//   loss = (1/n) sum_x [ 1/2 |psi(x)|^2 + div psi(x) ]
//   gradient = (1/n) sum_x [ sum_d psi_d(x) dpsi_d(x)/dtheta + d div psi(x)/dtheta ]
//
// (a loss to minimize; StepReport::objective is its value on the batch). The
// model's ScoreModel interface gives psi, its divergence and their parameter
// derivatives; a model without one is a SettingError naming --method.
#pragma once

#include "logz/objectives/objective.hpp"

namespace logz {

class ScoreMatching final : public Objective {
 public:
  std::string_view name() const override { return "sm"; }
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override;
};

}  // namespace logz
