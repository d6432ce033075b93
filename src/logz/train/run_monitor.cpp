#include "logz/train/run_monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "logz/error.hpp"
#include "logz/estimators/beta_schedule.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/ising.hpp"
#include "logz/models/model_file.hpp"
#include "logz/sampling/tempering_ladder.hpp"

namespace logz {
namespace {

// Doubles as hexadecimal floats: exact both ways (checkpoints resume to the bit).
std::string hex(double x) {
  return fmt::format("{:a}", x);
}
double from_hex(const nlohmann::json& value) {
  const std::string text = value.get<std::string>();
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    throw Error("not a number: " + printable(text));
  return x;
}
nlohmann::json hex_list(const std::vector<double>& values) {
  nlohmann::json list = nlohmann::json::array();
  for (double x : values)
    list.push_back(hex(x));
  return list;
}
std::vector<double> from_hex_list(const nlohmann::json& list) {
  std::vector<double> values;
  for (const auto& x : list)
    values.push_back(from_hex(x));
  return values;
}

// The annealing base: the given one (the data's log-odds), else the model's
// own visible biases or fields; a Gaussian-Bernoulli RBM ignores it.
VectorF base_for(const RunMonitorOptions& options, const EnergyModel& model) {
  if (options.base_visible_bias.size() == model.n_visible()) return options.base_visible_bias;
  if (const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model)) return rbm->b();
  if (const auto* ising = dynamic_cast<const IsingModel*>(&model)) return ising->h();
  return VectorF::Zero(model.n_visible());
}

const GibbsModel& gibbs_of(const EnergyModel& model) {
  const auto* gibbs = dynamic_cast<const GibbsModel*>(&model);
  if (gibbs == nullptr) {
    throw SettingError("--monitor", std::string(model.kind()) +
                                        " has no Gibbs sampler: tracking log Z and the trajectory "
                                        "policies need one (rbm, gbrbm, ising)");
  }
  return *gibbs;
}

MatrixF row_matrix(std::span<const float> values) {
  MatrixF m(1, static_cast<Index>(values.size()));
  std::copy(values.begin(), values.end(), m.data());
  return m;
}

}  // namespace

void RunMonitorOptions::validate() const {
  if (track) {
    AisOptions ais;
    ais.chains = track_chains;
    ais.replicates = track_replicates;
    try {
      ais.particles().validate();
    } catch (const SettingError& e) {
      throw SettingError(e.setting() == "--chains" ? "--track-chains" : "--track-replicates",
                         std::string(e.what()).substr(e.setting().size() + 2));
    }
    if (track_steps < 3) throw SettingError("--track-betas", "must be at least 3");
  }
  if (snapshot_every < 0) throw SettingError("--snapshot-every", "must be >= 0 (0: not by count)");
  if (!(snapshot_acceptance >= 0.0 && snapshot_acceptance < 1.0)) {
    throw SettingError("--snapshot-acceptance", "must be in [0, 1) (0: not by acceptance)");
  }
  if (keeps_snapshots() && trajectory_folder.empty()) {
    throw SettingError("--snapshot-every", "snapshots need a run folder");
  }
}

RunMonitor::RunMonitor(RunMonitorOptions options) : options_(std::move(options)) {
  options_.validate();
  warm_steps_ = options_.track_steps;
}

void RunMonitor::before_update(const EnergyModel& model, const Objective& objective,
                               std::int64_t update) {
  if (!options_.keeps_snapshots()) return;
  const auto chains = [&]() -> MatrixF {
    if (options_.snapshot_acceptance <= 0.0) return MatrixF();
    std::optional<ChainState> state = objective.persistent_chains();
    if (!state) {
      throw SettingError("--snapshot-acceptance", std::string(objective.name()) +
                                                      " keeps no persistent chains to estimate the "
                                                      "swap acceptance with (pcd and pt do)");
    }
    return std::move(state->visible);
  };
  if (!started_) {
    started_ = true;
    write_snapshot(model, chains(), update);
    return;
  }
  if (options_.snapshot_every > 0 && update % options_.snapshot_every == 0 &&
      update != snapshot_update_) {
    write_snapshot(model, chains(), update);
    return;
  }
  if (options_.snapshot_acceptance > 0.0 && update % kAcceptanceCheckEvery == 0 &&
      update != snapshot_update_) {
    const MatrixF x = chains();
    const std::vector<double> log_f = log_unnormalized_density(model, x);
    last_acceptance_ = expected_swap_acceptance(*snapshot_model_, snapshot_samples_,
                                                snapshot_log_f_, model, x, log_f);
    if (last_acceptance_ < options_.snapshot_acceptance) write_snapshot(model, x, update);
  }
}

