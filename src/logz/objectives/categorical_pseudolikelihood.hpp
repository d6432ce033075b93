// Pseudolikelihood for categorical units (Besag 1975), the estimator of
// direct coupling analysis (plmDCA: Ekeberg et al., Phys. Rev. E 87, 012707,
// 2013; plmc, Hopf et al. 2017; CCMpred, Seemayer et al. 2014):
//
//   log PL(x) = sum_i log p(x_i | x_-i),  p(x_i = a | x_-i) = softmax_a(-D_ia),
//   D_ia = F(x^(i<-a)) - F(x)   (CategoricalModel; D_{i,x_i} = 0)
//
// with sequence weights w_r (data/sequence_weights.hpp, N_eff = sum_r w_r)
// and plmc's L2 penalty on the fields and couplings:
//
//   loss = (1/n) sum_r w_r (-log PL(x_r)) + (lambda_h |h|^2 + lambda_J |J|^2) / N_eff
//
// where |J|^2 counts each coupling parameter once (J_ij for i < j of a Potts
// model; W of a Potts RBM). N_eff times this loss over the whole data set is
// plmc's objective, sum_r w_r (-log PL(x_r)) + lambda_h |h|^2 + lambda_J |J|^2
// (with weights of mean 1, N_eff = n). plmc's and EVcouplings' defaults:
// lambda_h = 0.01, lambda_J = 0.01 (q - 1)(L - 1).
//
// The gradient: dloss/dD_ia = -(w_r / n) softmax(-D_i)_a, through the model's
// add_site_losses (which a Potts model fuses into one pass per site).
//
// Ratio matching for categorical units: Hyvarinen's (2007) principle with the
// single-site changes x^(i<-a) as the neighbours of x, in place of bit flips:
//
//   loss = (1/n) sum_r w_r sum_i sum_{a != x_ri} g(p~(x_r) / p~(x_r^(i<-a)))^2
//        = (1/n) sum_r w_r sum_i sum_{a != x_ri} sigmoid(-D_ia)^2,   g(u) = 1 / (1 + u)
//
// It is consistent for the same reason as for bits: "y is a single-site
// change of x" is a symmetric relation, so the cross term of the squared
// error against the data's ratios, sum over pairs {x, y} of
// p_d(x) p_d(y) / (p_d(x) + p_d(y)) (g(p~(x)/p~(y)) + g(p~(y)/p~(x))), is a
// constant because g(u) + g(1/u) = 1. No penalty: it is the plain principle,
// as for binary units; the Potts gauge leaves the loss unchanged and its
// gradient has no component along the gauge.
#pragma once

#include <vector>

#include "logz/models/categorical.hpp"
#include "logz/objectives/objective.hpp"

namespace logz {

struct PseudolikelihoodPenalty {
  double lambda_fields = 0.0;
  double lambda_couplings = 0.0;
  double n_effective = 1.0;  // the training set's sum of weights
  // plmc's defaults for L sites of q states.
  static PseudolikelihoodPenalty plmc(Index sites, Index states, double n_effective);
};

// What pseudolikelihood and ratio matching share: a loss summed over each
// example's single-site changes, weighted examples, and scratch kept between
// calls (a full batch of a family is tens of MB: fresh buffers would cost page
// faults at every evaluation).
class CategoricalSiteObjective : public Objective {
 public:
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override {
    return weighted_gradient(model, batch, {}, gradient, stream);
  }
  bool takes_example_weights() const override { return true; }

 protected:
  SiteScratch scratch_;
};

class CategoricalPseudolikelihood final : public CategoricalSiteObjective {
 public:
  explicit CategoricalPseudolikelihood(PseudolikelihoodPenalty penalty = {}) : penalty_(penalty) {}
  std::string_view name() const override { return "pl"; }
  StepReport weighted_gradient(const EnergyModel& model, ConstMatrixRef batch,
                               std::span<const double> weights, ParameterVector& gradient,
                               RandomStream& stream) override;
  const PseudolikelihoodPenalty& penalty() const { return penalty_; }

 private:
  PseudolikelihoodPenalty penalty_;
};

class CategoricalRatioMatching final : public CategoricalSiteObjective {
 public:
  std::string_view name() const override { return "rm"; }
  StepReport weighted_gradient(const EnergyModel& model, ConstMatrixRef batch,
                               std::span<const double> weights, ParameterVector& gradient,
                               RandomStream& stream) override;
};

// log PL(x) for each row, over all sites.
std::vector<double> categorical_pseudo_log_likelihood(const EnergyModel& model,
                                                      ConstMatrixRef data);

// The model's site interface, or a SettingError naming `method`.
const CategoricalModel& require_categorical(const EnergyModel& model, std::string_view method);

// lambda_h |fields|^2 + lambda_J |couplings|^2 (each coupling parameter once);
// gradient += scale * its gradient when given.
double add_l2_penalty(const EnergyModel& model, double lambda_fields, double lambda_couplings,
                      double scale, ParameterVector* gradient);

}  // namespace logz
