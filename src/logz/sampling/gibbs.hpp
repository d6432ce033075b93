// Running Gibbs chains of a model, and the measurements made from them.
//
//   reconstruction_error   mean over rows of |x - E[x | h]|^2, h ~ p(h | x):
//                          one Gibbs half-step back from the data, the number
//                          RBM practitioners watch (it is not a likelihood)
//   sample_chains          `chains` chains started at `start` rows (cycled),
//                          advanced `sweeps` full sweeps
#pragma once

#include "logz/math/random.hpp"
#include "logz/models/energy_model.hpp"

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

}  // namespace logz
