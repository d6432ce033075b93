// The training loop: epochs of shuffled minibatches, one objective gradient
// and one optimizer update per batch. It knows nothing of any particular
// model or objective; what it measures at the end of an epoch is the
// caller's (an EpochCallback), and so is what it shows while it runs.
//
// Randomness: the shuffle and the objective's sampling draw from two streams
// of `seed` (StreamId::shuffle, StreamId::sampling), so a run is reproducible
// bit for bit on the same machine and BLAS, whatever the thread count.
//
// Divergence: after every update the gradient and the parameters are checked;
// a non-finite or exploding value stops the run with a DivergenceError naming
// the epoch and batch, before anything is written from the bad state.
#pragma once

#include <functional>
#include <map>
#include <optional>

#include "logz/math/random.hpp"
#include "logz/models/energy_model.hpp"
#include "logz/objectives/objective.hpp"
#include "logz/train/optimizer.hpp"

namespace logz {

struct TrainOptions {
  int epochs = 10;
  Index batch_size = 100;
  std::uint64_t seed = 0;
  SgdOptions sgd;

  // Throws SettingError naming the flag; n_examples is the training set's size.
  void validate(Index n_examples) const;
};

// Where the run is, after each batch.
struct BatchProgress {
  int epoch = 0;  // 1-based
  int epochs = 0;
  Index batch = 0;  // 1-based within the epoch
  Index batches = 0;
  double epoch_seconds = 0.0;
  double learning_rate = 0.0;
  // Running means over this epoch's batches, where the objective reports them.
  std::optional<double> objective;
  std::optional<double> reconstruction_error;
  // The last batch's diagnostics (StepReport::diagnostics).
  std::map<std::string, double> diagnostics;
};

class Trainer {
 public:
  using BatchCallback = std::function<void(const BatchProgress&)>;
  // Called after each epoch with that epoch's last progress; the model holds
  // the parameters after the epoch. Returning false stops the run.
  using EpochCallback = std::function<bool(const BatchProgress&)>;

  Trainer(EnergyModel& model, Objective& objective, TrainOptions options);

  void run(ConstMatrixRef data, const BatchCallback& on_batch, const EpochCallback& on_epoch);

  RandomStream& sampling_stream() { return sampling_; }
  RandomStream& shuffle_stream() { return shuffle_; }
  SgdMomentum& optimizer() { return optimizer_; }

 private:
  EnergyModel& model_;
  Objective& objective_;
  TrainOptions options_;
  SgdMomentum optimizer_;
  RandomStream shuffle_;
  RandomStream sampling_;
};

}  // namespace logz
