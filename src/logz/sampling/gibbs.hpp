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

ChainState sample_chains(const GibbsModel& model, ConstMatrixRef start, Index chains, int sweeps,
                         RandomStream& stream);

}  // namespace logz
