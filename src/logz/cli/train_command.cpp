#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/cli/estimator_flags.hpp"
#include "logz/cli/progress.hpp"
#include "logz/cli/run_pictures.hpp"
#include "logz/cli/stop_signals.hpp"
#include "logz/cli/train_setup.hpp"
#include "logz/error.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/io/file.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/model_file.hpp"
#include "logz/objectives/bit_flip_objectives.hpp"
#include "logz/objectives/categorical_pseudolikelihood.hpp"
#include "logz/parallel/communicator.hpp"
#include "logz/sampling/gibbs.hpp"
#include "logz/train/checkpoint.hpp"
#include "logz/train/lbfgs.hpp"
#include "logz/train/metrics.hpp"
#include "logz/train/partitioned_objective.hpp"
#include "logz/train/trainer.hpp"
#include "logz/viz/model_pictures.hpp"

namespace logz::cli {
namespace {

namespace fs = std::filesystem;

// Models this small are evaluated exactly at the end of every run: 2^20
// states take a fraction of a second.
constexpr int kAlwaysExactBits = 20;
// --optimizer lbfgs without --epochs: the most iterations (plmc stops by its
// own tests well before).
constexpr int kLbfgsIterations = 500;

// The flags that define a run, as a checkpoint keeps them for --resume. Data
// paths are made absolute, so a run resumes from any folder.
nlohmann::json flags_json(const TrainFlags& f) {
  const auto absolute_if_file = [](const std::string& source) {
    std::error_code ec;
    const bool named = source == "mnist10k" || source == "fashion-mnist";
    return !named && !source.empty() && fs::is_regular_file(source, ec)
               ? fs::absolute(source).string()
               : source;
  };
  return {{"data", absolute_if_file(f.data.source)},
          {"test_data", absolute_if_file(f.data.test_source)},
          {"test_count", f.data.test_count},
          {"binarize", f.data.binarize},
          {"threshold", f.data.threshold},
          {"binarize_seed", f.data.binarize_seed},
          {"model", f.model},
          {"hidden", f.hidden},
          {"method", f.method},
          {"k", f.k},
          {"chains", f.chains},
          {"micro_batches", f.micro_batches},
          {"temperatures", f.temperatures},
          {"scan", f.scan},
          {"sigma", f.sigma},
          {"noise_sigma", f.noise_sigma},
          {"noise_ratio", f.noise_ratio},
          {"noise", f.noise},
          {"dequantize", f.data.dequantize},
          {"standardize", f.data.standardize},
          {"epochs", f.epochs},
          {"batch", f.batch},
          {"optimizer", f.optimizer},
          {"lr", f.lr},
          {"momentum", f.momentum},
          {"momentum_given", f.momentum_option != nullptr && f.momentum_option->count() > 0},
          {"weight_decay", f.weight_decay},
          {"lr_schedule", f.lr_schedule},
          {"lr_final", f.lr_final},
          {"init_std", f.init_std},
          {"seed", f.seed},
          {"monitor", f.monitor},
          {"eval_every", f.eval_every},
          {"track_chains", f.track_chains},
          {"track_replicates", f.track_replicates},
          {"track_betas", f.track_betas},
          {"track_max_betas", f.track_max_betas},
          {"snapshot_every", f.snapshot_every},
          {"snapshot_acceptance", f.snapshot_acceptance},
          {"max_exact_bits", f.max_exact_bits},
          {"states", f.data.states},
          {"alphabet", f.data.alphabet},
          {"reweight", f.data.reweight},
          {"unknown_as_gap", f.data.unknown_as_gap},
          {"lambda_h", f.lambda_h},
          {"lambda_j", f.lambda_j}};
}

// Flags that --resume may change: how the rest of the run is shown and saved,
// and how long it goes on.
bool may_change_on_resume(const std::string& flag) {
  return flag == "--resume" || flag == "--epochs" || flag == "--progress" || flag == "--json" ||
         flag == "--checkpoint-every" || flag == "--pictures-every" || flag == "--out";
}

// `f` as the checkpoint's flags, with what the command line may change.
TrainFlags resumed_flags(const TrainFlags& given, const nlohmann::json& saved,
                         const std::string& path) {
  if (given.command != nullptr) {
    for (const CLI::Option* option : given.command->get_options()) {
      const std::string flag = option->get_name();
      if (option->count() > 0 && !may_change_on_resume(flag)) {
        throw SettingError(flag,
                           "cannot change when resuming: --resume continues the run with "
                           "its own settings (only --epochs, --checkpoint-every, "
                           "--pictures-every, --progress and --json may be given); start a "
                           "new run to change it");
      }
    }
  }
  TrainFlags f = given;
  try {
    f.data.source = saved.at("data").get<std::string>();
    f.data.test_source = saved.at("test_data").get<std::string>();
    f.data.test_count = saved.at("test_count").get<long>();
    f.data.binarize = saved.at("binarize").get<std::string>();
    f.data.threshold = saved.at("threshold").get<double>();
    f.data.binarize_seed = saved.at("binarize_seed").get<std::uint64_t>();
    f.model = saved.at("model").get<std::string>();
    f.hidden = saved.at("hidden").get<long>();
    f.method = saved.at("method").get<std::string>();
    f.k = saved.at("k").get<int>();
    f.chains = saved.at("chains").get<long>();
    f.micro_batches = saved.value("micro_batches", 1L);
    f.temperatures = saved.at("temperatures").get<int>();
    f.scan = saved.at("scan").get<std::string>();
    // Runs written before logz had models of real-valued units lack these.
    f.sigma = saved.value("sigma", f.sigma);
    f.noise_sigma = saved.value("noise_sigma", f.noise_sigma);
    f.noise_ratio = saved.value("noise_ratio", f.noise_ratio);
    f.noise = saved.value("noise", f.noise);
    f.data.dequantize = saved.value("dequantize", f.data.dequantize);
    f.data.standardize = saved.value("standardize", f.data.standardize);
    if (given.command == nullptr || given.command->get_option("--epochs")->count() == 0) {
      f.epochs = saved.at("epochs").get<int>();
    }
    f.batch = saved.at("batch").get<long>();
    f.optimizer = saved.at("optimizer").get<std::string>();
    f.lr = saved.at("lr").get<double>();
    f.momentum = saved.at("momentum").get<double>();
    f.weight_decay = saved.at("weight_decay").get<double>();
    f.lr_schedule = saved.at("lr_schedule").get<std::string>();
    f.lr_final = saved.at("lr_final").get<double>();
    f.init_std = saved.at("init_std").get<double>();
    f.seed = saved.at("seed").get<std::uint64_t>();
    f.monitor = saved.at("monitor").get<std::string>();
    f.eval_every = saved.at("eval_every").get<int>();
    // Runs written before logz tracked log Z lack these.
    f.track_chains = saved.value("track_chains", f.track_chains);
    f.track_replicates = saved.value("track_replicates", f.track_replicates);
    f.track_betas = saved.value("track_betas", f.track_betas);
    f.track_max_betas = saved.value("track_max_betas", f.track_max_betas);
    f.snapshot_every = saved.value("snapshot_every", f.snapshot_every);
    f.snapshot_acceptance = saved.value("snapshot_acceptance", f.snapshot_acceptance);
    f.max_exact_bits = saved.at("max_exact_bits").get<int>();
    // Runs written before logz modelled categorical data lack these.
    f.data.states = saved.value("states", f.data.states);
    f.data.alphabet = saved.value("alphabet", f.data.alphabet);
    f.data.reweight = saved.value("reweight", f.data.reweight);
    f.data.unknown_as_gap = saved.value("unknown_as_gap", f.data.unknown_as_gap);
    f.lambda_h = saved.value("lambda_h", f.lambda_h);
    f.lambda_j = saved.value("lambda_j", f.lambda_j);
    // Adam's default beta1 applies when the original run did not give one.
    if (!saved.at("momentum_given").get<bool>() && f.optimizer == "adam") f.momentum = 0.9;
  } catch (const nlohmann::json::exception& e) {
    throw FileError(
        path, std::string("__metadata__.\"train.flags\" is not a run's settings: ") + e.what());
  }
  f.momentum_option = nullptr;
  f.hidden_option = nullptr;
  return f;
}

// --checkpoint-every: "N", "Nepochs" or "Nbatches" (also "1epoch", "1batch",
// "Ne", "Nb"); 0 checkpoints only at a stop and at the end.
void parse_checkpoint_every(const std::string& text, TrainOptions& options) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
    ++digits;
  const std::string unit = text.substr(digits);
  long n = -1;
  if (digits > 0 && digits <= 9) n = std::stol(text.substr(0, digits));
  const bool epochs = unit.empty() || unit == "e" || unit == "epoch" || unit == "epochs";
  const bool batches = unit == "b" || unit == "batch" || unit == "batches";
  if (n < 0 || (!epochs && !batches)) {
    throw SettingError("--checkpoint-every", fmt::format("\"{}\" is not a period: give N epochs "
                                                         "(\"2\", \"2epochs\") or N batches "
                                                         "(\"500batches\"); 0: only at a stop and "
                                                         "at the end",
                                                         text));
  }
  options.checkpoint_every_epochs = epochs ? static_cast<int>(n) : 0;
  options.checkpoint_every_batches = batches ? n : 0;
}

nlohmann::json settings_json(const TrainFlags& f, const Dataset& data, const EnergyModel& model) {
  nlohmann::json settings = {{"model", std::string(model.kind())},
                             {"n_visible", data.train.cols()},
                             {"method", f.method},
                             {"epochs", f.epochs},
                             {"batch", f.batch},
                             {"optimizer", f.optimizer},
                             {"lr", f.lr},
                             {"momentum", f.momentum},
                             {"weight_decay", f.weight_decay},
                             {"lr_schedule", f.lr_schedule},
                             {"lr_final", f.lr_final},
                             {"seed", f.seed},
                             {"data", data.name},
                             {"train_examples", data.train.rows()},
                             {"test_examples", data.test.rows()},
                             {"binarize", to_string(data.binarization)},
                             {"threshold", f.data.threshold},
                             {"binarize_seed", f.data.binarize_seed},
                             {"dequantize", data.dequantized ? "uniform" : "none"},
                             {"standardize", data.standardized},
                             {"logz_version", LOGZ_VERSION}};
  if (f.model == "rbm" || f.model == "gbrbm") {
    settings["n_hidden"] = f.hidden;
    settings["init_std"] = f.init_std;
  }
  if (f.model == "ising") settings["scan"] = f.scan;
  if (data.states > 0) {
    settings["states"] = data.states;
    if (!data.alphabet.empty()) settings["alphabet"] = data.alphabet;
    if (f.data.unknown_as_gap) settings["unknown_as_gap"] = true;
    if (f.data.reweight > 0.0) {
      settings["reweight"] = f.data.reweight;
      settings["effective_train_examples"] = data.effective_train_size;
    }
    if (f.model == "potts_rbm") {
      settings["n_hidden"] = f.hidden;
      settings["init_std"] = f.init_std;
    }
  }
  if (f.optimizer == "lbfgs") {
    settings["lbfgs_history"] = f.lbfgs_history;
    settings["lbfgs_epsilon"] = f.lbfgs_epsilon;
    settings["lbfgs_delta"] = f.lbfgs_delta;
  }
  if (f.model == "gbrbm") settings["sigma"] = f.sigma;
  if (f.method == "dsm") settings["noise_sigma"] = f.noise_sigma;
  if (f.method == "nce") {
    settings["noise_ratio"] = f.noise_ratio;
    settings["noise"] = f.noise;
  }
  if (f.method == "cd" || f.method == "pcd" || f.method == "pt") settings["k"] = f.k;
  if (f.method == "pcd" || f.method == "pt") settings["chains"] = f.chains > 0 ? f.chains : f.batch;
  if (f.micro_batches > 1) settings["micro_batches"] = f.micro_batches;
  if (f.method == "pt") settings["temperatures"] = f.temperatures;
  return settings;
}

// safetensors metadata holds strings only.
Metadata flatten(const nlohmann::json& settings) {
  Metadata metadata;
  for (const auto& [key, value] : settings.items()) {
    metadata[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  return metadata;
}

constexpr const char* kFlagsKey = "train.flags";
constexpr const char* kMetricsKey = "train.metrics";
constexpr const char* kElapsedKey = "train.elapsed_seconds";
constexpr const char* kEvaluationKey = "train.evaluation_stream";
constexpr const char* kMonitorKey = "train.monitor";

void run(const TrainFlags& given) {
  ProgressBar bar(parse_progress_mode(given.progress));
  std::optional<LoadedCheckpoint> resumed;
  std::string checkpoint_path;
  TrainFlags f = given;
  nlohmann::json saved_flags;
  if (!given.resume.empty()) {
    if (!given.out.empty() && fs::path(given.out) != fs::path(given.resume)) {
      throw SettingError("--out",
                         "a resumed run stays in its own folder (--resume DIR); leave --out out");
    }
    checkpoint_path = (fs::path(given.resume) / "checkpoint.safetensors").string();
    std::error_code ec;
    if (!fs::is_regular_file(checkpoint_path, ec)) {
      throw FileError(checkpoint_path,
                      "no checkpoint to resume from (a run folder written by "
                      "`logz train` holds one after its first checkpoint)");
    }
    const LoadedModel peek = load_model(checkpoint_path);
    const auto flags = peek.metadata.find(kFlagsKey);
    if (flags == peek.metadata.end()) {
      throw FileError(checkpoint_path,
                      "has no __metadata__.\"train.flags\": not a checkpoint of `logz train`");
    }
    try {
      saved_flags = nlohmann::json::parse(flags->second);
    } catch (const nlohmann::json::exception& e) {
      throw FileError(checkpoint_path,
                      std::string("__metadata__.\"train.flags\" is not JSON: ") + e.what());
    }
    f = resumed_flags(given, saved_flags, checkpoint_path);
    f.out = given.resume;
  }
  if (f.out.empty()) throw SettingError("--out", "a run folder is required (or --resume DIR)");
  // L-BFGS stops at convergence; its iteration limit is a safeguard.
  if (f.optimizer == "lbfgs" && f.command != nullptr &&
      f.command->get_option("--epochs")->count() == 0) {
    f.epochs = kLbfgsIterations;
  }
  if (checkpoint_path.empty())
    checkpoint_path = (fs::path(f.out) / "checkpoint.safetensors").string();
  const Dataset data = load_dataset(f.data.options(continuous_model(f.model)));
  std::unique_ptr<EnergyModel> model = make_model(f, data);
  check_fits(*model, data.train, data.name, "training");
  check_fits(*model, data.test, data.name, "test");

  ExactOptions exact;
  exact.max_bits = f.max_exact_bits;
  const bool monitor_exact = f.monitor == "exact";
  if (monitor_exact || f.method == "exact") check_enumerable(*model, exact);
  std::unique_ptr<Objective> objective;
  if (f.micro_batches > 1 || Communicator::world().distributed()) {
    // Data-parallel: each part its own objective, with its share of the chains.
    if (f.chains > 0 && f.chains < f.micro_batches) {
      throw SettingError("--chains", fmt::format("{} chains cannot be shared by {} micro-batches",
                                                 f.chains, f.micro_batches));
    }
    if (f.batch < f.micro_batches) {
      throw SettingError("--micro-batches",
                         fmt::format("a batch of {} cannot be cut into {}", f.batch, f.micro_batches));
    }
    objective = std::make_unique<PartitionedObjective>(f.micro_batches, [&](Index k) {
      TrainFlags part = f;
      const Index parts = f.micro_batches;
      if (f.chains > 0) part.chains = f.chains * (k + 1) / parts - f.chains * k / parts;
      return make_objective(part, exact, data, *model);
    });
  } else {
    objective = make_objective(f, exact, data, *model);
  }
  TrainOptions options;
  options.epochs = f.epochs;
  options.batch_size = f.batch;
  options.seed = f.seed;
  const bool full_batch = f.optimizer == "lbfgs";
  const OptimizerKind optimizer = full_batch ? OptimizerKind::sgd : parse_optimizer(f.optimizer);
  // Adam's customary beta1 is 0.9, SGD's momentum default 0.5.
  const bool momentum_given = f.momentum_option != nullptr && f.momentum_option->count() > 0;
  const double momentum = optimizer == OptimizerKind::adam && !momentum_given ? 0.9 : f.momentum;
  options.sgd = {f.lr,       momentum, f.weight_decay, parse_schedule(f.lr_schedule),
                 f.lr_final, optimizer};
  parse_checkpoint_every(f.checkpoint_every, options);
  if (full_batch) options.batch_size = data.train.rows();  // one batch: the training set
  options.validate(data.train.rows());
  const bool monitor_track = f.monitor == "track";
  RunMonitor monitor(monitor_options(f, data, *model));
  if (!f.resume.empty()) resumed = load_checkpoint(checkpoint_path, *model);

  std::error_code ec;
  fs::create_directories(f.out, ec);
  if (ec) throw FileError(f.out, "cannot create the run folder: " + ec.message());
  const std::string model_path = (fs::path(f.out) / "model.safetensors").string();
  const std::string metrics_path = (fs::path(f.out) / "metrics.csv").string();
  nlohmann::json settings = settings_json(f, data, *model);
  // settings.json also says what was monitored; the model file's metadata does
  // not, so that the model is the same file whatever the monitor.
  nlohmann::json run_settings = settings;
  run_settings["monitor"] = monitor_json(f);
  write_file_atomic((fs::path(f.out) / "settings.json").string(), run_settings.dump(2) + "\n");

  MetricsTable metrics({"epoch",
                        "epoch_seconds",
                        "elapsed_seconds",
                        "learning_rate",
                        "batch_objective",
                        "batch_reconstruction_error",
                        "reconstruction_error",
                        "pseudo_log_likelihood",
                        "log_z",
                        "train_log_likelihood",
                        "test_log_likelihood",
                        "swap_acceptance",
                        "swap_acceptance_min",
                        "pseudo_log_likelihood_std_error",
                        "train_log_likelihood_std_error",
                        "test_log_likelihood_std_error",
                        "learned_log_z",
                        "test_log_likelihood_learned_normalizer",
                        "test_log_likelihood_before_standardization",
                        "nce_accuracy",
                        "log_z_std_error"});
  RandomStream evaluation_stream = make_stream(f.seed, StreamId::evaluation);
  Trainer trainer(*model, *objective, options);
  if (!data.train_weights.empty()) trainer.set_example_weights(data.train_weights);
  if (full_batch) {
    check_full_batch(f, *objective);
    options.checkpoint_every_batches = 0;
  }
  int epochs_done = 0;
  double elapsed_before = 0.0;  // seconds of the run before it was resumed
  if (resumed) {
    try {
      const Metadata& m = resumed->metadata;
      for (const auto& row : nlohmann::json::parse(m.at(kMetricsKey))) {
        metrics.add_row(row.get<std::map<std::string, double>>());
      }
      elapsed_before = std::stod(m.at(kElapsedKey));
      const nlohmann::json stream = nlohmann::json::parse(m.at(kEvaluationKey));
      evaluation_stream = RandomStream(RandomStream::State{stream.at(0).get<std::uint64_t>(),
                                                           stream.at(1).get<std::uint64_t>(),
                                                           stream.at(2).get<std::uint64_t>()});
      if (const auto saved = m.find(kMonitorKey); saved != m.end()) {
        monitor.restore(resumed->monitor, nlohmann::json::parse(saved->second), *model);
      }
    } catch (const std::exception& e) {
      throw FileError(checkpoint_path,
                      std::string("the run's metrics or streams in __metadata__ are "
                                  "unreadable: ") +
                          e.what());
    }
    const TrainerState& state = resumed->state;
    epochs_done =
        state.batches_done > 0 && state.batches_done == (data.train.rows() + f.batch - 1) / f.batch
            ? state.epoch
            : state.epoch - 1;
    inform(fmt::format("resuming {} at epoch {}, batch {} (of {} epochs)", f.out, state.epoch,
                       state.batches_done, f.epochs));
    trainer.resume_from(std::move(resumed->state));
  }
  const auto start = std::chrono::steady_clock::now() -
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(elapsed_before));
  Evaluation last;
  std::string monitored;
  if (epochs_done > 0 && metrics.rows() > 0) {
    // What the bar shows until the next evaluation.
    for (const auto& [key, value] : metrics.row(metrics.rows() - 1))
      last.values[key] = value;
  }

  const auto on_batch = [&](const BatchProgress& p) {
    std::vector<std::string> detail;
    if (p.objective) detail.push_back(fmt::format("{} {:.3f}", f.method, *p.objective));
    if (p.reconstruction_error)
      detail.push_back(fmt::format("recon {:.3f}", *p.reconstruction_error));
    if (!monitored.empty()) detail.push_back(monitored);
    // The whole run's batches, so that rate and time left cover it all.
    bar.update(fmt::format("epoch {}/{}", p.epoch, p.epochs),
               static_cast<double>((p.epoch - 1) * p.batches + p.batch),
               static_cast<double>(p.epochs * p.batches), "batch",
               fmt::format("{}", fmt::join(detail, "  ")));
  };
  const auto on_epoch = [&](const BatchProgress& p) {
    bar.clear();
    epochs_done = p.epoch;
    const bool evaluation_due = p.epoch % f.eval_every == 0 || p.epoch == f.epochs;
    const bool exact_now = monitor_exact && evaluation_due;
    const std::int64_t updates = static_cast<std::int64_t>(p.epoch) * p.batches;
    settings["updates_completed"] = updates;
    std::optional<LogZEstimate> tracked;
    if (monitor_track && evaluation_due) tracked = monitor.at_evaluation(*model, updates);
    last = evaluate(*model, data, f.monitor == "pl", exact_now, exact, evaluation_stream, tracked);
    std::map<std::string, double> row = last.values;
    row["epoch"] = p.epoch;
    row["epoch_seconds"] = p.epoch_seconds;
    row["elapsed_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    row["learning_rate"] = p.learning_rate;
    if (p.objective) row["batch_objective"] = *p.objective;
    if (p.reconstruction_error) row["batch_reconstruction_error"] = *p.reconstruction_error;
    for (const auto& [key, value] : p.diagnostics)
      row[key] = value;
    metrics.add_row(row);
    metrics.write(metrics_path);
    settings["epochs_completed"] = p.epoch;
    // An L-BFGS iteration is cheap beside writing a large model: every 10th
    // and the last (the end of the run saves the final point too).
    if (!full_batch || p.epoch % 10 == 0 || p.epoch == f.epochs) {
      save_model(model_path, *model, flatten(settings));
    }
    std::string text = last.text;
    if (const auto swaps = p.diagnostics.find("swap_acceptance"); swaps != p.diagnostics.end()) {
      text += fmt::format("  swaps {:.2f} (min {:.2f})", swaps->second,
                          p.diagnostics.at("swap_acceptance_min"));
    }
    // One line per evaluated epoch, and about ten over the run besides.
    const int stride = std::max(1, f.epochs / 10);
    if (exact_now || tracked || p.epoch == 1 || p.epoch % stride == 0 || p.epoch == f.epochs) {
      inform(fmt::format("epoch {}/{}  {:.2f} s  {}", p.epoch, p.epochs, p.epoch_seconds, text),
             &bar);
    }
    monitored = "(last: " + last.text + ")";
    if (f.pictures_every > 0 && p.epoch % f.pictures_every == 0 && p.epoch < p.epochs) {
      write_run_pictures(f.out, *model, *objective, data.train, f.seed);
    }
    return true;
  };
  std::string last_checkpoint;  // where it stands, in words
  const auto on_checkpoint = [&](const TrainerState& state) {
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t i = 0; i < metrics.rows(); ++i)
      rows.push_back(metrics.row(i));
    const RandomStream::State& e = evaluation_stream.state();
    Metadata metadata = flatten(settings);
    metadata[kFlagsKey] = flags_json(f).dump();
    metadata[kMetricsKey] = rows.dump();
    metadata[kElapsedKey] = fmt::format(
        "{:a}", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    metadata[kEvaluationKey] = nlohmann::json::array({e.seed, e.stream, e.position}).dump();
    metadata[kMonitorKey] = monitor.numbers().dump();
    save_checkpoint(checkpoint_path, *model, state, metadata, monitor.matrices());
    last_checkpoint = fmt::format("epoch {}, batch {}/{}", state.epoch, state.batches_done,
                                  (data.train.rows() + f.batch - 1) / f.batch);
  };
  StopSignals signals;
  const auto before_update = [&](std::int64_t update) {
    monitor.before_update(*model, *objective, update);
  };
  Trainer::Hooks hooks{on_batch, on_epoch, on_checkpoint, [&] { return signals.requested(); },
                       before_update};
  Trainer::End end = Trainer::End::completed;
  try {
    if (full_batch) {
      end = run_lbfgs(f, data, *model, *objective, on_epoch, on_batch,
                      [&] { return signals.requested(); });
      save_model(model_path, *model, flatten(settings));
    } else {
      end = trainer.run(data.train, hooks);
    }
  } catch (const DivergenceError& e) {
    bar.clear();
    std::string kept = "; nothing was written from the diverged state";
    if (!last_checkpoint.empty()) {
      kept +=
          fmt::format(": the checkpoint of {} is intact in {}", last_checkpoint, checkpoint_path);
    } else if (epochs_done > 0) {
      kept += fmt::format(": the model after epoch {} is intact in {}", epochs_done, model_path);
    }
    throw DivergenceError(std::string(e.what()) + kept);
  }
  if (end == Trainer::End::stop_requested) {
    bar.clear();
    throw Interrupted(
        signals.signal(),
        fmt::format("stopped by {} after {}; checkpoint in {}; continue with `logz "
                    "train --resume {}`",
                    StopSignals::name(signals.signal()), last_checkpoint, checkpoint_path, f.out));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const Index batches = (data.train.rows() + f.batch - 1) / f.batch;
  monitor.at_end(*model, static_cast<std::int64_t>(epochs_done) * batches);

  // The final numbers: exact when monitored, or when the model is tiny (then
  // the tracked log Z, if any, is kept beside the exact one).
  const int bits = enumeration_bits(*model);
  const bool tracked_last = last.values.contains("log_z_std_error");
  if ((!last.values.contains("log_z") || tracked_last) &&
      bits <= std::min(kAlwaysExactBits, f.max_exact_bits)) {
    const Evaluation tracked = last;
    last = evaluate(*model, data, true, true, exact, evaluation_stream);
    if (tracked_last) {
      last.values["tracked_log_z"] = tracked.values.at("log_z");
      last.values["tracked_log_z_std_error"] = tracked.values.at("log_z_std_error");
    }
  }
  const RunPictures pictures = write_run_pictures(f.out, *model, *objective, data.train, f.seed);
  nlohmann::json summary = {{"model", model_path},
                            {"run_folder", f.out},
                            {"epochs", epochs_done},
                            {"seconds", seconds},
                            {"train_examples", data.train.rows()},
                            {"test_examples", data.test.rows()},
                            {"pictures", pictures.files},
                            {"samples_source", pictures.samples_source}};
  for (const auto& [key, value] : last.values)
    summary[key] = value;
  if (data.test.rows() > 0 && dynamic_cast<const BitFlipModel*>(model.get()) != nullptr &&
      (last.values.contains("pseudo_log_likelihood") || bits <= kAlwaysExactBits)) {
    summary["test_pseudo_log_likelihood"] = mean(pseudo_log_likelihood(*model, data.test));
  }
  if (data.test.rows() > 0 && dynamic_cast<const CategoricalModel*>(model.get()) != nullptr) {
    summary["test_pseudo_log_likelihood"] =
        mean(categorical_pseudo_log_likelihood(*model, data.test));
  }
  if (f.json) {
    print_json(summary);
    return;
  }
  fmt::print("trained a {} by {} for {} {} on {} ({} examples{}) in {:.1f} s\n",
             describe_model(*model), f.method, epochs_done,
             full_batch ? "L-BFGS iterations" : "epochs", data.name, data.train.rows(),
             data.dequantized ? ", dequantized pixels (k + u) / 256" : "", seconds);
  fmt::print("model, metrics.csv, settings.json{} in {}\n",
             pictures.files.size() > 1    ? ", samples.png and filters.png"
             : pictures.files.size() == 1 ? " and samples.png"
                                          : "",
             f.out);
  if (last.values.contains("test_log_likelihood") && last.values.contains("log_z_std_error")) {
    fmt::print(
        "log Z = {:.4f} +/- {:.4f} (tracked along the run); average log-likelihood: train "
        "{:.4f}, test {:.4f} nats per example, +/- {:.4f} from log Z\n",
        last.values["log_z"], last.values["log_z_std_error"], last.values["train_log_likelihood"],
        last.values["test_log_likelihood"], last.values["log_z_std_error"]);
  } else if (last.values.contains("test_log_likelihood")) {
    fmt::print(
        "exact log Z = {:.4f}; average log-likelihood: train {:.4f}, test {:.4f} nats per "
        "example\n",
        last.values["log_z"], last.values["train_log_likelihood"],
        last.values["test_log_likelihood"]);
    if (last.values.contains("tracked_log_z")) {
      fmt::print("  tracked along the run: log Z = {:.4f} +/- {:.4f}\n",
                 last.values["tracked_log_z"], last.values["tracked_log_z_std_error"]);
    }
    if (data.standardized) {
      fmt::print("  test {:.4f} nats per example on the data before standardization\n",
                 last.values["test_log_likelihood_before_standardization"]);
    }
    if (data.dequantized) {
      fmt::print(
          "  (a density on dequantized pixels in (0, 1)^{0}: minus {0} log 256 = {1:.1f} "
          "nats, it bounds the log-probability of the 8-bit images from below)\n",
          model->n_visible(), static_cast<double>(model->n_visible()) * std::log(256.0));
    }
  } else {
    const std::string method = bits <= f.max_exact_bits                 ? "exact"
                               : f.model == "rbm" || f.model == "gbrbm" ? "ais"
                                                                        : "bridge";
    fmt::print(
        "log Z of this model sums over 2^{} states; for its log-likelihood run `logz eval {} "
        "--data {} --logz-method {}`\n",
        bits, model_path, f.data.source, method);
  }
  if (last.values.contains("test_log_likelihood_learned_normalizer")) {
    fmt::print(
        "with NCE's learned normalizer log Z = {:.4f} (a parameter, not an estimate of the "
        "true log Z): test {:.4f} nats per example\n",
        last.values["learned_log_z"], last.values["test_log_likelihood_learned_normalizer"]);
  }
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* c = app.add_subcommand("train", "Train a model on a data set; writes a run folder");
  f->data.add_to(*c);
  c->add_option("--model", f->model,
                "Model type: rbm (Bernoulli-Bernoulli RBM), gbrbm (Gaussian-Bernoulli RBM: "
                "real-valued visible units), gaussian (multivariate Gaussian, log Z in closed "
                "form), ica (Laplace sources mixed linearly; train with nce), ising (fully "
                "visible Boltzmann machine), potts (Potts model of categorical data: protein "
                "families) or potts_rbm (Potts-Bernoulli RBM)")
      ->check(CLI::IsMember({"rbm", "gbrbm", "gaussian", "ica", "ising", "potts", "potts_rbm"}))
      ->capture_default_str();
  f->hidden_option =
      c->add_option("--hidden", f->hidden, "Hidden units of an RBM (the default keeps log Z exact)")
          ->check(CLI::Range(1L, 1L << 20))
          ->capture_default_str();
  c->add_option("--method", f->method,
                "Inductive principle: cd (contrastive divergence CD-k), pcd (persistent CD / "
                "stochastic maximum likelihood), pt (SML with parallel tempering), pl "
                "(pseudolikelihood), rm (ratio matching), exact (exact log-likelihood gradient by "
                "enumeration; small models), sm (score matching), dsm (denoising score matching, "
                "--noise-sigma), nce (noise-contrastive estimation, --noise-ratio, --noise; it "
                "also learns log Z as a parameter)")
      ->check(CLI::IsMember({"cd", "pcd", "pt", "pl", "rm", "exact", "sm", "dsm", "nce"}))
      ->capture_default_str();
  c->add_option("--k", f->k, "Gibbs sweeps per update (cd, pcd; ladder sweeps for pt)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  c->add_option("--chains", f->chains,
                "Persistent chains for pcd, chains per temperature for pt (0: the batch size)")
      ->check(CLI::Range(0L, 1L << 24))
      ->capture_default_str();
  c->add_option("--micro-batches", f->micro_batches,
                "Cut each batch into this many parts, each with its share of the chains, and add "
                "their gradients in order: under mpirun the ranks share the parts, and the result "
                "depends on this number, never on the number of ranks (1: one part)")
      ->check(CLI::Range(1L, 1L << 20))
      ->capture_default_str();
  c->add_option("--temperatures", f->temperatures,
                "Inverse temperatures of pt's ladder, equally spaced from the data's base-rate "
                "model (0) to the model (1)")
      ->check(CLI::Range(2, 10000))
      ->capture_default_str();
  c->add_option("--scan", f->scan, "Gibbs order of an Ising model: sequential or random")
      ->check(CLI::IsMember({"sequential", "random"}))
      ->capture_default_str();
  c->add_option("--sigma", f->sigma,
                "Standard deviations of a Gaussian-Bernoulli RBM's visible units: learned, or "
                "fixed at the data's (per unit)")
      ->check(CLI::IsMember({"learned", "fixed"}))
      ->capture_default_str();
  c->add_option("--noise-sigma", f->noise_sigma,
                "dsm: standard deviation of the Gaussian corruption (the model learns the data "
                "convolved with it)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  c->add_option("--noise-ratio", f->noise_ratio, "nce: noise samples per data point (nu)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  c->add_option("--noise", f->noise,
                "nce: noise distribution fitted to the training data: gaussian (mean and "
                "covariance), uniform (the data's bounding box), bernoulli (independent bits at "
                "the data's marginals; binary data), categorical (independent sites at the "
                "data's site frequencies; categorical data), auto (bernoulli for binary units, "
                "categorical for potts and potts_rbm, else gaussian)")
      ->check(CLI::IsMember({"auto", "gaussian", "uniform", "bernoulli", "categorical"}))
      ->capture_default_str();
  c->add_option("--epochs", f->epochs,
                "Passes over the training data (lbfgs: the most iterations, default 500)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  c->add_option("--batch", f->batch, "Minibatch size")
      ->check(CLI::Range(1L, 1L << 30))
      ->capture_default_str();
  c->add_option("--optimizer", f->optimizer,
                "sgd (with --momentum), adam (--momentum is beta1) or lbfgs (full batch: "
                "--epochs is the most L-BFGS iterations; pl and exact)")
      ->check(CLI::IsMember({"sgd", "adam", "lbfgs"}))
      ->capture_default_str();
  c->add_option("--lr", f->lr, "Learning rate (> 0)")->capture_default_str();
  c->add_option("--lambda-h", f->lambda_h,
                "pl of categorical data: L2 penalty lambda_h |h|^2 on the fields (default "
                "plmc's 0.01)");
  c->add_option("--lambda-j", f->lambda_j,
                "pl of categorical data: L2 penalty lambda_J |J|^2 on the couplings, each pair "
                "once (default plmc's 0.01 (q-1)(L-1); potts_rbm: 0.01 on W)");
  c->add_option("--lbfgs-history", f->lbfgs_history, "lbfgs: corrections kept (m)")
      ->check(CLI::Range(1L, 1000L))
      ->capture_default_str();
  c->add_option("--lbfgs-epsilon", f->lbfgs_epsilon,
                "lbfgs: stop when |gradient| < epsilon max(1, |parameters|)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->add_option("--lbfgs-delta", f->lbfgs_delta,
                "lbfgs: stop when the objective fell by less than this fraction over 5 iterations")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  f->momentum_option = c->add_option("--momentum", f->momentum,
                                     "Momentum, in [0, 1) (Adam's beta1; 0.9 unless given)")
                           ->capture_default_str();
  c->add_option("--weight-decay", f->weight_decay,
                "L2 penalty on the weights W or couplings J (>= 0)")
      ->capture_default_str();
  c->add_option("--lr-schedule", f->lr_schedule,
                "constant, linear (to --lr-final at the last update) or exponential")
      ->check(CLI::IsMember({"constant", "linear", "exponential"}))
      ->capture_default_str();
  c->add_option("--lr-final", f->lr_final, "Learning rate reached at the end (linear, exponential)")
      ->capture_default_str();
  c->add_option("--init-std", f->init_std, "Standard deviation of an RBM's initial weights")
      ->capture_default_str();
  c->add_option("--seed", f->seed, "Seed of every random choice: same seed, same run, bit for bit")
      ->capture_default_str();
  c->add_option("--monitor", f->monitor,
                "Measured after each evaluated epoch: recon (reconstruction error of RBMs), pl "
                "(also the pseudo-log-likelihood of training examples), exact (also exact log Z "
                "and train/test log-likelihood; small models), track (log Z tracked along the run "
                "from the training's chains, any size, with its standard error, and the "
                "log-likelihoods)")
      ->check(CLI::IsMember({"recon", "pl", "exact", "track"}))
      ->capture_default_str();
  c->add_option("--eval-every", f->eval_every,
                "Exact or tracked log Z and log-likelihoods every N epochs (and the last)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  add_monitor_flags(*c, *f);
  c->add_option("--max-exact-bits", f->max_exact_bits,
                "Refuse exact enumeration of more than 2^N states")
      ->check(CLI::Range(1, 40))
      ->capture_default_str();
  c->add_option(
      "--out", f->out,
      "Run folder: model.safetensors, metrics.csv, settings.json, checkpoint.safetensors, "
      "samples.png, filters.png (RBMs)");
  c->add_option("--checkpoint-every", f->checkpoint_every,
                "Write DIR/checkpoint.safetensors every N epochs (\"2\", \"2epochs\") or N batches "
                "(\"500batches\"), besides at the end and on SIGINT/SIGTERM, which stop training "
                "after the current batch (0: only then)")
      ->capture_default_str();
  c->add_option("--resume", f->resume,
                "Continue the run in folder DIR from its checkpoint, with its own settings, to the "
                "same parameters bit for bit as a run never stopped (--epochs may extend it)");
  c->add_option("--pictures-every", f->pictures_every,
                "Also write samples.png and filters.png (RBMs) into the run folder every N epochs; "
                "0: only at the end, as every run does")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  c->add_option("--progress", f->progress,
                "Progress on stderr: auto (a bar on a terminal, else a line every 10 s), always "
                "(the bar), never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  c->add_flag("--json", f->json, "Print the final summary as one JSON object");
  f->command = c;
  return {c, [f] { run(*f); }};
}

}  // namespace logz::cli
