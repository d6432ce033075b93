// Training checkpoints: a model file (models/model_file.hpp) that also holds a
// TrainerState, so that `logz estimate` and `logz eval` read it as the model
// it holds, and `logz train --resume` continues the run exactly.
//
//   tensors   the model's parameters, as in a model file;
//             "train.optimizer.velocity" and "train.optimizer.second_moment"
//             [P] (P parameters; the second only for Adam);
//             "train.objective.<part>" [rows, cols]: persistent chains, ladder levels;
//             "train.monitor.<part>" [rows, cols]: what the run's observers keep
//             (the log Z tracker's last point, its own chains)
//   metadata  the caller's (settings), the model's kind, and "train.state":
//             a JSON object with the position (epoch, batches_done), the
//             epoch's shuffle, the random streams' states, the optimizer's
//             step count, the objective's counts, and the running sums as
//             hexadecimal floats (exact)
//
// Written atomically (temporary file, then rename), so a crash or a second
// signal while writing leaves the previous checkpoint intact.
#pragma once

#include <string>

#include "logz/models/energy_model.hpp"
#include "logz/models/model_file.hpp"
#include "logz/train/trainer.hpp"

namespace logz {

// `monitor`: matrices of the observers of the run (their numbers go in
// `metadata`); may be empty.
void save_checkpoint(const std::string& path, const EnergyModel& model, const TrainerState& state,
                     const Metadata& metadata, const ObjectiveState& monitor = {});

struct LoadedCheckpoint {
  TrainerState state;
  Metadata metadata;       // as saved, without "train.state"
  ObjectiveState monitor;  // the "train.monitor.*" matrices
};

// Loads the parameters into `model`, which must be of the kind and shape the
// file holds (FileError naming the path otherwise), and returns the rest.
LoadedCheckpoint load_checkpoint(const std::string& path, EnergyModel& model);

}  // namespace logz
