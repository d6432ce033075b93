// Running Gibbs chains of a model, and the measurements made from them.
//
//   reconstruction_error   mean over rows of |x - E[x | h]|^2, h ~ p(h | x):
//                          one Gibbs half-step back from the data, the number
//                          RBM practitioners watch (it is not a likelihood)
//   sample_chains          `chains` chains started at `start` rows (cycled),
//                          advanced `sweeps` full sweeps
//   draw_samples           several samples per chain, `sweeps` apart, with
//                          the model's mean of each last visible draw (for
//                          pictures)
//   base_rate_draws        exact draws of independent units with given log-odds
#pragma once

#include "logz/math/random.hpp"
#include "logz/models/energy_model.hpp"
#include "logz/progress_callback.hpp"

namespace logz {

double reconstruction_error(const GibbsModel& model, ConstMatrixRef data, RandomStream& stream);

// Chains of a model at a path point: advances `chains` (one visible state per
// row, updated in place) `burn_in` sweeps, then keeps `samples` states
// `thinning` sweeps apart. Returns [chains * samples, V], each chain's
// samples consecutive (chain c in rows c*samples ...).
MatrixF collect_samples(const GibbsModel& model, PathPoint at, MatrixF& chains, int burn_in,
                        int thinning, Index samples, RandomStream& stream);

ChainState sample_chains(const GibbsModel& model, ConstMatrixRef start, Index chains, int sweeps,
                         RandomStream& stream);

struct GibbsSamples {
  MatrixF states;  // [n, V] visible states
  // [n, V] p(v = 1 | h) of the draw that gave each state, where the model
  // has it (an RBM's visible layer is drawn given the hidden one); empty
  // otherwise (an Ising model resamples one unit at a time).
  MatrixF means;
  Index chains = 0;     // chains run
  Index per_chain = 0;  // samples drawn from each (the last chain's may be cut short)
};

// `chains` chains started at `start` rows (cycled), each advanced `sweeps`
// full Gibbs sweeps before each of its samples, until `n` samples are drawn:
// ceil(n / chains) per chain, chain c's samples consecutive (rows
// c * per_chain ...); only the chains needed for n samples run, and the last
// may give fewer. Reports progress in sweeps of all chains together.
GibbsSamples draw_samples(const GibbsModel& model, ConstMatrixRef start, Index chains, int sweeps,
                          Index n, RandomStream& stream, const ProgressCallback& progress = {});

// `n` exact draws of independent binary units with log-odds `log_odds`
// (the base-rate model of energy_model.hpp's path at beta = 0).
MatrixF base_rate_draws(const VectorF& log_odds, Index n, RandomStream& stream);

}  // namespace logz