std::optional<LogZEstimate> RunMonitor::at_evaluation(const EnergyModel& model,
                                                      std::int64_t updates) {
  if (!options_.track) return std::nullopt;
  LogZEstimate estimate;
  if (model.has_closed_form_log_z() ||
      (is_enumerable(model) && enumeration_bits(model) <= options_.start_exact_bits)) {
    estimate = exact_log_z(model);
  } else {
    AisOptions ais;
    ais.chains = options_.track_chains;
    ais.replicates = options_.track_replicates;
    // One seed per evaluation, from the run's seed: the same run, the same numbers.
    ais.seed =
        options_.seed ^ (0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(evaluations_ + 1));
    ais.betas = sm2008_shaped_schedule(warm_steps_);
    SpendingOptions spending;
    spending.max_steps =
        options_.track_max_steps > 0 ? options_.track_max_steps : 16 * options_.track_steps;
    estimate = annealed_log_z(gibbs_of(model), base_for(options_, model), ais, spending);
    // The next evaluation starts where this one's spread says it would have
    // been enough (the spread falls as the square root of the steps): it may
    // grow as training sharpens the model, and shrink back when the last
    // round overshot, never below --track-betas.
    const double steps = estimate.diagnostics.at("steps");
    const double spread = estimate.diagnostics.at("log_weight_spread");
    const double target = estimate.diagnostics.at("trusted_spread");
    const double enough = steps * std::pow(spread / (0.9 * target), 2.0);
    warm_steps_ = std::max(options_.track_steps,
                           static_cast<std::size_t>(std::ceil(std::fmin(enough, steps))));
  }
  ++evaluations_;
  last_estimate_ = estimate;
  last_estimate_update_ = updates;
  return estimate;
}

void RunMonitor::at_end(const EnergyModel& model, std::int64_t updates) {
  if (started_ && options_.keeps_snapshots() && snapshot_update_ != updates) {
    write_snapshot(model, MatrixF(), updates);
  }
}

void RunMonitor::write_snapshot(const EnergyModel& model, const MatrixF& samples,
                                std::int64_t update) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(options_.trajectory_folder, ec);
  if (ec)
    throw FileError(options_.trajectory_folder,
                    "cannot create the trajectory folder: " + ec.message());
  Metadata metadata = {{"trajectory.update", std::to_string(update)}};
  if (last_estimate_ && last_estimate_update_ == update) {
    metadata["trajectory.log_z"] = fmt::format("{:.17g}", last_estimate_->log_z);
    metadata["trajectory.log_z_std_error"] = fmt::format("{:.17g}", last_estimate_->std_error);
  }
  if (snapshot_update_ >= 0 && last_acceptance_ >= 0.0) {
    metadata["trajectory.swap_acceptance_from_previous"] = fmt::format("{:.6g}", last_acceptance_);
  }
  const std::string path =
      (fs::path(options_.trajectory_folder) / fmt::format("update-{:010}.safetensors", update))
          .string();
  save_model(path, model, metadata);
  ++snapshots_written_;
  snapshot_update_ = update;
  last_acceptance_ = -1.0;
  if (options_.snapshot_acceptance > 0.0 && samples.rows() > 0) {
    if (!snapshot_model_) snapshot_model_ = model.clone();
    std::copy(model.parameters().values().begin(), model.parameters().values().end(),
              snapshot_model_->parameters().values().begin());
    snapshot_samples_ = samples;
    snapshot_log_f_ = log_unnormalized_density(model, samples);
  }
}

ObjectiveState RunMonitor::matrices() const {
  ObjectiveState state;
  if (snapshot_model_) {
    state.matrices["snapshot.parameters"] = row_matrix(snapshot_model_->parameters().values());
    state.matrices["snapshot.samples"] = snapshot_samples_;
  }
  return state;
}

