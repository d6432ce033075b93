#include <chrono>
#include <filesystem>
#include <fmt/format.h>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/cli/progress.hpp"
#include "logz/error.hpp"
#include "logz/estimators/exact.hpp"
#include "logz/estimators/log_likelihood.hpp"
#include "logz/io/file.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/ising.hpp"
#include "logz/models/model_file.hpp"
#include "logz/objectives/bit_flip_objectives.hpp"
#include "logz/objectives/contrastive_divergence.hpp"
#include "logz/objectives/exact_likelihood.hpp"
#include "logz/objectives/parallel_tempering.hpp"
#include "logz/objectives/persistent_contrastive_divergence.hpp"
#include "logz/sampling/gibbs.hpp"
#include "logz/train/metrics.hpp"
#include "logz/train/trainer.hpp"

namespace logz::cli {
namespace {

namespace fs = std::filesystem;

// Models this small are evaluated exactly at the end of every run: 2^20
// states take a fraction of a second.
constexpr int kAlwaysExactBits = 20;
// Reconstruction error and pseudo-log-likelihood are measured on at most
// this many training examples.
constexpr Index kMonitorRows = 1000;

struct TrainFlags {
  DataFlags data;
  std::string model = "rbm";
  long hidden = 25;
  CLI::Option* hidden_option = nullptr;
  std::string method = "pcd";
  int k = 1;
  long chains = 0;
  int temperatures = 10;
  std::string scan = "sequential";
  int epochs = 20;
  long batch = 100;
  std::string optimizer = "sgd";
  double lr = 0.05;
  double momentum = 0.5;
  CLI::Option* momentum_option = nullptr;
  double weight_decay = 0.0;
  std::string lr_schedule = "constant";
  double lr_final = 0.0;
  double init_std = 0.01;
  std::uint64_t seed = 0;
  std::string monitor = "recon";
  int eval_every = 1;
  int max_exact_bits = ExactOptions{}.max_bits;
  std::string out;
  std::string progress = "auto";
  bool json = false;
};

nlohmann::json settings_json(const TrainFlags& f, const Dataset& data, const GibbsModel& model) {
  nlohmann::json settings = {
      {"model", std::string(model.kind())},
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
      {"logz_version", LOGZ_VERSION}};
  if (const auto* rbm = dynamic_cast<const BernoulliRbm*>(&model)) {
    settings["n_hidden"] = rbm->n_hidden();
    settings["init_std"] = f.init_std;
  } else {
    settings["scan"] = f.scan;
  }
  if (f.method == "cd" || f.method == "pcd" || f.method == "pt") settings["k"] = f.k;
  if (f.method == "pcd" || f.method == "pt") settings["chains"] = f.chains > 0 ? f.chains : f.batch;
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

std::unique_ptr<GibbsModel> make_model(const TrainFlags& f, const Dataset& data) {
  if (f.model == "ising") {
    if (f.hidden_option != nullptr && f.hidden_option->count() > 0) {
      throw SettingError("--hidden", "an Ising model has no hidden units");
    }
    auto ising = std::make_unique<IsingModel>(data.train.cols());
    ising->set_scan(f.scan == "random" ? IsingModel::Scan::random : IsingModel::Scan::sequential);
    ising->initialize(data.train);
    return ising;
  }
  if (!(f.init_std >= 0.0)) throw SettingError("--init-std", "must be >= 0");
  auto rbm = std::make_unique<BernoulliRbm>(data.train.cols(), f.hidden);
  RandomStream init = make_stream(f.seed, StreamId::initialization);
  rbm->initialize(init, f.init_std, data.train);
  return rbm;
}

std::unique_ptr<Objective> make_objective(const TrainFlags& f, const ExactOptions& exact,
                                          const Dataset& data) {
  if (f.method == "cd") return std::make_unique<ContrastiveDivergence>(f.k);
  if (f.method == "pcd") return std::make_unique<PersistentContrastiveDivergence>(f.chains, f.k);
  if (f.method == "pt") {
    return std::make_unique<ParallelTempering>(f.chains, f.temperatures, f.k,
                                               visible_log_odds(data.train));
  }
  if (f.method == "pl") return std::make_unique<Pseudolikelihood>();
  if (f.method == "rm") return std::make_unique<RatioMatching>();
  return std::make_unique<ExactLikelihood>(exact);
}

double mean(const std::vector<double>& x) {
  double sum = 0.0;
  for (double v : x) sum += v;
  return sum / static_cast<double>(x.size());
}

struct Evaluation {
  std::map<std::string, double> values;
  std::string text;
};

// What is measured after an epoch: the reconstruction error (RBMs), the
// pseudo-log-likelihood of training examples (--monitor pl or exact), and
// exact log Z with train and test log-likelihoods when `exact`.
Evaluation evaluate(const GibbsModel& model, const Dataset& data, bool pseudo, bool exact,
                    const ExactOptions& exact_options, RandomStream& stream) {
  Evaluation e;
  const MatrixF sample = data.train.topRows(std::min(kMonitorRows, data.train.rows()));
  const auto add = [&](const std::string& key, const std::string& label, double value) {
    e.values[key] = value;
    e.text += fmt::format("{}{} {:.3f}", e.text.empty() ? "" : "  ", label, value);
  };
  if (dynamic_cast<const BernoulliRbm*>(&model) != nullptr) {
    add("reconstruction_error", "recon", reconstruction_error(model, sample, stream));
  }
  if (pseudo || exact) add("pseudo_log_likelihood", "pl", mean(pseudo_log_likelihood(model, sample)));
  if (exact) {
    const LogZEstimate log_z = exact_log_z(model, exact_options);
    add("log_z", "log Z", log_z.log_z);
    add("train_log_likelihood", "train ll", average_log_likelihood(model, data.train, log_z).average);
    if (data.test.rows() > 0) {
      add("test_log_likelihood", "test ll", average_log_likelihood(model, data.test, log_z).average);
    }
  }
  return e;
}

void run(const TrainFlags& f) {
  ProgressBar bar(parse_progress_mode(f.progress));
  if (f.out.empty()) throw SettingError("--out", "a run folder is required");
  const Dataset data = load_dataset(f.data.options());
  std::unique_ptr<GibbsModel> model = make_model(f, data);
  check_fits(*model, data.train, data.name, "training");
  check_fits(*model, data.test, data.name, "test");

  ExactOptions exact;
  exact.max_bits = f.max_exact_bits;
  const bool monitor_exact = f.monitor == "exact";
  if (monitor_exact || f.method == "exact") check_enumerable(*model, exact);
  std::unique_ptr<Objective> objective = make_objective(f, exact, data);
  TrainOptions options;
  options.epochs = f.epochs;
  options.batch_size = f.batch;
  options.seed = f.seed;
  const OptimizerKind optimizer = parse_optimizer(f.optimizer);
  // Adam's customary beta1 is 0.9, SGD's momentum default 0.5.
  const bool momentum_given = f.momentum_option != nullptr && f.momentum_option->count() > 0;
  const double momentum = optimizer == OptimizerKind::adam && !momentum_given ? 0.9 : f.momentum;
  options.sgd = {f.lr, momentum, f.weight_decay, parse_schedule(f.lr_schedule), f.lr_final, optimizer};
  options.validate(data.train.rows());

  std::error_code ec;
  fs::create_directories(f.out, ec);
  if (ec) throw FileError(f.out, "cannot create the run folder: " + ec.message());
  const std::string model_path = (fs::path(f.out) / "model.safetensors").string();
  const std::string metrics_path = (fs::path(f.out) / "metrics.csv").string();
  nlohmann::json settings = settings_json(f, data, *model);
  write_file_atomic((fs::path(f.out) / "settings.json").string(), settings.dump(2) + "\n");

  MetricsTable metrics({"epoch", "epoch_seconds", "elapsed_seconds", "learning_rate",
                        "batch_objective", "batch_reconstruction_error", "reconstruction_error",
                        "pseudo_log_likelihood", "log_z", "train_log_likelihood",
                        "test_log_likelihood", "swap_acceptance", "swap_acceptance_min"});
  RandomStream evaluation_stream = make_stream(f.seed, StreamId::evaluation);
  Trainer trainer(*model, *objective, options);
  const auto start = std::chrono::steady_clock::now();
  int epochs_done = 0;
  Evaluation last;
  std::string monitored;

  const auto on_batch = [&](const BatchProgress& p) {
    std::string detail = fmt::format("{}/{}  {:.0f} batch/s", p.batch, p.batches,
                                     static_cast<double>(p.batch) / std::max(p.epoch_seconds, 1e-9));
    if (p.objective) detail += fmt::format("  {} {:.3f}", f.method, *p.objective);
    if (p.reconstruction_error) detail += fmt::format("  recon {:.3f}", *p.reconstruction_error);
    bar.update(static_cast<double>(p.batch) / static_cast<double>(p.batches),
               fmt::format("epoch {}/{}", p.epoch, p.epochs), detail + monitored);
  };
  const auto on_epoch = [&](const BatchProgress& p) {
    bar.clear();
    epochs_done = p.epoch;
    const bool exact_now = monitor_exact && (p.epoch % f.eval_every == 0 || p.epoch == f.epochs);
    last = evaluate(*model, data, f.monitor == "pl", exact_now, exact, evaluation_stream);
    std::map<std::string, double> row = last.values;
    row["epoch"] = p.epoch;
    row["epoch_seconds"] = p.epoch_seconds;
    row["elapsed_seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    row["learning_rate"] = p.learning_rate;
    if (p.objective) row["batch_objective"] = *p.objective;
    if (p.reconstruction_error) row["batch_reconstruction_error"] = *p.reconstruction_error;
    for (const auto& [key, value] : p.diagnostics) row[key] = value;
    metrics.add_row(row);
    metrics.write(metrics_path);
    settings["epochs_completed"] = p.epoch;
    save_model(model_path, *model, flatten(settings));
    std::string text = last.text;
    if (const auto swaps = p.diagnostics.find("swap_acceptance"); swaps != p.diagnostics.end()) {
      text += fmt::format("  swaps {:.2f} (min {:.2f})", swaps->second,
                          p.diagnostics.at("swap_acceptance_min"));
    }
    // One line per evaluated epoch, and about ten over the run besides.
    const int stride = std::max(1, f.epochs / 10);
    if (exact_now || p.epoch == 1 || p.epoch % stride == 0 || p.epoch == f.epochs) {
      fmt::print(stderr, "epoch {}/{}  {:.2f} s  {}\n", p.epoch, p.epochs, p.epoch_seconds, text);
    }
    monitored = "  (last: " + last.text + ")";
    return true;
  };
  try {
    trainer.run(data.train, on_batch, on_epoch);
  } catch (const DivergenceError& e) {
    bar.clear();
    throw DivergenceError(std::string(e.what()) +
                          (epochs_done > 0 ? fmt::format("; the model after epoch {} is intact in {}",
                                                         epochs_done, model_path)
                                           : std::string("; no model was written")));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The final numbers: exact when monitored, or when the model is tiny.
  const int bits = enumeration_bits(*model);
  if (!last.values.contains("log_z") && bits <= std::min(kAlwaysExactBits, f.max_exact_bits)) {
    last = evaluate(*model, data, true, true, exact, evaluation_stream);
  }
  nlohmann::json summary = {{"model", model_path},
                            {"run_folder", f.out},
                            {"epochs", epochs_done},
                            {"seconds", seconds},
                            {"train_examples", data.train.rows()},
                            {"test_examples", data.test.rows()}};
  for (const auto& [key, value] : last.values) summary[key] = value;
  if (data.test.rows() > 0 && (last.values.contains("pseudo_log_likelihood") || bits <= kAlwaysExactBits)) {
    summary["test_pseudo_log_likelihood"] = mean(pseudo_log_likelihood(*model, data.test));
  }
  if (f.json) {
    print_json(summary);
    return;
  }
  const std::string description =
      f.model == "rbm" ? fmt::format("{} x {} Bernoulli RBM", model->n_visible(), f.hidden)
                       : fmt::format("{}-unit Ising model", model->n_visible());
  fmt::print("trained a {} by {} for {} epochs on {} ({} examples) in {:.1f} s\n", description,
             f.method, epochs_done, data.name, data.train.rows(), seconds);
  fmt::print("model, metrics.csv and settings.json in {}\n", f.out);
  if (last.values.contains("test_log_likelihood")) {
    fmt::print("exact log Z = {:.4f}; average log-likelihood: train {:.4f}, test {:.4f} nats per "
               "example\n",
               last.values["log_z"], last.values["train_log_likelihood"],
               last.values["test_log_likelihood"]);
  } else {
    const std::string method = bits <= f.max_exact_bits ? "exact"
                               : f.model == "rbm"        ? "ais"
                                                         : "bridge";
    fmt::print("log Z of this model sums over 2^{} states; for its log-likelihood run `logz eval {} "
               "--data {} --logz-method {}`\n",
               bits, model_path, f.data.source, method);
  }
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* c = app.add_subcommand("train", "Train a model on a data set; writes a run folder");
  f->data.add_to(*c);
  c->add_option("--model", f->model,
                "Model type: rbm (Bernoulli-Bernoulli RBM) or ising (fully visible Boltzmann "
                "machine)")
      ->check(CLI::IsMember({"rbm", "ising"}))
      ->capture_default_str();
  f->hidden_option =
      c->add_option("--hidden", f->hidden, "Hidden units of an RBM (the default keeps log Z exact)")
          ->check(CLI::Range(1L, 1L << 20))
          ->capture_default_str();
  c->add_option("--method", f->method,
                "Inductive principle: cd (contrastive divergence CD-k), pcd (persistent CD / "
                "stochastic maximum likelihood), pt (SML with parallel tempering), pl "
                "(pseudolikelihood), rm (ratio matching), exact (exact log-likelihood gradient by "
                "enumeration; small models)")
      ->check(CLI::IsMember({"cd", "pcd", "pt", "pl", "rm", "exact"}))
      ->capture_default_str();
  c->add_option("--k", f->k, "Gibbs sweeps per update (cd, pcd; ladder sweeps for pt)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  c->add_option("--chains", f->chains, "Persistent chains for pcd, chains per temperature for pt (0: the batch size)")
      ->check(CLI::Range(0L, 1L << 24))
      ->capture_default_str();
  c->add_option("--temperatures", f->temperatures,
                "Inverse temperatures of pt's ladder, equally spaced from the data's base-rate "
                "model (0) to the model (1)")
      ->check(CLI::Range(2, 10000))
      ->capture_default_str();
  c->add_option("--scan", f->scan, "Gibbs order of an Ising model: sequential or random")
      ->check(CLI::IsMember({"sequential", "random"}))
      ->capture_default_str();
  c->add_option("--epochs", f->epochs, "Passes over the training data")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  c->add_option("--batch", f->batch, "Minibatch size")
      ->check(CLI::Range(1L, 1L << 30))
      ->capture_default_str();
  c->add_option("--optimizer", f->optimizer, "sgd (with --momentum) or adam (--momentum is beta1)")
      ->check(CLI::IsMember({"sgd", "adam"}))
      ->capture_default_str();
  c->add_option("--lr", f->lr, "Learning rate (> 0)")->capture_default_str();
  f->momentum_option =
      c->add_option("--momentum", f->momentum, "Momentum, in [0, 1) (Adam's beta1; 0.9 unless given)")
          ->capture_default_str();
  c->add_option("--weight-decay", f->weight_decay, "L2 penalty on the weights W or couplings J (>= 0)")
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
                "and train/test log-likelihood; small models)")
      ->check(CLI::IsMember({"recon", "pl", "exact"}))
      ->capture_default_str();
  c->add_option("--eval-every", f->eval_every, "Exact monitoring every N epochs (and the last)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  c->add_option("--max-exact-bits", f->max_exact_bits,
                "Refuse exact enumeration of more than 2^N states")
      ->check(CLI::Range(1, 40))
      ->capture_default_str();
  c->add_option("--out", f->out, "Run folder: model.safetensors, metrics.csv, settings.json")
      ->required();
  c->add_option("--progress", f->progress, "Progress bar on stderr: auto (if a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  c->add_flag("--json", f->json, "Print the final summary as one JSON object");
  return {c, [f] { run(*f); }};
}

}  // namespace logz::cli
