// The pictures `logz train` leaves in its run folder, at the end and every
// --pictures-every N epochs:
//
//   samples.png   up to 100 samples of the model: the objective's persistent
//                 chains as they stand (pcd: p(v = 1 | h) of their last
//                 visible draw; pt: the states at beta = 1), else (cd, pl,
//                 rm, exact) 100 Gibbs sweeps of 100 chains started at
//                 training rows spread evenly over the set (RBMs: p(v = 1 | h)
//                 of the last draw; Ising models: the states)
//                 (a Gaussian: exact draws; an ICA model: none)
//   filters.png   an RBM's first 100 filters (viz/model_pictures.hpp)
//
// The cost is small beside an epoch (100 chains x 100 sweeps at most), and
// the draws come from their own random stream (StreamId::pictures, started
// afresh each time), so pictures never change the trained model: runs with
// and without them, stopped and resumed or not, end bit for bit the same.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "logz/models/energy_model.hpp"
#include "logz/objectives/objective.hpp"

namespace logz::cli {

struct RunPictures {
  std::vector<std::string> files;  // paths written
  std::string samples_source;      // where the samples come from, in words
};

RunPictures write_run_pictures(const std::string& folder, const EnergyModel& model,
                               const Objective& objective, ConstMatrixRef train,
                               std::uint64_t seed);

}  // namespace logz::cli
