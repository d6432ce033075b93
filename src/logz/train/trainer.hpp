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
//
// Checkpoints: between batches the trainer can hand out a TrainerState, all it
// needs besides the model's parameters to go on exactly (the epoch's shuffle,
// both random streams, the optimizer's moments, the objective's persistent
// chains); a trainer given that state by resume_from() continues the run so
// that it ends with the same parameters, bit for bit, as one never stopped.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

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
  // When TrainHooks::on_checkpoint is called besides at a stop and at the end:
  // after every `checkpoint_every_batches`-th batch of the run (0: never), and
  // at the end of every `checkpoint_every_epochs`-th epoch (0: never).
  long checkpoint_every_batches = 0;
  int checkpoint_every_epochs = 1;

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

// Where a run stands between two batches. With the model's parameters it is
// a checkpoint (train/checkpoint.hpp).
struct TrainerState {
  int epoch = 1;             // the epoch in progress, 1-based
  Index batches_done = 0;    // of that epoch; all of them once the epoch has ended
  std::vector<Index> order;  // that epoch's shuffle of the training examples
  RandomStream::State shuffle, sampling;
  // The epoch's running sums behind BatchProgress's means.
  double objective_sum = 0.0, reconstruction_sum = 0.0;
  std::int64_t objective_count = 0, reconstruction_count = 0;
  double epoch_seconds = 0.0;  // spent on the epoch so far
  SgdMomentum::State optimizer;
  ObjectiveState objective;
};

class Trainer {
 public:
  using BatchCallback = std::function<void(const BatchProgress&)>;
  // Called after each epoch with that epoch's last progress; the model holds
  // the parameters after the epoch. Returning false stops the run.
  using EpochCallback = std::function<bool(const BatchProgress&)>;

  struct Hooks {
    BatchCallback on_batch;
    EpochCallback on_epoch;
    // Called with the state to save, when TrainOptions says, when a stop is
    // requested and at the end of the run (after on_epoch of that epoch).
    std::function<void(const TrainerState&)> on_checkpoint;
    // Asked after every batch; true ends the run after a checkpoint.
    std::function<bool()> stop_requested;
    // Called for every update after the objective's gradient and before the
    // optimizer's step, with the update's index in the whole run (0-based):
    // the model holds the parameters the gradient was computed at, and the
    // objective's chains were just advanced at them. An observer (the log Z
    // tracker) reads them there; it must not change them.
    std::function<void(std::int64_t update)> before_update;
  };
  enum class End { completed, stopped_by_epoch_callback, stop_requested };

  Trainer(EnergyModel& model, Objective& objective, TrainOptions options);

  End run(ConstMatrixRef data, const Hooks& hooks);
  void run(ConstMatrixRef data, const BatchCallback& on_batch, const EpochCallback& on_epoch);

  // The next run() continues from `state` (the model must already hold the
  // parameters saved with it). Checked against the data when run() starts.
  void resume_from(TrainerState state) { resume_ = std::move(state); }

  // Weights of the training examples (sequence reweighting), one per row of
  // the data run() gets; they are scaled to mean 1, so that a batch's loss is
  // an unbiased estimate of the weighted mean over the data set. Throws
  // SettingError("--reweight") when the objective takes no weights.
  void set_example_weights(std::vector<double> weights);

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
  std::optional<TrainerState> resume_;
  std::vector<double> weights_;  // empty: every example weighs 1
};

}  // namespace logz
