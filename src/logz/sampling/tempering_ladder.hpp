// Parallel tempering (Swendsen & Wang 1986; Geyer 1991; for RBMs Desjardins,
// Courville, Bengio, Vincent & Delalleau 2010) on the path p_beta of a model
// (energy_model.hpp): one Markov chain per level of a ladder of inverse
// temperatures, per replica, and swaps of states between neighbouring levels
// accepted with probability
//
//   min(1, f_l(x_{l+1}) f_{l+1}(x_l) / (f_l(x_l) f_{l+1}(x_{l+1})))
//
// which leaves the product of the levels' distributions invariant, so that
// states cross between modes at high temperature and carry the right mode
// proportions down to beta = 1. Even neighbour pairs swap on even sweeps and
// odd pairs on odd sweeps (deterministic even-odd, Okabe et al. 2001).
//
// `replicas` independent ladders run side by side (replica r is row r of
// every level); swaps happen only within a replica, so replicas stay
// independent, which is what error estimates across replicas need.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "logz/math/random.hpp"
#include "logz/models/energy_model.hpp"

namespace logz {

class TemperingLadder {
 public:
  // Every level starts from exact draws of the base model (GibbsModel::draw_base:
  // for binary units independent ones with biases `base`, or 1/2 without a
  // base). betas must increase.
  TemperingLadder(const GibbsModel& model, const VectorF* base_visible_bias,
                  std::vector<double> betas, Index replicas, RandomStream& stream);

  // One sweep at every level, then one round of neighbour swaps.
  void sweep(RandomStream& stream);
  // Starts the levels near their distributions by an annealing pass with
  // `sweeps` sweeps per level. Replicas [from_top, replicas) climb from the
  // base: level l takes level l-1's states. Replicas [0, from_top) come down
  // from `top` (rows evenly spread; the data, say, near the modes of a model
  // fitted to it): the last level starts there and level l takes level l+1's
  // states. Starting from both ends exposes chains that have not forgotten
  // where they started.
  // Every sweep moves all of this ladder's replicas (those that will take
  // other states are moved on a copy), so a stream sharded over replicas
  // (RandomStream::shard) gives each the same numbers wherever it is.
  // Under MPI the ladder holds replicas [first_replica, first_replica +
  // replicas) of the job's; from_top counts the job's replicas.
  void anneal(int sweeps, RandomStream& stream, ConstMatrixRef top = MatrixF(), Index from_top = 0,
              Index first_replica = 0);

  std::size_t levels() const { return betas_.size(); }
  const std::vector<double>& betas() const { return betas_; }
  const MatrixF& states(std::size_t level) const { return states_[level]; }
  MatrixF& states(std::size_t level) { return states_[level]; }
  PathPoint point(std::size_t level) const;
  // Fraction of accepted swaps between levels l and l + 1, over all sweeps so far.
  std::vector<double> swap_acceptance() const;

  // What a checkpoint needs besides the states to continue exactly.
  struct SwapCounts {
    std::vector<std::int64_t> accepted, proposed;  // per pair of neighbours
    std::int64_t sweeps = 0;
  };
  SwapCounts swap_counts() const;
  // A ladder continued from `states` (one matrix per level, all the same
  // shape) and `counts`, as swap_counts() and states() gave them.
  TemperingLadder(const GibbsModel& model, const VectorF* base_visible_bias,
                  std::vector<double> betas, std::vector<MatrixF> states, SwapCounts counts);

 private:
  void swap_pairs(std::size_t first_level, RandomStream& stream);

  const GibbsModel& model_;
  const VectorF* base_;
  std::vector<double> betas_;
  std::vector<MatrixF> states_;
  std::vector<std::int64_t> accepted_, proposed_;
  std::int64_t sweeps_ = 0;
};

// log f = -F of each row of `x` under `model`.
std::vector<double> log_unnormalized_density(const EnergyModel& model, ConstMatrixRef x);

// The expected acceptance of swapping states between two models, as
// tempering across them would propose it, from paired samples (x_a row r with
// x_b row r): mean over r of min(1, f_a(x_b) f_b(x_a) / (f_a(x_a) f_b(x_b))).
// log_f_a_at_a and log_f_b_at_b are the models' own log f at their samples.
double expected_swap_acceptance(const EnergyModel& model_a, ConstMatrixRef samples_a,
                                std::span<const double> log_f_a_at_a, const EnergyModel& model_b,
                                ConstMatrixRef samples_b, std::span<const double> log_f_b_at_b);

}  // namespace logz
