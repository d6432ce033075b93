// Data-parallel training: a minibatch cut into K micro-batches ("parts"), each
// with an objective of its own (its own persistent chains or tempering
// ladder, 1/K of them), whose gradients are added in part order.
//
// Under MPI rank r computes the parts Communicator::share(K) gives it; the
// parts' gradients are gathered to every rank and added in the order
// k = 0..K-1, so every rank applies the same update, and the result is the same
// bits for any number of ranks: it depends on K, never on the rank count.
// Part 0 draws from the run's sampling stream (so K = 1 is the plain
// single-process run, bit for bit); part k >= 1 draws, at update u, from
// stream (sampling + k 2^32) at block u 2^32, so no part's numbers depend on
// where another was computed.
//
// The gradient is sum_k (n_k / n) g_k, g_k the part's gradient on its n_k
// examples: the minibatch's gradient when the parts' chains weigh as their
// examples do (chains and batch both divisible by K), and an unbiased
// estimate of the same expectation otherwise.
//
// What the parts keep (chains, swap counts) lives on the rank that computes
// them; state() and persistent_chains() first bring every part's state to
// every rank (one broadcast per part), so they are collective: every rank
// calls them at the same points (the trainer's checkpoints and the run's
// pictures do).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "logz/models/parameters.hpp"
#include "logz/objectives/objective.hpp"

namespace logz {

class PartitionedObjective final : public Objective {
 public:
  // make_part(k) builds part k's objective (chains: its share of them).
  PartitionedObjective(Index parts,
                       const std::function<std::unique_ptr<Objective>(Index)>& make_part);

  std::string_view name() const override { return parts_.front()->name(); }
  StepReport gradient(const EnergyModel& model, ConstMatrixRef batch, ParameterVector& gradient,
                      RandomStream& stream) override;
  ObjectiveState state() const override;
  std::optional<ChainState> persistent_chains() const override;
  void restore(const ObjectiveState& state, const EnergyModel& model) override;

  Index parts() const { return static_cast<Index>(parts_.size()); }

 private:
  // Brings every part's state to every rank.
  void share_states() const;

  std::vector<std::unique_ptr<Objective>> parts_;
  MatrixF partials_;                // [K, D]: the parts' weighted gradients
  ParameterVector part_gradient_;  // one part's gradient
  std::vector<RandomStream::State> part_streams_;  // parts k >= 1, at the current update
  std::int64_t updates_ = 0;
  mutable const EnergyModel* model_ = nullptr;  // for restoring shared states
};

// The part of a name in a partitioned objective's state: "part3.chains.visible".
std::string part_state_name(Index part, const std::string& name);

}  // namespace logz
