// What a training run measures and keeps along the way, beside its metrics,
// without changing what is trained:
//
//   tracking     log Z of the model at every evaluation, for any size, by
//                annealing with an interval that can be trusted (ais.hpp's
//                annealed_log_z: AIS from the data's base-rate model,
//                spending more steps until the spread of its log-weights is
//                small enough, spending.hpp). Each evaluation starts where the
//                last one ended: with the schedule length the last one's spread
//                says was enough (never below the first), so a model that has
//                grown sharp does not pay again for the runs that found that
//                length out. It draws from its own stream.
//   trajectory   parameter snapshots in RUN_DIR/trajectory/, every N updates
//                and/or whenever the estimated swap acceptance between the last
//                snapshot and the model (from the training's persistent chains,
//                checked every 10 updates) falls below a threshold; the first
//                model (before any update) and the last are always kept. Each
//                snapshot is a model file whose metadata holds its update and,
//                where an evaluation fell on it, the tracked log Z.
//
// Why not bridges between consecutive training states from the chains the
// training already has, chained from the start (Desjardins, Courville &
// Bengio 2011): measured on the main job's settings (784 x 8 and x 25, PCD-1,
// learning rate 0.05, momentum 0.5) it fails, in each form tried:
//   - bridges (BAR) evaluated at PCD's own chains are biased low, by about as
//     much with 1,000 chains as with 100 (tens of nats after two epochs): the
//     chains drive the very update whose change they measure, the gradient
//     lowering the model's density where they stand;
//   - particles of the tracker's own annealed along the run's trajectory (AIS
//     or SMC through the snapshots) collapse: PCD-1's stochastic path zig-zags,
//     and is so long in the thermodynamic sense that through every update's
//     snapshot log Z came out hundreds of nats low, and even straight lines
//     between states 100 epochs apart (80,000 steps) stayed 3.5 nats low,
//     where annealing from the base rates with 14,500 steps is within 0.4;
//   - a tempering ladder of the tracker's own, kept near equilibrium along the
//     run and bridged at each evaluation, was 3 to 9 nats low on the main job:
//     its chains do not find the mass of the modes that the model grows.
// The trained model's log Z is what is asked for; each evaluation estimates it
// afresh, from the closed-form base, so nothing accumulates.
//
// The run calls before_update() from Trainer::Hooks::before_update and
// at_evaluation() when it reports log Z (the model after the last update).
// Every random draw comes from the stream (seed, StreamId::tracking) or seeds
// derived from it, so the training's own streams, and hence the trained model,
// are the same bits with any monitor.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "logz/estimators/ais.hpp"
#include "logz/math/random.hpp"
#include "logz/objectives/objective.hpp"

namespace logz {

struct RunMonitorOptions {
  bool track = false;
  Index track_chains = 100;
  Index track_replicates = 0;        // SMC populations of the tracker (0: plain AIS)
  std::size_t track_steps = 14500;   // the first evaluation's schedule (sm2008's shape)
  std::size_t track_max_steps = 0;   // an evaluation's budget; 0: 16 times track_steps
  int start_exact_bits = 20;         // log Z is enumerated up to 2^this states instead
  std::int64_t snapshot_every = 0;   // updates; 0: not by count
  double snapshot_acceptance = 0.0;  // (0, 1); 0: not by acceptance
  std::string trajectory_folder;     // where snapshots go
  std::uint64_t seed = 0;
  VectorF base_visible_bias;  // the annealing base (the data's log-odds); empty: the model's

  bool keeps_snapshots() const { return snapshot_every > 0 || snapshot_acceptance > 0.0; }
  bool active() const { return track || keeps_snapshots(); }
  // Throws SettingError naming the flag (--track-chains, --snapshot-every, ...).
  void validate() const;
};

class RunMonitor {
 public:
  // Updates between checks of the swap acceptance to the last snapshot.
  static constexpr std::int64_t kAcceptanceCheckEvery = 10;

  explicit RunMonitor(RunMonitorOptions options);

  void before_update(const EnergyModel& model, const Objective& objective, std::int64_t update);
  // log Z of `model` after `updates` updates (tracking only; nullopt otherwise).
  std::optional<LogZEstimate> at_evaluation(const EnergyModel& model, std::int64_t updates);
  // The run's end: the last snapshot.
  void at_end(const EnergyModel& model, std::int64_t updates);

  // Checkpoints: matrices (checkpoint.hpp's "train.monitor.*") and numbers.
  ObjectiveState matrices() const;
  nlohmann::json numbers() const;
  void restore(const ObjectiveState& matrices, const nlohmann::json& numbers,
               const EnergyModel& model);

  std::int64_t snapshots_written() const { return snapshots_written_; }

 private:
  void write_snapshot(const EnergyModel& model, const MatrixF& samples, std::int64_t update);

  RunMonitorOptions options_;
  bool started_ = false;
  // Tracking: the evaluations so far, the schedule length the last needed.
  std::int64_t evaluations_ = 0;
  std::size_t warm_steps_ = 0;
  std::optional<LogZEstimate> last_estimate_;
  std::int64_t last_estimate_update_ = -1;
  // The last snapshot and what the acceptance policy compares with it.
  std::unique_ptr<EnergyModel> snapshot_model_;
  MatrixF snapshot_samples_;
  std::vector<double> snapshot_log_f_;
  std::int64_t snapshot_update_ = -1;
  double last_acceptance_ = -1.0;
  std::int64_t snapshots_written_ = 0;
};

// A run folder's snapshots, in the order of their updates: what
// `logz estimate RUN_DIR --method trajectory` anneals along. Throws FileError
// naming the folder when it has none, or a snapshot that is not a model file of
// the kind of the others.
struct TrajectorySnapshot {
  std::int64_t update = 0;
  std::string path;
  std::unique_ptr<EnergyModel> model;
};
std::vector<TrajectorySnapshot> read_trajectory(const std::string& run_folder);

}  // namespace logz