nlohmann::json RunMonitor::numbers() const {
  return {{"started", started_},
          {"evaluations", evaluations_},
          {"warm_steps", warm_steps_},
          {"snapshot_update", snapshot_update_},
          {"snapshots_written", snapshots_written_},
          {"last_acceptance", hex(last_acceptance_)},
          // The last evaluation, which a snapshot at its update records.
          {"last_estimate_update", last_estimate_update_},
          {"last_log_z", hex(last_estimate_ ? last_estimate_->log_z : 0.0)},
          {"last_log_z_std_error", hex(last_estimate_ ? last_estimate_->std_error : 0.0)},
          {"snapshot_log_f", hex_list(snapshot_log_f_)}};
}

void RunMonitor::restore(const ObjectiveState& matrices, const nlohmann::json& j,
                         const EnergyModel& model) {
  try {
    started_ = j.at("started").get<bool>();
    evaluations_ = j.at("evaluations").get<std::int64_t>();
    warm_steps_ = j.at("warm_steps").get<std::size_t>();
    snapshot_update_ = j.at("snapshot_update").get<std::int64_t>();
    snapshots_written_ = j.at("snapshots_written").get<std::int64_t>();
    last_acceptance_ = from_hex(j.at("last_acceptance"));
    snapshot_log_f_ = from_hex_list(j.at("snapshot_log_f"));
    last_estimate_update_ = j.at("last_estimate_update").get<std::int64_t>();
    last_estimate_.reset();
    if (last_estimate_update_ >= 0) {
      last_estimate_.emplace();
      last_estimate_->log_z = from_hex(j.at("last_log_z"));
      last_estimate_->std_error = from_hex(j.at("last_log_z_std_error"));
    }
    const auto parameters = matrices.matrices.find("snapshot.parameters");
    const auto samples = matrices.matrices.find("snapshot.samples");
    if (parameters != matrices.matrices.end() && samples != matrices.matrices.end()) {
      if (parameters->second.size() != model.parameters().size()) {
        throw Error("the monitor's snapshot does not fit the model");
      }
      snapshot_model_ = model.clone();
      std::copy(parameters->second.data(), parameters->second.data() + parameters->second.size(),
                snapshot_model_->parameters().values().begin());
      snapshot_samples_ = samples->second;
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("the saved state of the run's monitor is unreadable: ") + e.what());
  }
}

std::vector<TrajectorySnapshot> read_trajectory(const std::string& run_folder) {
  namespace fs = std::filesystem;
  const fs::path folder = fs::path(run_folder) / "trajectory";
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw FileError(folder.string(),
                    "no trajectory here: `logz train --snapshot-every N` or "
                    "`--snapshot-acceptance A` keeps one");
  }
  std::vector<TrajectorySnapshot> snapshots;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("update-") || !name.ends_with(".safetensors")) continue;
    LoadedModel loaded = load_model(entry.path().string());
    const auto update = loaded.metadata.find("trajectory.update");
    TrajectorySnapshot snapshot;
    try {
      if (update == loaded.metadata.end()) throw std::invalid_argument("missing");
      snapshot.update = std::stoll(update->second);
    } catch (const std::exception&) {
      throw FileError(entry.path().string(),
                      "has no __metadata__.\"trajectory.update\": not a snapshot "
                      "of logz train");
    }
    snapshot.path = entry.path().string();
    snapshot.model = std::move(loaded.model);
    snapshots.push_back(std::move(snapshot));
  }
  if (ec) throw FileError(folder.string(), "cannot list the trajectory: " + ec.message());
  if (snapshots.empty())
    throw FileError(folder.string(), "holds no snapshots (update-*.safetensors)");
  std::sort(
      snapshots.begin(), snapshots.end(),
      [](const TrajectorySnapshot& a, const TrajectorySnapshot& b) { return a.update < b.update; });
  for (const TrajectorySnapshot& snapshot : snapshots) {
    if (snapshot.model->kind() != snapshots.front().model->kind() ||
        !snapshot.model->parameters().same_layout(snapshots.front().model->parameters())) {
      throw FileError(snapshot.path,
                      fmt::format("holds a {} of {} parameters; the trajectory's first "
                                  "snapshot is a {} of {}",
                                  snapshot.model->kind(), snapshot.model->parameters().size(),
                                  snapshots.front().model->kind(),
                                  snapshots.front().model->parameters().size()));
    }
  }
  return snapshots;
}

}  // namespace logz
