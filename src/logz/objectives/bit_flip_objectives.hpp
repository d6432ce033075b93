// Inductive principles for binary data that need no Z: each compares an
// example with its single-bit flips, and p~(x) / p~(x^(i)) = exp(D_i) with
// D_i = F(x^(i)) - F(x) needs no normalizer.
//
// Pseudolikelihood (Besag 1975): the product of the conditionals
//   log PL(x) = sum_i log p(x_i | x_-i) = sum_i log sigmoid(D_i)
//   loss = -(1/n) sum_x log PL(x)
// (all bits, exactly; not scikit-learn's one random bit).
//
// Ratio matching (Hyvarinen 2007): with g(u) = 1 / (1 + u),
//   loss = (1/n) sum_x sum_i g(p~(x) / p~(x^(i)))^2 = (1/n) sum_x sum_i sigmoid(-D_i)^2
//
// Both losses are sums of l(D_i); their gradients are
//   (1/n) sum_x sum_i l'(D_i) (dF(x^(i))/dtheta - dF(x)/dtheta),
// which the model computes for all flips at once (BitFlipModel).
#pragma once

#include <vector>

#include "logz/objectives/objective.hpp"

namespace logz {

class Pseudolikelihood final : public Objective {
 public:
  std::string_view name() const override { return "pl"; }
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override;
};

class RatioMatching final : public Objective {
 public:
  std::string_view name() const override { return "rm"; }
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override;
};

// log PL(x) for each row: the exact pseudo-log-likelihood over all bits.
std::vector<double> pseudo_log_likelihood(const EnergyModel& model, ConstMatrixRef data);

// The model's single-bit-flip interface, or a SettingError naming `method`.
const BitFlipModel& require_bit_flips(const EnergyModel& model, std::string_view method);

}  // namespace logz
