#include "logz/train/trainer.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <vector>

#include "logz/error.hpp"
#include "logz/parallel/communicator.hpp"

namespace logz {
namespace {

// Parameters beyond this magnitude mean the run has blown up even if they are
// still finite (no sensible energy model has weights of 10^6).
constexpr float kExplodedMagnitude = 1e6f;

struct RunningMean {
  double sum = 0.0;
  std::int64_t count = 0;

  void add(const std::optional<double>& x) {
    if (!x) return;
    sum += *x;
    ++count;
  }
  std::optional<double> value() const {
    return count == 0 ? std::nullopt : std::optional<double>(sum / static_cast<double>(count));
  }
};

// The first problem with a set of numbers, or an empty string.
std::string diagnose(std::span<const float> values, const char* what) {
  for (float x : values) {
    if (!std::isfinite(x)) return fmt::format("the {} became non-finite ({})", what, x);
  }
  for (float x : values) {
    if (std::fabs(x) > kExplodedMagnitude) {
      return fmt::format("the {} exploded (|value| = {:.3g})", what, std::fabs(x));
    }
  }
  return "";
}

}  // namespace

void TrainOptions::validate(Index n_examples) const {
  if (epochs < 1) throw SettingError("--epochs", fmt::format("{} must be at least 1", epochs));
  if (batch_size < 1 || batch_size > n_examples) {
    throw SettingError("--batch", fmt::format("{} must be in [1, {}] (the number of training "
                                              "examples)",
                                              batch_size, n_examples));
  }
  sgd.validate();
}

Trainer::Trainer(EnergyModel& model, Objective& objective, TrainOptions options)
    : model_(model),
      objective_(objective),
      options_(options),
      optimizer_(model.parameters(), options.sgd),
      shuffle_(make_stream(options.seed, StreamId::shuffle)),
      sampling_(make_stream(options.seed, StreamId::sampling)) {}

void Trainer::run(ConstMatrixRef data, const BatchCallback& on_batch,
                  const EpochCallback& on_epoch) {
  run(data, Hooks{on_batch, on_epoch, nullptr, nullptr, nullptr});
}

void Trainer::set_example_weights(std::vector<double> weights) {
  if (!weights.empty() && !objective_.takes_example_weights()) {
    throw SettingError("--reweight", fmt::format("{} does not take sequence weights; pl, rm, "
                                                 "pcd and exact do",
                                                 objective_.name()));
  }
  double total = 0.0;
  for (const double w : weights)
    total += w;
  const double scale = weights.empty() ? 1.0 : static_cast<double>(weights.size()) / total;
  for (double& w : weights)
    w *= scale;
  weights_ = std::move(weights);
}

Trainer::End Trainer::run(ConstMatrixRef data, const Hooks& hooks) {
  options_.validate(data.rows());
  if (!weights_.empty() && static_cast<Index>(weights_.size()) != data.rows()) {
    throw Error(
        fmt::format("{} example weights for {} training examples", weights_.size(), data.rows()));
  }
  if (options_.checkpoint_every_batches < 0 || options_.checkpoint_every_epochs < 0) {
    throw SettingError("--checkpoint-every", "must be >= 0");
  }
  const Index n = data.rows();
  const Index batches = (n + options_.batch_size - 1) / options_.batch_size;
  const double total_updates = static_cast<double>(batches) * options_.epochs;
  std::vector<Index> order(static_cast<std::size_t>(n));
  MatrixF batch(options_.batch_size, data.cols());
  ParameterVector gradient = model_.parameters().zeros_like();
  std::vector<double> batch_weights(
      static_cast<std::size_t>(weights_.empty() ? 0 : options_.batch_size));

  int epoch = 1;
  Index first_batch = 0;
  RunningMean objective, reconstruction;
  double seconds_before = 0.0;  // of the epoch, before this run
  bool resumed_mid_epoch = false;
  if (resume_) {
    TrainerState state = std::move(*resume_);
    resume_.reset();
    if (state.order.size() != order.size() || state.batches_done < 0 ||
        state.batches_done > batches || state.epoch < 1) {
      throw Error(fmt::format(
          "the checkpoint is for {} training examples in {} batches (at batch "
          "{}); this run has {} examples in {} batches",
          state.order.size(),
          (static_cast<Index>(state.order.size()) + options_.batch_size - 1) / options_.batch_size,
          state.batches_done, n, batches));
    }
    if (state.epoch > options_.epochs) {
      throw SettingError("--epochs", fmt::format("{} is fewer than the checkpoint's {} epochs",
                                                 options_.epochs, state.epoch));
    }
    for (Index i : state.order) {
      if (i < 0 || i >= n)
        throw Error(fmt::format("the checkpoint's shuffle holds example {} of {}", i, n));
    }
    optimizer_.restore(state.optimizer);
    objective_.restore(state.objective, model_);
    shuffle_ = RandomStream(state.shuffle);
    sampling_ = RandomStream(state.sampling);
    if (state.batches_done == batches) {
      epoch = state.epoch + 1;
    } else {
      epoch = state.epoch;
      first_batch = state.batches_done;
      order = std::move(state.order);
      objective = {state.objective_sum, state.objective_count};
      reconstruction = {state.reconstruction_sum, state.reconstruction_count};
      seconds_before = state.epoch_seconds;
      resumed_mid_epoch = true;
    }
  }

  const auto snapshot = [&](Index batches_done, double epoch_seconds) {
    TrainerState state;
    state.epoch = epoch;
    state.batches_done = batches_done;
    state.order = order;
    state.shuffle = shuffle_.state();
    state.sampling = sampling_.state();
    state.objective_sum = objective.sum;
    state.objective_count = objective.count;
    state.reconstruction_sum = reconstruction.sum;
    state.reconstruction_count = reconstruction.count;
    state.epoch_seconds = epoch_seconds;
    state.optimizer = optimizer_.state();
    state.objective = objective_.state();
    return state;
  };

  for (; epoch <= options_.epochs; ++epoch) {
    if (!resumed_mid_epoch) {
      std::iota(order.begin(), order.end(), Index{0});
      for (Index i = n - 1; i > 0; --i) {  // Fisher-Yates
        std::swap(order[static_cast<std::size_t>(i)],
                  order[shuffle_.below(static_cast<std::uint64_t>(i + 1))]);
      }
      objective = {};
      reconstruction = {};
      seconds_before = 0.0;
      first_batch = 0;
    }
    resumed_mid_epoch = false;
    const auto start = std::chrono::steady_clock::now();
    BatchProgress progress;
    progress.epoch = epoch;
    progress.epochs = options_.epochs;
    progress.batches = batches;
    for (Index b = first_batch; b < batches; ++b) {
      const Index first = b * options_.batch_size;
      const Index rows = std::min(options_.batch_size, n - first);
      for (Index r = 0; r < rows; ++r) {
        batch.row(r) = data.row(order[static_cast<std::size_t>(first + r)]);
      }
      if (!weights_.empty()) {
        for (Index r = 0; r < rows; ++r) {
          batch_weights[static_cast<std::size_t>(r)] =
              weights_[static_cast<std::size_t>(order[static_cast<std::size_t>(first + r)])];
        }
      }
      const StepReport report =
          weights_.empty()
              ? objective_.gradient(model_, batch.topRows(rows), gradient, sampling_)
              : objective_.weighted_gradient(
                    model_, batch.topRows(rows),
                    std::span<const double>(batch_weights).first(static_cast<std::size_t>(rows)),
                    gradient, sampling_);
      const std::int64_t update_index = static_cast<std::int64_t>(epoch - 1) * batches + b;
      if (hooks.before_update) hooks.before_update(update_index);
      const double update = static_cast<double>(update_index);
      progress.learning_rate = optimizer_.learning_rate(update / total_updates);
      if (optimizer_.step(model_.parameters(), gradient, progress.learning_rate) > 0) {
        // Something blew up; find out what, to say so.
        std::string problem = diagnose(gradient.values(), "gradient");
        if (problem.empty()) problem = diagnose(model_.parameters().values(), "parameters");
        throw DivergenceError(fmt::format(
            "training diverged at epoch {}, batch {}: {}; the learning rate ({:g}) is likely too "
            "large for this model and data; try a smaller --lr",
            epoch, b + 1, problem, progress.learning_rate));
      }
      if (report.objective && !std::isfinite(*report.objective)) {
        throw DivergenceError(fmt::format(
            "training diverged at epoch {}, batch {}: the {} objective became non-finite ({}); the "
            "learning rate ({:g}) is likely too large for this model and data; try a smaller --lr",
            epoch, b + 1, objective_.name(), *report.objective, progress.learning_rate));
      }
      objective.add(report.objective);
      reconstruction.add(report.reconstruction_error);
      progress.batch = b + 1;
      progress.objective = objective.value();
      progress.reconstruction_error = reconstruction.value();
      progress.diagnostics = report.diagnostics;
      progress.epoch_seconds =
          seconds_before +
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (hooks.on_batch) hooks.on_batch(progress);

      const bool epoch_ended = b + 1 == batches;
      const bool stopped_by_callback = epoch_ended && hooks.on_epoch && !hooks.on_epoch(progress);
      // Under MPI a signal may reach the ranks at different batches: they stop
      // together at the first batch where any of them saw it.
      bool stop = hooks.stop_requested && hooks.stop_requested();
      if (Communicator::world().distributed()) stop = Communicator::world().sum(stop ? 1 : 0) > 0;
      const std::int64_t done = static_cast<std::int64_t>(epoch - 1) * batches + b + 1;
      const bool due = (options_.checkpoint_every_batches > 0 &&
                        done % options_.checkpoint_every_batches == 0) ||
                       (epoch_ended && options_.checkpoint_every_epochs > 0 &&
                        epoch % options_.checkpoint_every_epochs == 0) ||
                       (epoch_ended && epoch == options_.epochs);
      if (hooks.on_checkpoint && (due || stop || stopped_by_callback)) {
        hooks.on_checkpoint(snapshot(b + 1, progress.epoch_seconds));
      }
      if (stop) return End::stop_requested;
      if (stopped_by_callback) return End::stopped_by_epoch_callback;
    }
  }
  return End::completed;
}

}  // namespace logz
