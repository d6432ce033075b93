// A bracket on the average log-likelihood of a data set under a Bernoulli RBM:
//
//   LL = mean_i(-F(x_i)) - log Z
//
// bounded on both sides by annealing that errs in opposite directions.
//
// upper  Forward annealing from the base-rate model (ais.hpp's annealed_log_z:
//        SMC that spends until its interval can be trusted) estimates Z without
//        bias, so log Z-hat errs low (Jensen, and the weights no chain has
//        drawn): LL_upper = mean(-F) - (lower end of log Z-hat's 95% interval).
// lower  RAISE (raise.hpp) from examples x_i estimates p_ann(x_i) without bias,
//        so its log errs low, and p_ann, the model of the forward annealing
//        chain, explains data worse than the RBM does, so that
//          U_i = -F(x_i) - RAISE_i
//        is, in expectation, an upper bound on log Z for every example
//        (Burda, Grosse & Salakhutdinov 2015). Their mean over a random subset
//        of the examples, plus 1.96 standard errors over that subset, bounds
//        log Z from above: LL_lower = mean(-F) - (mean U + 1.96 se). U_i
//        varies far less from example to example than log p(x_i) does (the
//        free energy cancels), so a hundred examples pin it down where the
//        average log-likelihood itself would need thousands.
//
// What can break it: an RBM so under-trained that the annealing model
// explains the data better than the RBM (then RAISE may overshoot); a forward
// estimate whose budget ran out (reported: its interval is not trusted, but its
// lower end stays an estimate that errs low).
//
// With a time budget the two halves share it: the forward estimate first (at
// most 40% of it; whatever it leaves goes on), then RAISE on `examples`
// examples with as many steps as the rest allows, each measured by a short
// pilot run. The steps and examples chosen are reported, so that a run can be
// repeated exactly with them (time budgets are not reproducible, step counts
// are).
#pragma once

#include "logz/estimators/ais.hpp"
#include "logz/estimators/raise.hpp"
#include "logz/models/bernoulli_rbm.hpp"

namespace logz {

struct BracketOptions {
  double time_budget = 0.0;  // seconds for both halves; 0: the settings below
  AisOptions forward;        // chains, replicates, first schedule, seed
  SpendingOptions spending;  // the forward estimate's budget of steps (without a time budget)
  std::size_t raise_steps = 14500;  // RAISE's schedule: sm2008's shape in this many steps
  Index examples = 100;             // RAISE's examples, a random subset (0: all)
  std::uint64_t seed = 0;
  ProgressCallback progress;

  void validate() const;  // SettingError naming --time-budget, --examples, --raise-betas
};

struct LogLikelihoodBracket {
  double lower = 0.0, upper = 0.0;            // the average log-likelihood, nats per example
  double average_negative_free_energy = 0.0;  // mean(-F) over all examples
  Index examples = 0;                         // all of them
  LogZEstimate forward;                       // log Z from below
  double log_z_upper = 0.0;                   // mean U over the subset
  double log_z_upper_std_error = 0.0;
  Index raise_examples = 0;
  std::size_t raise_steps = 0;
  double raise_seconds = 0.0;
  double seconds = 0.0;
};

LogLikelihoodBracket log_likelihood_bracket(const GibbsModel& rbm, const VectorF& base_visible_bias,
                                            ConstMatrixRef data, const BracketOptions& options);

}  // namespace logz
