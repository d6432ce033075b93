// An inductive principle: given a model and a minibatch, the gradient of the
// loss it minimizes (see energy_model.hpp for the sign convention), and what
// it can say about its progress.
//
// Principles without a computable value (CD-k, PCD) say so: StepReport's
// `objective` is empty for them, never a made-up number.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "logz/math/matrix.hpp"
#include "logz/math/random.hpp"
#include "logz/models/energy_model.hpp"

namespace logz {

struct StepReport {
  // The loss on this batch, where the principle defines one (exact ML: the
  // mean negative log-likelihood in nats).
  std::optional<double> objective;
  // Mean over the batch of |v - E[v | h]|^2 after one Gibbs half-step back,
  // where the principle computes it anyway (CD).
  std::optional<double> reconstruction_error;
  // Other numbers worth watching (parallel tempering: swap acceptance rates).
  std::map<std::string, double> diagnostics;
};

// What a principle carries from one batch to the next (persistent chains, a
// tempering ladder and its swap counts), so that a checkpoint restores a run
// exactly: named float32 matrices and exact integer counts. Empty for
// principles that keep nothing between batches.
struct ObjectiveState {
  std::map<std::string, MatrixF> matrices;
  std::map<std::string, std::int64_t> counts;
  bool empty() const { return matrices.empty() && counts.empty(); }
};

class Objective {
 public:
  virtual ~Objective() = default;
  virtual std::string_view name() const = 0;
  // Overwrites `gradient` (the layout of model.parameters()) with the gradient
  // of the loss on `batch` [n, n_visible].
  virtual StepReport gradient(const EnergyModel& model, ConstMatrixRef batch,
                              ParameterVector& gradient, RandomStream& stream) = 0;

  // Example weights (sequence reweighting, data/sequence_weights.hpp): a
  // principle that takes them minimizes the weighted mean (1/n) sum_r w_r
  // loss_r over a batch of n rows (the trainer passes weights of mean 1 over
  // the training set). Only called when takes_example_weights(); the default
  // refuses.
  virtual bool takes_example_weights() const { return false; }
  virtual StepReport weighted_gradient(const EnergyModel& model, ConstMatrixRef batch,
                                       std::span<const double> weights, ParameterVector& gradient,
                                       RandomStream& stream);

  virtual ObjectiveState state() const { return {}; }
  // The chains this principle keeps at the model (beta = 1) between batches,
  // for pictures of what the model generates; nullopt when it keeps none
  // (CD, pseudolikelihood, ...) or before its first step.
  virtual std::optional<ChainState> persistent_chains() const { return std::nullopt; }
  // Continues from `state` (from state() of an objective with the same
  // settings) on `model`. Throws Error when the state does not fit.
  virtual void restore(const ObjectiveState& state, const EnergyModel& model);
};

}  // namespace logz
