#include "logz/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <numeric>
#include <vector>

#include "logz/error.hpp"

namespace logz {
namespace {

// Parameters beyond this magnitude mean the run has blown up even if they are
// still finite (no sensible energy model has weights of 10^6).
constexpr float kExplodedMagnitude = 1e6f;

class RunningMean {
 public:
  void add(const std::optional<double>& x) {
    if (!x) return;
    sum_ += *x;
    ++count_;
  }
  std::optional<double> value() const {
    return count_ == 0 ? std::nullopt : std::optional<double>(sum_ / static_cast<double>(count_));
  }

 private:
  double sum_ = 0.0;
  long count_ = 0;
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
                                              "examples)", batch_size, n_examples));
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
  options_.validate(data.rows());
  const Index n = data.rows();
  const Index batches = (n + options_.batch_size - 1) / options_.batch_size;
  const double total_updates = static_cast<double>(batches) * options_.epochs;
  std::vector<Index> order(static_cast<std::size_t>(n));
  MatrixF batch(options_.batch_size, data.cols());
  ParameterVector gradient = model_.parameters().zeros_like();

  for (int epoch = 1; epoch <= options_.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    std::iota(order.begin(), order.end(), Index{0});
    for (Index i = n - 1; i > 0; --i) {  // Fisher-Yates
      std::swap(order[static_cast<std::size_t>(i)],
                order[shuffle_.below(static_cast<std::uint64_t>(i + 1))]);
    }
    RunningMean objective, reconstruction;
    BatchProgress progress;
    progress.epoch = epoch;
    progress.epochs = options_.epochs;
    progress.batches = batches;
    for (Index b = 0; b < batches; ++b) {
      const Index first = b * options_.batch_size;
      const Index rows = std::min(options_.batch_size, n - first);
      for (Index r = 0; r < rows; ++r) {
        batch.row(r) = data.row(order[static_cast<std::size_t>(first + r)]);
      }
      const StepReport report =
          objective_.gradient(model_, batch.topRows(rows), gradient, sampling_);
      const double update = static_cast<double>((epoch - 1) * batches + b);
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
      objective.add(report.objective);
      reconstruction.add(report.reconstruction_error);
      progress.batch = b + 1;
      progress.objective = objective.value();
      progress.reconstruction_error = reconstruction.value();
      progress.diagnostics = report.diagnostics;
      progress.epoch_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (on_batch) on_batch(progress);
    }
    if (on_epoch && !on_epoch(progress)) break;
  }
}

}  // namespace logz
